"""The orders listing's "Activité" filter, registered in `orders.registry.order_filters`, and
its search by a ticket's code (`orders.registry.order_finders`)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models import OrderLine
from orders.registry import OrderFilter, OrderFinder

from ..models import EventPage


def activity_choices():
    """Activity pages some order line takes places of, by title."""
    return list(
        EventPage.objects.filter(dates__quota__order_lines__isnull=False)
        .distinct()
        .order_by("title", "pk")
        .values_list("pk", "title")
    )


def orders_for_activity(page_id):
    """Ids of the orders with a line taking places on one of the activity's dates."""
    return OrderLine.objects.filter(quotas__event_date__page_id=page_id).values("order_id")


ACTIVITY_FILTER = OrderFilter(
    name="activity",
    label=_("Activité"),
    choices=activity_choices,
    orders=orders_for_activity,
    empty_label=_("Toutes"),
)


# Staff read a code's beginning off a phone or a printout: from this many characters on, the
# tickets whose code begins with it are found (fewer would match too many).
CODE_BEGINNING = 6


def orders_by_ticket_code(text):
    """Ids of the orders a ticket's code, or its beginning, belongs to (as the door reads
    codes: as typed, or in lower case), or None for a text that cannot be a code (spaces
    inside)."""
    from ..checkin import ticket_codes
    from ..models import Attendee

    codes = ticket_codes(text)
    if not codes or " " in codes[0]:
        return None
    found = Q(ticket_code__in=codes)
    if len(codes[0]) >= CODE_BEGINNING:
        for code in codes:
            found |= Q(ticket_code__startswith=code)
    return Attendee.objects.filter(found).values("order_line__order_id")


TICKET_CODE_FINDER = OrderFinder(name="ticket_code", orders=orders_by_ticket_code)
