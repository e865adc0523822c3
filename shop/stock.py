"""Stock keeping for staff: what every variant has, has sold and has left; manual adjustments
with their reason; the low-stock alert.

A variant's stock is the size of its quota (`orders.availability` counts what is sold and held
against it, never decrementing anything). An adjustment changes that size under the quota's
lock, never below what paid and pending orders already take, and leaves a `StockAdjustment`
row: the stock's log.

Staff are told once, by email, when what is left of a variant falls to its threshold or
under after a sale; the alert is cleared when units come back above it (an adjustment, a
return, a cancelled order), so the next fall is told again.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from cesiq_site.collation import natural
from orders import availability
from orders.models import OrderSettings
from orders.outbox import queue_email
from orders.services import OrderError

from .models import ProductVariant, StockAdjustment

MAX_ADJUSTMENT = 100_000


@dataclass
class StockRow:
    variant: ProductVariant
    stock: int
    sold: int
    held: int

    @property
    def left(self):
        return self.stock - self.sold - self.held

    @property
    def low(self):
        return self.left <= self.variant.low_stock_threshold

    @property
    def product(self):
        return self.variant.page


def stock_rows(variants=None, now=None):
    """A StockRow per variant (all of them by default, by product then format), counted in
    one query."""
    if variants is None:
        # In French alphabetical order (« Écharpe » with the E, not after « Thé »).
        variants = ProductVariant.objects.select_related("page").order_by(
            natural("page__title"), "sort_order", "pk"
        )
    variants = list(variants)
    used = availability.usage([v.quota_id for v in variants], now)
    rows = []
    for variant in variants:
        found = used.get(variant.quota_id)
        rows.append(
            StockRow(
                variant=variant,
                stock=found.size if found else variant.stock,
                sold=found.sold if found else 0,
                held=(found.held + found.offered) if found else 0,
            )
        )
    return rows


def stock_row(variant, now=None):
    return stock_rows([variant], now)[0]


def clean_delta(value):
    try:
        delta = int(str(value).strip())
    except (TypeError, ValueError):
        delta = 0
    if abs(delta) > MAX_ADJUSTMENT:
        raise OrderError(
            _("On ajoute ou retire au plus %(max)s unités à la fois.")
            % {"max": number_format(MAX_ADJUSTMENT, force_grouping=True)}
        )
    if delta == 0:
        raise OrderError(
            _("Indiquez un nombre d'unités à ajouter (10) ou à retirer (-3), autre que zéro.")
        )
    return delta


def adjust(variant, delta, *, reason, user=None, now=None):
    """Add (or take away, `delta` < 0) units of a variant's stock, with the reason, under its
    quota's lock. Never below what paid and pending orders take. Returns the adjustment."""
    delta = clean_delta(delta)
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise OrderError(_("Indiquez le motif de l'ajustement."))
    with transaction.atomic():
        availability.lock([variant.quota_id])
        variant = (
            ProductVariant.objects.select_for_update().select_related("page").get(pk=variant.pk)
        )
        row = stock_row(variant, now)
        new_stock = row.stock + delta
        taken = row.sold + row.held
        if new_stock < taken:
            raise OrderError(
                _(
                    "Impossible : %(taken)s unité(s) de « %(item)s » sont vendues ou réservées, "
                    "le stock ne peut pas descendre sous ce nombre (au plus %(max)s à retirer)."
                )
                % {"taken": taken, "item": variant, "max": max(row.stock - taken, 0)}
            )
        variant.stock = new_stock
        variant.save()
        keep_in_revisions(variant)
        adjustment = StockAdjustment.objects.create(
            variant=variant,
            delta=delta,
            stock_after=new_stock,
            reason=reason[:300],
            user=user,
            created_at=now or timezone.now(),
        )
        check_low_stock(variant, alert=False, now=now)
    return adjustment


def keep_in_revisions(variant):
    """Write the new stock into the product page's latest and live revisions too: the page
    editor opens the latest one, and publishing it saves its variants, which would otherwise
    put back the stock they had when it was written."""
    page = variant.page
    revisions = {r for r in (page.latest_revision, page.live_revision) if r is not None}
    for revision in revisions:
        changed = False
        for row in revision.content.get("variants", []):
            if row.get("pk") == variant.pk and row.get("stock") != variant.stock:
                row["stock"] = variant.stock
                changed = True
        if changed:
            revision.save(update_fields=["content"])


def check_low_stock(variant, *, alert=True, now=None):
    """Tell staff once when what is left is at the threshold or under (`alert`: after a
    sale); clear the alert when it is above again. Runs inside the caller's transaction."""
    now = now or timezone.now()
    left = availability.left(variant.quota_id, now)
    if left > variant.low_stock_threshold:
        if variant.low_stock_alerted_at is not None:
            ProductVariant.objects.filter(pk=variant.pk).update(low_stock_alerted_at=None)
            variant.low_stock_alerted_at = None
        return False
    if not alert:
        return False
    addresses = OrderSettings.load().notification_addresses()
    if not addresses:
        # Nobody to tell (the stock screen says so): not marked as told, so that the next
        # sale under the threshold tells the addresses given meanwhile.
        return False
    # Only one of two buyers paying at once sets it: the one whose update finds it empty.
    if not ProductVariant.objects.filter(pk=variant.pk, low_stock_alerted_at__isnull=True).update(
        low_stock_alerted_at=now
    ):
        return False
    variant.low_stock_alerted_at = now
    for address in addresses:
        queue_email(
            key=f"low_stock:{variant.pk}:{now.isoformat()}:{address}",
            to=address,
            language=settings.LANGUAGE_CODE,
            template="shop/email/staff_low_stock",
            context={
                "variant": variant,
                "left": left,
                "site_url": settings.WAGTAILADMIN_BASE_URL,
            },
            subject=lambda: (
                _("Stock bas : %(item)s (%(left)s restant(s))") % {"item": variant, "left": left}
            ),
        )
    return True
