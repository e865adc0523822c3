"""Listings of dates: one activity's dates (with the places taken, the orders and the waiting
list, and the way to cancel or postpone one), and the next dates of every activity for the
teams at the door (the admin menu's "Accueil et participants")."""

from datetime import timedelta

from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import BaseListingView
from wagtail.admin.widgets.button import Button

from orders import availability

from .. import checkin, staff
from ..models import Attendee, EventDate, EventPage, WaitingListEntry
from .base import ActivityBreadcrumbsMixin
from .permissions import (
    CHECK_IN,
    MANAGE_DATES,
    VIEW_ATTENDEES,
    PermissionRequiredMixin,
    can_manage_dates,
)
from .tables import (
    ActivityColumn,
    DateRow,
    DatesTable,
    HoldsColumn,
    Link,
    LinksColumn,
    MoneyColumn,
    PlacesColumn,
    WhenColumn,
)

UPCOMING_DAYS = 60


def door_links(date, user):
    """The way in to a date's attendees, door and sign-in sheet, for who may use each."""
    links = [Link(_("Participant·es"), reverse("events_staff:attendees", args=[date.pk]))]
    if user.has_perm(CHECK_IN):
        links.append(Link(_("Accueil (entrées)"), reverse("events_staff:checkin", args=[date.pk])))
    links.append(
        Link(_("Feuille d'émargement"), reverse("events_staff:sign_in_sheet", args=[date.pk]))
    )
    return links


# --- one activity's dates -----------------------------------------------------------------------


class ActivityDatesView(PermissionRequiredMixin, ActivityBreadcrumbsMixin, BaseListingView):
    """The dates of one activity, each with its registrations and the two actions."""

    permission = MANAGE_DATES
    template_name = "events/admin/dates.html"
    header_icon = "date"
    table_class = DatesTable
    columns = [
        WhenColumn(
            "start",
            label=gettext_lazy("Début"),
            start="start",
            fmt="DATETIME_FORMAT",
            past_tag=True,
        ),
        WhenColumn("end", label=gettext_lazy("Fin"), start="end", fmt="TIME_FORMAT"),
        Column("capacity", label=gettext_lazy("Places")),
        Column("taken", label=gettext_lazy("Places prises")),
        Column("orders", label=gettext_lazy("Commandes")),
        Column("people", label=gettext_lazy("Participant·es")),
        MoneyColumn("to_refund", label=gettext_lazy("À rembourser si annulée")),
        Column("waiting", label=gettext_lazy("Liste d'attente")),
        HoldsColumn(),
        LinksColumn(),
    ]

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

    @cached_property
    def no_results_message(self):
        return _("Cette activité n'a aucune date.")

    def get_queryset(self):
        now = timezone.now()
        user = self.request.user
        rows = []
        for date in self.page.dates.select_related("page"):
            summary = staff.date_summary(date, now)
            links = [door_links(date, user)]
            # A cancelled date cannot be postponed or cancelled again: no dead-end actions.
            if not summary["past"] and not summary["cancelled"]:
                links.append(
                    [
                        Link(
                            _("Reporter cette date"),
                            reverse("events_staff:postpone", args=[date.pk]),
                        ),
                        Link(
                            _("Annuler cette date"),
                            reverse("events_staff:cancel", args=[date.pk]),
                            style="no",
                        ),
                    ]
                )
            rows.append(
                DateRow(
                    date=date,
                    taken=summary["seats_taken"],
                    past=summary["past"],
                    orders=summary["orders"],
                    people=summary["people"],
                    to_refund=summary["to_refund"],
                    waiting=summary["waiting"],
                    holds=summary.get("holds", []),
                    links=links,
                )
            )
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page=self.page,
            status=self.page.get_status_display(),
            status_is_scheduled=self.page.status == "scheduled",
        )
        return context


def dates_button(page, user, priority):
    """ "Gérer les dates", on an activity's page in the editor and in the page listing."""
    if not issubclass(page.specific_class or object, EventPage) or not can_manage_dates(user):
        return None
    return Button(
        _("Gérer les dates"),
        reverse("events_staff:dates", args=[page.pk]),
        icon_name="date",
        priority=priority,
    )


# --- the next dates of every activity -----------------------------------------------------------


def registrations_to_come(page, now=None):
    """[(date, places sold or held)] of the page's dates still to come that have any."""
    now = now or timezone.now()
    upcoming = [date for date in page.dates.all() if date.end > now]
    used = availability.usage([date.quota_id for date in upcoming], now)
    return [
        (date, used[date.quota_id].taken)
        for date in upcoming
        if date.quota_id in used and used[date.quota_id].taken
    ]


def _sum_of_places(entries):
    """A subquery: the places of `entries` (waiting-list entries of the outer date)."""
    return Coalesce(
        Subquery(
            entries.filter(date=OuterRef("pk"))
            .order_by()
            .values("date")
            .annotate(n=Sum("places"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def upcoming_dates(now, until=None):
    """Dates not yet over, with their door and waiting-list counts as annotations: one query
    whatever the number of dates (places taken come from `orders.availability`, one more)."""
    dates = EventDate.objects.filter(end__gt=now)
    if until is not None:
        dates = dates.filter(start__lt=until)
    expected = Attendee.objects.filter(
        checkin.VALID,
        date=OuterRef("pk"),
        cancelled_at__isnull=True,
    )
    waiting = WaitingListEntry.objects.filter(
        state__in=[WaitingListEntry.State.WAITING, WaitingListEntry.State.OFFERED]
    )
    checked_in = (
        expected.filter(checked_in_at__isnull=False)
        .order_by()
        .values("date")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        dates.select_related("page")
        .annotate(
            checked_in=Coalesce(Subquery(checked_in, output_field=IntegerField()), 0),
            waiting=_sum_of_places(waiting),
        )
        .order_by("start", "pk")
    )


class UpcomingDatesView(PermissionRequiredMixin, BaseListingView):
    """The next dates of every activity, today's first, with the way in to each date's
    attendees, door and sign-in sheet. For whoever may see attendees."""

    permission = VIEW_ATTENDEES
    template_name = "events/admin/upcoming_dates.html"
    header_icon = "group"
    page_title = gettext_lazy("Prochaines dates")
    index_url_name = "events_staff:upcoming"
    table_class = DatesTable
    columns = [
        ActivityColumn(),
        WhenColumn(
            "when",
            label=gettext_lazy("Date"),
            start="start",
            fmt="DATETIME_FORMAT",
            end="end",
            today_tag=True,
        ),
        PlacesColumn(),
        Column("checked_in", label=gettext_lazy("Entrées")),
        Column("waiting", label=gettext_lazy("Liste d'attente")),
        LinksColumn(),
    ]

    @cached_property
    def show_all(self):
        return self.request.GET.get("toutes") == "1"

    @cached_property
    def no_results_message(self):
        return _("Aucune date à venir.")

    def get_queryset(self):
        now = timezone.now()
        self.until = None if self.show_all else now + timedelta(days=UPCOMING_DAYS)
        dates = list(upcoming_dates(now, self.until))
        used = availability.usage([d.quota_id for d in dates], now)
        today = timezone.localdate(now)
        user = self.request.user
        can_manage = can_manage_dates(user)
        rows = []
        for date in dates:
            links = door_links(date, user)
            if can_manage:
                url = reverse("events_staff:dates", args=[date.page_id]) + f"#date-{date.pk}"
                links.append(Link(_("Gérer la date"), url))
            rows.append(
                DateRow(
                    date=date,
                    taken=used[date.quota_id].taken if date.quota_id else 0,
                    today=timezone.localtime(date.start).date() <= today,
                    checked_in=date.checked_in,
                    waiting=date.waiting,
                    links=[links],
                )
            )
        rows.sort(key=lambda row: not row.today)  # stable: by start within each group
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        more = (
            not self.show_all
            and EventDate.objects.filter(end__gt=now, start__gte=self.until).exists()
        )
        context.update(
            # What other apps add to the staff's calendar (school workshops): each hook
            # `staff_calendar_section(request, start, until)` returns None or
            # {"heading": str, "rows": [{"when": str, "title": str, "url": str, "detail": str}]}.
            calendar_sections=[
                section
                for hook in hooks.get_hooks("staff_calendar_section")
                if (section := hook(self.request, now, self.until))
            ],
            show_all=self.show_all,
            days=UPCOMING_DAYS,
            all_url=f"{reverse('events_staff:upcoming')}?toutes=1" if more else "",
            window_url=reverse("events_staff:upcoming") if self.show_all else "",
        )
        return context


class UpcomingDatesMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(VIEW_ATTENDEES)


def upcoming_dates_menu_item():
    return UpcomingDatesMenuItem(
        gettext_lazy("Accueil et participants"),
        reverse("events_staff:upcoming"),
        name="upcoming-dates",
        icon_name="group",
        order=240,
    )
