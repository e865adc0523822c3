"""Staff back-office for activity dates, in the Wagtail admin.

From an activity (the "…" menu of its page), staff see its dates with the places taken, the
orders and the waiting list, and may cancel or postpone one date. Each action has a
confirmation step and goes through `events.staff`, which calls the same order services as the
public site. Only users who may change orders (`orders.change_order`) may do it: cancelling a
date refunds money.
"""

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.admin.widgets.button import Button

from orders.money import format_cad
from orders.services import OrderError

from . import staff
from .models import EventDate, EventPage

PERMISSION = "orders.change_order"


def can_manage_dates(user):
    return user.has_perm(PERMISSION)


def when(value):
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def cad(amount):
    return format_cad(amount, get_language() or "fr")


# --- views --------------------------------------------------------------------------------------


class StaffOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_manage_dates(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ActivityBreadcrumbsMixin:
    def get_breadcrumbs_items(self):
        page = self.page
        parent = page.get_parent()
        return self.breadcrumbs_items + [
            {
                "url": reverse("wagtailadmin_explore", args=[parent.pk]),
                "label": parent.get_admin_display_title(),
            },
            {"url": reverse("wagtailadmin_pages:edit", args=[page.pk]), "label": page.title},
            {"url": reverse("events_staff:dates", args=[page.pk]), "label": _("Dates")},
        ]


class ActivityDatesView(
    StaffOnlyMixin, ActivityBreadcrumbsMixin, WagtailAdminTemplateMixin, TemplateView
):
    """The dates of one activity, each with its registrations and the two actions."""

    template_name = "events/admin/dates.html"
    header_icon = "date"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Dates live on the French page; its translations show (and sell) the same places.
        self.page = get_object_or_404(EventPage, pk=kwargs["page_id"]).source

    def get_breadcrumbs_items(self):
        label = f"{_('Dates')} — {self.page.title}"
        return super().get_breadcrumbs_items()[:-1] + [{"url": "", "label": label}]

    def get_page_title(self):
        return _("Gérer les dates")

    def get_page_subtitle(self):
        return self.page.title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context.update(
            page=self.page,
            rows=[staff.date_summary(date, now) for date in self.page.dates.all()],
            status=self.page.get_status_display(),
            status_is_scheduled=self.page.status == "scheduled",
        )
        return context


class CancelDateForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Message aux personnes inscrites"),
        help_text=gettext_lazy(
            "Envoyé par courriel à chaque personne inscrite et en liste d'attente, "
            "avec la date et le remboursement."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=staff.MESSAGE_MAX_LENGTH,
    )
    confirm = forms.BooleanField(
        required=True,
        error_messages={"required": gettext_lazy("Cochez la case pour confirmer l'annulation.")},
    )

    def __init__(self, *args, summary, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = ngettext(
            "Je confirme : %(orders)s commande sera annulée et %(amount)s remboursés.",
            "Je confirme : %(orders)s commandes seront annulées et %(amount)s remboursés.",
            summary["orders"],
        ) % {"orders": summary["orders"], "amount": cad(summary["to_refund"])}


class PostponeDateForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Message aux personnes inscrites"),
        help_text=gettext_lazy(
            "Envoyé par courriel à chaque personne inscrite, avec la nouvelle date (ou « à "
            "venir ») et le lien vers sa commande, où elle peut encore annuler."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=staff.MESSAGE_MAX_LENGTH,
    )
    new_start = forms.DateTimeField(
        label=gettext_lazy("Nouveau début"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=gettext_lazy("Vide : la nouvelle date est à venir."),
    )
    new_end = forms.DateTimeField(
        label=gettext_lazy("Nouvelle fin"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=gettext_lazy("Vide : même durée qu'avant."),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("new_start"), cleaned.get("new_end")
        if end and not start:
            self.add_error("new_start", _("Indiquez aussi le nouveau début."))
        if start and start <= timezone.now():
            self.add_error("new_start", _("La nouvelle date doit être dans le futur."))
        if start and end and end <= start:
            self.add_error("new_end", _("La fin doit venir après le début."))
        return cleaned


class DateActionView(StaffOnlyMixin, ActivityBreadcrumbsMixin, WagtailAdminTemplateMixin, FormView):
    """A confirmation form, then the staff action on POST."""

    template_name = "events/admin/date_action.html"
    header_icon = "date"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.date = get_object_or_404(
            EventDate.objects.select_related("page"), pk=kwargs["date_id"]
        )
        self.page = self.date.page.specific
        self.summary = staff.date_summary(self.date)

    def get_breadcrumbs_items(self):
        label = f"{self.get_page_title()} — {when(self.date.start)}"
        return super().get_breadcrumbs_items() + [{"url": "", "label": label}]

    def get_page_subtitle(self):
        return f"{self.page.title} — {when(self.date.start)}"

    def get_success_url(self):
        return reverse("events_staff:dates", args=[self.page.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page=self.page,
            summary=self.summary,
            action_url=self.request.path,
            cancel_url=self.get_success_url(),
            submit_label=self.submit_label,
            destructive=self.destructive,
            explanation=self.explanation(),
        )
        return context

    def form_valid(self, form):
        try:
            text = self.act(form.cleaned_data)
        except OrderError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, text)
        return redirect(self.get_success_url())


class CancelDateView(DateActionView):
    form_class = CancelDateForm
    submit_label = gettext_lazy("Annuler cette date")
    destructive = True

    def get_page_title(self):
        return _("Annuler une date")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "summary": self.summary}

    def explanation(self):
        return [
            _("Les inscriptions à cette date s'arrêtent : ses places sont ramenées à 0."),
            _(
                "Chaque commande est annulée et ce qui a été payé est remboursé en entier "
                "par Stripe."
            ),
            _(
                "Chaque personne inscrite reçoit, dans sa langue, l'avis d'annulation avec "
                "votre message ; les personnes en liste d'attente aussi."
            ),
            _("Les autres dates de l'activité ne changent pas."),
        ]

    def act(self, data):
        outcome = staff.cancel_date(self.date, user=self.request.user, message=data["message"])
        text = _(
            "Date du %(date)s annulée : %(orders)s commande(s) annulée(s), %(amount)s "
            "remboursés, %(emailed)s personne(s) avisée(s)."
        ) % {
            "date": when(self.date.start),
            "orders": outcome.orders,
            "amount": cad(outcome.refunded),
            "emailed": outcome.emailed,
        }
        if outcome.failed:
            text += " " + _("À vérifier : %(codes)s.") % {"codes": ", ".join(outcome.failed)}
        now = timezone.now()
        if not self.page.dates.filter(end__gt=now, capacity__gt=0).exists():
            text += " " + _(
                "Il ne reste aucune date à venir : pensez à passer l'activité au statut "
                "« Annulée »."
            )
        return text


class PostponeDateView(DateActionView):
    form_class = PostponeDateForm
    submit_label = gettext_lazy("Reporter cette date")
    destructive = False

    def get_page_title(self):
        return _("Reporter une date")

    def explanation(self):
        return [
            _("Les inscriptions sont gardées ; rien n'est remboursé."),
            _(
                "Si vous indiquez la nouvelle date, elle remplace l'ancienne sur le site ; "
                "sinon, la date reste affichée telle quelle."
            ),
            _(
                "Chaque personne inscrite reçoit, dans sa langue, votre message, la nouvelle "
                "date (ou « à venir ») et le lien vers sa commande, où elle peut encore annuler."
            ),
        ]

    def act(self, data):
        outcome = staff.postpone_date(
            self.date,
            user=self.request.user,
            message=data["message"],
            new_start=data.get("new_start"),
            new_end=data.get("new_end"),
        )
        self.date.refresh_from_db()
        if data.get("new_start"):
            text = _("Date reportée au %(date)s : %(emailed)s personne(s) avisée(s).") % {
                "date": when(self.date.start),
                "emailed": outcome.emailed,
            }
        else:
            text = _(
                "Date reportée (nouvelle date à venir) : %(emailed)s personne(s) avisée(s). "
                "Pensez à passer l'activité au statut « Reportée » si toutes ses dates le sont."
            ) % {"emailed": outcome.emailed}
        return text


# --- hooks --------------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_date_urls():
    patterns = [
        path("<int:page_id>/dates/", ActivityDatesView.as_view(), name="dates"),
        path("date/<int:date_id>/annuler/", CancelDateView.as_view(), name="cancel"),
        path("date/<int:date_id>/reporter/", PostponeDateView.as_view(), name="postpone"),
    ]
    return [path("activites/", include((patterns, "events_staff")))]


def dates_button(page, user, priority):
    if not issubclass(page.specific_class or object, EventPage) or not can_manage_dates(user):
        return None
    return Button(
        _("Gérer les dates"),
        reverse("events_staff:dates", args=[page.pk]),
        icon_name="date",
        priority=priority,
    )


@hooks.register("register_page_header_buttons")
def page_header_dates_button(page, user, view_name, next_url=None):
    if button := dates_button(page, user, priority=40):
        yield button


@hooks.register("register_page_listing_more_buttons")
def page_listing_dates_button(page, user, next_url=None):
    if button := dates_button(page, user, priority=45):
        yield button
