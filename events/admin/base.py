"""What the pages about one activity, or one of its dates, have in common: the breadcrumbs back
to the activity, the date loaded from the URL, and the links between a date's pages."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import EventDate
from .permissions import CHECK_IN, PermissionRequiredMixin


def when(value):
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


class ActivityBreadcrumbsMixin:
    """Breadcrumbs: the activity's parent in the page explorer, the activity, its dates."""

    def get_breadcrumbs_items(self):
        from ..templatetags.activity_admin import may_edit_pages

        page = self.page
        parent = page.get_parent()
        # The explorer and the editor for those who may edit pages; plain names for the
        # others (the ticketing team was sent to « vous n'avez pas les autorisations »).
        editors = may_edit_pages(self.request.user)
        return self.breadcrumbs_items + [
            {
                "url": reverse("wagtailadmin_explore", args=[parent.pk]) if editors else "",
                "label": parent.get_admin_display_title(),
            },
            {
                "url": reverse("wagtailadmin_pages:edit", args=[page.pk]) if editors else "",
                "label": page.title,
            },
            {"url": reverse("events_staff:dates", args=[page.pk]), "label": _("Dates")},
        ]


class DateMixin(PermissionRequiredMixin, ActivityBreadcrumbsMixin):
    """A view about one date (`date_id` in the URL); `permission` is the one the user needs."""

    header_icon = "group"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.date = get_object_or_404(
            EventDate.objects.select_related("page"), pk=kwargs["date_id"]
        )
        self.page = self.date.page.specific

    def get_breadcrumbs_items(self):
        label = f"{self.get_page_title()} — {when(self.date.start)}"
        return super().get_breadcrumbs_items() + [{"url": "", "label": label}]

    def get_page_subtitle(self):
        return f"{self.page.title} — {when(self.date.start)}"

    def date_links(self):
        user, pk = self.request.user, self.date.pk
        links = [(_("Participant·es"), reverse("events_staff:attendees", args=[pk]))]
        if user.has_perm(CHECK_IN):
            links.append((_("Accueil (entrées)"), reverse("events_staff:checkin", args=[pk])))
        links += [
            (_("Feuille d'émargement"), reverse("events_staff:sign_in_sheet", args=[pk])),
            (_("Exporter (CSV)"), reverse("events_staff:export", args=[pk, "csv"])),
            (_("Exporter (Excel)"), reverse("events_staff:export", args=[pk, "xlsx"])),
        ]
        if user.has_perm(CHECK_IN):
            links.append(
                (_("Écrire aux participant·es"), reverse("events_staff:message", args=[pk]))
            )
        return links

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(page=self.page, date=self.date, date_links=self.date_links())
        return context
