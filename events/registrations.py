"""What events adds to orders' registries (`orders/registry.py`), from `EventsConfig.ready()`:
orders knows nothing of activities and imports nothing from here.

- the labels of the audit-log actions events writes on orders;
- the orders listing's "Activité" filter, and its search by a ticket's code;
- the sales report's table of revenue by activity;
- its part of a person's data for Law 25 (events/privacy.py);
- on an order's page and in its emails, the new date of a date postponed after the order
  (its lines keep the date it was bought for).
"""

from django.utils.translation import gettext_lazy as _

LOG_ACTIONS = {
    "checked_in": _("Entrée enregistrée"),
    "check_in_undone": _("Entrée annulée"),
    "check_in_conflict": _("Conflit d'entrée (deux téléphones hors ligne)"),
    "date_cancelled": _("Date annulée"),
    "ticket_cancelled": _("Billet annulé"),
    "date_postponed": _("Date reportée"),
    "date_message": _("Message aux participant·es"),
}


def postponed_dates_section(order):
    """« Reporter cette date » leaves each ticket line saying the date it was bought for (its
    description is what was sold): the order's page says the date now, for each date of the
    order postponed since (each postponement logs « date_postponed » on the orders it told)
    that still has a valid ticket of the order."""
    from django.utils import timezone
    from django.utils.formats import date_format

    from orders.models import OrderState

    from .models import Attendee, EventDate, EventStatus

    if order.state not in (OrderState.PAID, OrderState.PENDING):
        return None
    moved = {
        entry["date"]
        for entry in order.log_entries.filter(action="date_postponed").values_list(
            "data", flat=True
        )
        if isinstance(entry, dict) and entry.get("date")
    }
    if not moved:
        return None
    valid = set(
        Attendee.objects.filter(
            order_line__order=order, date_id__in=moved, cancelled_at__isnull=True
        ).values_list("date_id", flat=True)
    )

    def when(moment):
        return date_format(timezone.localtime(moment), "DATETIME_FORMAT")

    lines = []
    for date in EventDate.objects.filter(pk__in=valid).select_related("page").order_by("start"):
        title = date.page.specific.localized.title
        if date.status == EventStatus.POSTPONED:
            lines.append(
                _(
                    "L'activité « %(title)s » du %(old)s est reportée : la nouvelle date sera "
                    "annoncée."
                )
                % {"title": title, "old": when(date.previous_start or date.start)}
            )
        elif date.status == EventStatus.SCHEDULED:
            lines.append(
                _("L'activité « %(title)s » du %(old)s est reportée au %(date)s.")
                % {
                    "title": title,
                    "old": when(date.previous_start or date.start),
                    "date": when(date.start),
                }
            )
    return {"heading": _("Changement de date"), "lines": lines} if lines else None


def register():
    from orders import registry

    from .admin.filters import ACTIVITY_FILTER, TICKET_CODE_FINDER
    from .admin.reports import REVENUE_BY_ACTIVITY
    from .privacy import EventsPersonalData

    registry.log_actions.register(LOG_ACTIONS)
    registry.order_filters.register(ACTIVITY_FILTER)
    registry.order_finders.register(TICKET_CODE_FINDER)
    registry.report_sections.register(REVENUE_BY_ACTIVITY)
    registry.personal_data.register(EventsPersonalData())
    registry.order_sections.register(
        registry.OrderSection(name="postponed_dates", collect=postponed_dates_section, order=10)
    )
