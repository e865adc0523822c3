"""What staff read about activities: the next dates and how full they are, money by activity.

Orders know nothing of activities; this module reads order lines whose item is a ticket type
and groups them by the ticket type's activity page. Money stays Decimal, summed in Python.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from orders import availability
from orders.models import OrderLine, OrderState
from orders.reports import kept

from .models import EventDate, EventPage, TicketType

ZERO = Decimal("0.00")


@dataclass
class DateFill:
    date: EventDate
    capacity: int
    taken: int

    @property
    def page(self):
        return self.date.page


def upcoming_dates(limit=8, now=None):
    """The next dates not yet over (cancelled dates, whose capacity is 0, left out)."""
    now = now or timezone.now()
    dates = (
        EventDate.objects.filter(end__gt=now, capacity__gt=0, page__live=True)
        .select_related("page")
        .order_by("start", "pk")[:limit]
    )
    dates = list(dates)
    used = availability.usage([d.quota_id for d in dates], now)
    return [
        DateFill(date=d, capacity=d.capacity, taken=used[d.quota_id].taken if d.quota_id else 0)
        for d in dates
    ]


@dataclass
class ActivityRevenue:
    page_id: int
    title: str
    tickets: int = 0
    amount: Decimal = ZERO  # lines' net amounts: after discount, before taxes


def revenue_by_activity(start=None, end=None):
    """Ticket sales grouped by activity, largest first.

    Counts the lines of paid orders (paid between `start` and `end` when given); an order
    refunded in full no longer counts, and tickets cancelled one by one are taken out with
    their share of the line's net (as the shop's report does with units returned). Amounts are
    the lines' net (after discount, before taxes): a partial refund of money alone is not tied
    to a line, so it is not subtracted here — the monthly report, which is about money in and
    out, does subtract it.
    """
    lines = OrderLine.objects.filter(
        content_type=ContentType.objects.get_for_model(TicketType),
        order__state=OrderState.PAID,
    )
    if start is not None:
        lines = lines.filter(order__paid_at__gte=start)
    if end is not None:
        lines = lines.filter(order__paid_at__lt=end)
    rows = list(
        lines.values_list("object_id", "unit_price", "quantity", "discount", "returned_quantity")
    )
    ticket_pages = dict(
        TicketType.objects.filter(pk__in={row[0] for row in rows}).values_list("pk", "page_id")
    )
    titles = dict(
        EventPage.objects.filter(pk__in=set(ticket_pages.values())).values_list("pk", "title")
    )
    by_page = {}
    for object_id, unit_price, quantity, discount, cancelled in rows:
        page_id = ticket_pages.get(object_id)
        if page_id is None:  # the ticket type was deleted since
            continue
        row = by_page.setdefault(page_id, ActivityRevenue(page_id, titles.get(page_id, "")))
        tickets, amount = kept(quantity, cancelled, unit_price * quantity - discount)
        row.tickets += tickets
        row.amount += amount
    return sorted(by_page.values(), key=lambda r: (-r.amount, r.title))
