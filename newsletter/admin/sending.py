"""Sending an issue: a confirmation screen (how many confirmed subscribers of the page's
language will get it), then the sending is recorded and its batches go through Celery."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import widgets
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from .. import services, tasks
from ..models import NewsletterIssuePage, NewsletterSending

SEND_PERMISSION = "newsletter.add_newslettersending"


def can_send(user):
    return user.has_perm(SEND_PERMISSION)


class SendIssueView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "newsletter/admin/send.html"
    page_title = gettext_lazy("Envoyer l'infolettre")
    header_icon = "mail"

    def dispatch(self, request, *args, **kwargs):
        if not can_send(request.user):
            raise PermissionDenied
        self.page = get_object_or_404(NewsletterIssuePage, pk=kwargs["page_id"])
        self.sending = NewsletterSending.objects.filter(page=self.page).first()
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.page.title

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page=self.page,
            sending=self.sending,
            count=services.confirmed_subscribers(self.page.language).count(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        page, sending = self.page, self.sending
        if not page.live:
            messages.error(request, _("Publiez ce numéro avant de l'envoyer."))
        elif sending is None:
            count = services.confirmed_subscribers(page.language).count()
            try:
                services.start_sending(page, user=request.user)
            except services.AlreadySent:
                messages.error(request, _("Ce numéro a déjà été envoyé."))
            else:
                messages.success(
                    request,
                    _("L'envoi de « %(title)s » a commencé (%(count)s abonnés).")
                    % {"title": page.title, "count": count},
                )
        elif sending.finished_at is None and request.POST.get("resume"):
            tasks.dispatch_batch(sending.pk)
            messages.success(request, _("L'envoi a repris."))
        else:
            messages.error(request, _("Ce numéro a déjà été envoyé."))
        return redirect("newsletter_send_issue", page.pk)


def page_buttons(page, user, *args, **kwargs):
    if isinstance(page.specific_deferred, NewsletterIssuePage) and can_send(user):
        yield widgets.Button(
            _("Envoyer aux abonnés"),
            reverse("newsletter_send_issue", args=[page.pk]),
            icon_name="mail",
            priority=90,
        )
