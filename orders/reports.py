"""What staff read about money: revenue by month, this month's sales, orders needing a person.

Money stays Decimal from the database to the page: amounts are summed in Python, not in SQL,
because SQLite does decimal arithmetic in floating point. The volumes (a few thousand orders a
year) make that cheap. Months are calendar months in the site's zone (America/Toronto), so a
payment at 23:30 on the 31st counts in the month Québec saw it in, not UTC's next one.

Activities (events) are not known here: their report lives in `events/reports.py`.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Dispute, Order, OrderState, Payment, PaymentState, Refund, RefundState
from .money import quantize

ZERO = Decimal("0.00")

# A refund still pending after this long is stuck (Stripe answers in seconds).
STUCK_REFUND_AFTER = timedelta(hours=1)


def kept(line_quantity, returned, net):
    """(units kept, their net) of a line some of whose units were given back (tickets
    cancelled, products returned): the units given back leave with their share of the net."""
    if not returned:
        return line_quantity, net
    return line_quantity - returned, net - quantize(net * returned / line_quantity)


def month_start(moment):
    """The first instant of `moment`'s month, in the site's zone (an aware datetime)."""
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(start, months):
    """The first instant of the month `months` after (or before) `start`'s, in the site's zone.

    Rebuilt from the calendar date, not by adding a duration, so daylight saving changes do
    not shift the boundary by an hour.
    """
    index = start.year * 12 + start.month - 1 + months
    naive = datetime(index // 12, index % 12 + 1, 1)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def month_key(moment):
    local = timezone.localtime(moment)
    return (local.year, local.month)


@dataclass
class MonthRevenue:
    month: datetime  # first instant of the month, site zone
    payments: Decimal = ZERO
    refunds: Decimal = ZERO
    disputes: Decimal = ZERO  # taken back by the buyers' banks, disputes lost this month

    @property
    def net(self):
        return self.payments - self.refunds - self.disputes


def lost_disputes(start, end):
    """(when, amount) of each dispute lost between `start` and `end`: the money the buyer's
    bank took back for good, counted in the month it was lost (Order.balance subtracts it). One
    appealed stays counted there until the appeal is won."""
    lost = Dispute.objects.filter(status__in=Dispute.MONEY_TAKEN).annotate(
        lost_at=Coalesce("closed_at", "created_at")
    )
    return lost.filter(lost_at__gte=start, lost_at__lt=end).values_list("lost_at", "amount")


def report_window(months=12, now=None):
    """The first instants of the last `months` months, oldest first, this month included."""
    current = month_start(now or timezone.now())
    return [add_months(current, offset) for offset in range(-(months - 1), 1)]


@dataclass(frozen=True)
class Period:
    """Twelve months of the sales report: the last twelve (`year` None), or a fiscal year,
    named by the calendar year it starts in, from the order settings' first month."""

    start: datetime  # first instant, site zone
    year: int | None = None

    @property
    def end(self):
        return add_months(self.start, 12)

    @property
    def key(self):
        return "" if self.year is None else str(self.year)

    @property
    def label(self):
        if self.year is None:
            return _("Les 12 derniers mois")
        if self.start.month == 1:
            return _("Exercice %(year)s") % {"year": self.year}
        return _("Exercice %(start)s-%(end)s") % {"start": self.year, "end": self.year + 1}


def report_periods(first_month, now=None):
    """The periods the sales report offers: the last twelve months, then every fiscal year
    from the first with a payment to the current one, newest first."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    current = local.year if local.month >= first_month else local.year - 1
    first_paid = (
        Payment.objects.filter(state=PaymentState.PAID, paid_at__isnull=False)
        .order_by("paid_at")
        .values_list("paid_at", flat=True)
        .first()
    )
    oldest = current
    if first_paid is not None:
        paid = timezone.localtime(first_paid)
        oldest = min(current, paid.year if paid.month >= first_month else paid.year - 1)
    zone = timezone.get_current_timezone()
    return [Period(start=add_months(month_start(now), -11))] + [
        Period(start=timezone.make_aware(datetime(year, first_month, 1), zone), year=year)
        for year in range(current, oldest - 1, -1)
    ]


def revenue_by_month(months=12, now=None, start=None):
    """Money received minus money given back, month by month, for the last `months` months
    (or the `months` months from `start`, the first instant of a month).

    A payment counts in the month it was received; a refund in the month it was made (and only
    once it succeeded), so a refund of last month's sale lowers this month; a dispute in the
    month it was lost.
    """
    now = now or timezone.now()
    if start is not None:
        window = [add_months(start, offset) for offset in range(months)]
    else:
        window = report_window(months, now)
    start, end = window[0], add_months(window[-1], 1)
    rows = {(m.year, m.month): MonthRevenue(month=m) for m in window}

    payments = Payment.objects.filter(
        state=PaymentState.PAID, paid_at__gte=start, paid_at__lt=end
    ).values_list("paid_at", "amount")
    for paid_at, amount in payments:
        rows[month_key(paid_at)].payments += amount

    refunds = Refund.objects.filter(
        state=RefundState.SUCCEEDED, created_at__gte=start, created_at__lt=end
    ).values_list("created_at", "amount")
    for created_at, amount in refunds:
        rows[month_key(created_at)].refunds += amount

    for lost_at, amount in lost_disputes(start, end):
        rows[month_key(lost_at)].disputes += amount

    return list(rows.values())


@dataclass
class MonthTaxes:
    """The sales taxes of a month: on the orders paid in it, less those the refunds made in it
    gave back (Refund.gst, qst, hst: orders.services.refund_taxes)."""

    month: datetime  # first instant of the month, site zone
    gst: Decimal = ZERO
    qst: Decimal = ZERO
    hst: Decimal = ZERO

    @property
    def total(self):
        return self.gst + self.qst + self.hst


def taxes_by_month(months):
    """A MonthTaxes for each month of `months` (MonthRevenue rows, or their first instants)."""
    firsts = [getattr(m, "month", m) for m in months]
    start, end = firsts[0], add_months(firsts[-1], 1)
    rows = {(m.year, m.month): MonthTaxes(month=m) for m in firsts}
    paid = Order.objects.filter(paid_at__gte=start, paid_at__lt=end).exclude(gst=0, qst=0, hst=0)
    for paid_at, gst, qst, hst in paid.values_list("paid_at", "gst", "qst", "hst"):
        row = rows[month_key(paid_at)]
        row.gst, row.qst, row.hst = row.gst + gst, row.qst + qst, row.hst + hst
    refunds = Refund.objects.filter(
        state=RefundState.SUCCEEDED, created_at__gte=start, created_at__lt=end
    ).exclude(gst=0, qst=0, hst=0)
    for created_at, gst, qst, hst in refunds.values_list("created_at", "gst", "qst", "hst"):
        row = rows[month_key(created_at)]
        row.gst, row.qst, row.hst = row.gst - gst, row.qst - qst, row.hst - hst
    return list(rows.values())


@dataclass
class MonthSales:
    month: datetime
    count: int  # orders confirmed this month (free registrations included)
    amount: Decimal  # money received this month
    refunds: Decimal  # money given back this month
    disputes: Decimal = ZERO  # taken back by the buyers' banks: disputes lost this month

    @property
    def net(self):
        return self.amount - self.refunds - self.disputes


def sales_this_month(now=None):
    now = now or timezone.now()
    start = month_start(now)
    end = add_months(start, 1)
    count = Order.objects.filter(paid_at__gte=start, paid_at__lt=end).count()
    amount = sum(
        Payment.objects.filter(
            state=PaymentState.PAID, paid_at__gte=start, paid_at__lt=end
        ).values_list("amount", flat=True),
        ZERO,
    )
    refunds = sum(
        Refund.objects.filter(
            state=RefundState.SUCCEEDED, created_at__gte=start, created_at__lt=end
        ).values_list("amount", flat=True),
        ZERO,
    )
    disputes = sum((amount for _lost_at, amount in lost_disputes(start, end)), ZERO)
    return MonthSales(month=start, count=count, amount=amount, refunds=refunds, disputes=disputes)


def needing_action(now=None):
    """The orders `orders_needing_action` lists, as a queryset (for counting)."""
    now = now or timezone.now()
    stuck = Q(refunds__state=RefundState.PENDING, refunds__created_at__lt=now - STUCK_REFUND_AFTER)
    failed = Q(state__in=[OrderState.PAID, OrderState.REFUNDED], refunds__state=RefundState.FAILED)
    return (
        Order.objects.filter(~Q(attention="") | stuck | failed)
        .distinct()
        .order_by("-created_at", "-pk")
    )


@dataclass
class OrderToHandle:
    order: Order
    reasons: list = field(default_factory=list)


def orders_needing_action(now=None, limit=None):
    """Orders a person must look at, newest first, each with why.

    - flagged by the services (`attention`: amount mismatch, payment after expiry, failed
      refund…);
    - a refund still pending after an hour (Stripe never answered, or the task never ran);
    - a paid order one of whose refunds failed (the money is still with us).
    """
    now = now or timezone.now()
    stuck_before = now - STUCK_REFUND_AFTER
    queryset = needing_action(now)
    if limit is not None:
        queryset = queryset[:limit]
    orders = list(queryset)
    pks = [order.pk for order in orders]
    stuck_pks = set(
        Refund.objects.filter(
            order__in=pks, state=RefundState.PENDING, created_at__lt=stuck_before
        ).values_list("order", flat=True)
    )
    failed_pks = set(
        Refund.objects.filter(
            order__in=pks,
            order__state__in=[OrderState.PAID, OrderState.REFUNDED],
            state=RefundState.FAILED,
        ).values_list("order", flat=True)
    )
    result = []
    for order in orders:
        item = OrderToHandle(order=order)
        if order.attention:
            item.reasons.append(order.attention)
        if order.pk in stuck_pks:
            item.reasons.append(_("Remboursement en attente depuis plus d'une heure."))
        if order.pk in failed_pks and not order.attention:
            item.reasons.append(_("Un remboursement a échoué."))
        result.append(item)
    return result
