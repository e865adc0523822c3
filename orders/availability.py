"""How many places or units are left: the one place that counts.

A quota's places are taken by the lines of paid orders (refunded but not cancelled ones keep
theirs), by the lines of pending orders whose hold has not run out, less the units returned
line by line, and by live holds (places offered to a waiting list). Nothing is ever
decremented, so an expired hold stops counting by itself and correctness never waits for a
periodic job. Public pages, structured data, the
admin, reports and the waiting list all ask `usage` or `left`; buyers go through `reserve`,
which takes the quota rows' locks in a fixed order, with a timeout.
"""

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Order, OrderLine, OrderState, Quota, QuotaHold
from .purchasable import NotAvailable


class Busy(NotAvailable):
    """The quota rows stayed locked longer than the lock timeout: many buyers at once."""


@dataclass(frozen=True)
class Usage:
    """What one quota is made of right now."""

    size: int
    sold: int = 0  # lines of paid (or refunded, not cancelled) orders
    held: int = 0  # lines of pending orders whose hold runs
    offered: int = 0  # live holds outside orders (waiting-list offers)

    @property
    def taken(self):
        return self.sold + self.held + self.offered

    @property
    def left(self):
        """Places left; negative only if something was oversold (never by this module)."""
        return self.size - self.taken


# Three sums per quota in one statement. Written in SQL because it is asked on every sale
# (under the date's lock, while other buyers wait) and every activity page: the ORM's version
# (three correlated subqueries) cost more to build in Python than to run (5 ms against 0.3).
USAGE_SQL = """
SELECT q.id, q.size,
    COALESCE((SELECT SUM(l.quantity - l.returned_quantity) FROM {line} l
        JOIN {link} k ON k.orderline_id = l.id JOIN {order} o ON o.id = l.order_id
        WHERE k.quota_id = q.id AND o.state IN (%s, %s)), 0),
    COALESCE((SELECT SUM(l.quantity - l.returned_quantity) FROM {line} l
        JOIN {link} k ON k.orderline_id = l.id JOIN {order} o ON o.id = l.order_id
        WHERE k.quota_id = q.id AND o.state = %s AND o.expires_at > %s), 0),
    COALESCE((SELECT SUM(h.quantity) FROM {hold} h
        WHERE h.quota_id = q.id AND h.released_at IS NULL AND h.expires_at > %s), 0)
FROM {quota} q WHERE q.id IN ({ids})
"""


def quota_tables():
    """The table names the raw SQL on quotas and their usage is written with ({line},
    {link}, {order}, {hold}, {quota}): here and in cesiq_site.pagecache."""
    return {
        "line": OrderLine._meta.db_table,
        "link": OrderLine.quotas.through._meta.db_table,
        "order": Order._meta.db_table,
        "hold": QuotaHold._meta.db_table,
        "quota": Quota._meta.db_table,
    }


def usage(quotas, now=None):
    """{quota id: Usage} for the given quotas (or ids), in one query: lines of paid (or
    refunded) orders and of pending orders whose hold runs, less the units given back line by
    line (a pending order may carry some: paid, a line returned, then its payment reversed),
    and live holds."""
    now = now or timezone.now()
    ids = sorted({getattr(q, "pk", q) for q in quotas if q is not None})
    if not ids:
        return {}
    sql = USAGE_SQL.format(**quota_tables(), ids=", ".join(["%s"] * len(ids)))
    moment = connection.ops.adapt_datetimefield_value(now)
    params = [OrderState.PAID.value, OrderState.REFUNDED.value, OrderState.PENDING.value]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, moment, moment, *ids])
        rows = cursor.fetchall()
    return {
        pk: Usage(size=size, sold=int(sold), held=int(held), offered=int(offered))
        for pk, size, sold, held, offered in rows
    }


def left(quota, now=None):
    """Places left on one quota, never below zero."""
    found = usage([quota], now).get(getattr(quota, "pk", quota))
    return max(found.left, 0) if found else 0


def next_expiry(now=None):
    """When the earliest running hold (a pending order's, a waiting-list offer) runs out, or
    None: until then what is left changes only through a write. The page cache keeps no page
    longer than this (cesiq_site/pagecache.py)."""
    now = now or timezone.now()
    orders = Order.objects.filter(state=OrderState.PENDING, expires_at__gt=now)
    offers = QuotaHold.objects.filter(released_at__isnull=True, expires_at__gt=now)
    times = [
        queryset.order_by("expires_at").values_list("expires_at", flat=True).first()
        for queryset in (orders, offers)
    ]
    return min((t for t in times if t is not None), default=None)


def lock_timeout_seconds():
    return getattr(settings, "CAPACITY_LOCK_TIMEOUT_SECONDS", 3)


@contextmanager
def lock_timeout(seconds):
    """Within the current transaction, wait at most `seconds` for a row lock (PostgreSQL)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
            [f"{int(seconds * 1000)}ms"],
        )
        previous = cursor.fetchone()[0]
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])


def is_lock_timeout(exc):
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) == "55P03" or getattr(cause, "pgcode", None) == "55P03"


def lock(quota_ids):
    """Lock the quota rows in ascending id order (so two buyers never deadlock), waiting at
    most the lock timeout. Raises Busy when it runs out; the transaction is then unusable and
    must be left, which the exception does."""
    ids = sorted(set(quota_ids))
    if not ids:
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Quotas are locked inside a transaction.")
    try:
        # In a savepoint: a timeout rolls back only this, and the caller's transaction stays
        # usable (to tell the buyer, or to leave cleanly).
        with transaction.atomic(), lock_timeout(lock_timeout_seconds()):
            list(Quota.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise Busy(_("Beaucoup de demandes en ce moment, réessayez dans un instant.")) from exc
        raise


def too_few_left(item, left):
    """What a buyer asking for more than `left` places of `item` is told."""
    if left <= 0:
        return _("« %(item)s » est complet.") % {"item": item}
    return ngettext(
        "Il ne reste qu'une place pour « %(item)s ».",
        "Il ne reste que %(left)s places pour « %(item)s ».",
        left,
    ) % {"left": left, "item": item}


def reserve(demands, now=None, *, locked=False):
    """Check that every demand fits, under the quotas' locks.

    `demands` is a list of (name, quotas, quantity): what the buyer reads, the quotas one unit
    takes, how many. Demands sharing a quota (two ticket types for one date) are added up
    before comparing, so together they can never take more than is left. The quotas are
    locked here, unless the caller says it holds their locks already in this transaction
    (`locked`): taking them again would cost five more statements while every other buyer
    of the date waits.

    Returns what it counted: {quota id: (size, places left before, places left after these
    demands)}, exact under the locks (the page cache compares what public pages say before
    and after, `cesiq_site.pagecache.places_taken_on_commit`).
    """
    now = now or timezone.now()
    needed = Counter()
    names = {}
    for name, quotas, quantity in demands:
        for quota in quotas:
            needed[quota.pk] += quantity
            names.setdefault(quota.pk, []).append(str(name))
    if not locked:
        lock(needed)
    current = usage(needed, now)
    for quota_id, quantity in needed.items():
        found = current.get(quota_id)
        remaining = found.left if found else 0
        if quantity <= remaining:
            continue
        item = _(" et ").join(dict.fromkeys(names[quota_id]))
        raise NotAvailable(too_few_left(item, remaining))
    counted = {quota_id: current[quota_id] for quota_id in needed}
    return {
        quota_id: (found.size, found.left, found.left - needed[quota_id])
        for quota_id, found in counted.items()
    }


def keep_own_quota(instance, size, name):
    """Give a row that sells places (an activity date, a shop variant) its own quota, kept at
    `size`. A row already saved keeps the quota the database knows for it: a page revision or
    a copy held in memory may carry another row's quota id. A new row, a page copy's included,
    gets a fresh quota unless the one it carries belongs to nobody else."""
    model = type(instance)
    stored = None
    if instance.pk is not None:
        stored = model.objects.filter(pk=instance.pk).values_list("quota_id", flat=True).first()
    if stored:
        instance.quota_id = stored
    elif (
        instance.quota_id
        and model.objects.filter(quota_id=instance.quota_id).exclude(pk=instance.pk).exists()
    ):
        instance.quota_id = None
    if instance.quota_id is None:
        instance.quota = Quota.objects.create(size=size, name=name)
    else:
        Quota.objects.filter(pk=instance.quota_id).update(size=size, name=name)


def hold(quota, quantity, *, until, reason=""):
    """Keep `quantity` places aside until `until` (a waiting-list offer). The caller has
    checked, under `lock`, that they are free."""
    return QuotaHold.objects.create(quota=quota, quantity=quantity, expires_at=until, reason=reason)


def pending_lines(quota_ids, now=None):
    """Lines of pending orders whose hold runs, on any of these quotas: places kept for
    someone who has not paid (or not confirmed by email) yet."""
    now = now or timezone.now()
    return OrderLine.objects.filter(
        quotas__in=[getattr(q, "pk", q) for q in quota_ids],
        order__state=OrderState.PENDING,
        order__expires_at__gt=now,
    ).distinct()


def next_release(quota, now=None):
    """When the first place of `quota` kept for someone who has not paid yet comes back, should
    they not pay; None when no such place is kept."""
    soonest = pending_lines([quota], now).aggregate(soonest=Min("order__expires_at"))
    return soonest["soonest"]


def held_by(quota, now=None, *, client_key):
    """Places of `quota` held right now by the pending orders placed from one client."""
    lines = OrderLine.objects.filter(
        quotas=getattr(quota, "pk", quota),
        order__state=OrderState.PENDING,
        order__expires_at__gt=now or timezone.now(),
        order__client_key=client_key,
    )
    return lines.aggregate(n=Sum("quantity"))["n"] or 0


def pending_order_of(quota, buyer_email, now=None):
    """The pending order of `buyer_email` holding places of `quota`, if there is one."""
    return (
        Order.objects.filter(
            state=OrderState.PENDING,
            expires_at__gt=now or timezone.now(),
            buyer_email__iexact=buyer_email.strip(),
            lines__quotas=getattr(quota, "pk", quota),
        )
        .order_by("created_at")
        .first()
    )


def holds(quota_ids, now=None):
    """[(order, places)] for the pending orders holding places on these quotas, the soonest
    to expire first: what staff look at to see who keeps places without paying."""
    places = {}
    for line in pending_lines(quota_ids, now).select_related("order"):
        order, count = places.get(line.order_id, (line.order, 0))
        places[line.order_id] = (order, count + line.quantity)
    return sorted(places.values(), key=lambda pair: (pair[0].expires_at, pair[0].pk))


def holding_orders(now=None):
    """Orders whose lines count against quotas right now."""
    return Order.objects.holding(now)


def lines_on(quota_ids):
    """Order lines taking any of these quotas (whatever their order's state)."""
    return OrderLine.objects.filter(quotas__in=list(quota_ids)).distinct()
