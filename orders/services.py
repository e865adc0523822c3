"""The rules of the money core. Views and the admin call these functions; they hold the
locking and the state changes, and write the audit log and the outbox in the same transaction.
"""

import contextlib
import contextvars
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, DataError, IntegrityError, connection, transaction
from django.db.models import Prefetch, Sum, prefetch_related_objects
from django.db.models.fields.json import KT
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from cesiq_site.validation import has_control_characters

from . import availability, stripe_gateway
from .models import (
    DiscountCode,
    Dispute,
    Order,
    OrderKind,
    OrderLine,
    OrderLogEntry,
    OrderSettings,
    OrderState,
    Payment,
    PaymentState,
    Refund,
    RefundState,
    StripeEvent,
)
from .money import format_cad, from_cents, quantize
from .outbox import queue_email
from .purchasable import NotAvailable
from .registry import sections_of, why_not_cancellable
from .taxes import QUEBEC, TaxResult, compute_taxes

logger = logging.getLogger(__name__)

MAX_QUANTITY_PER_LINE = 50
# Stripe charges nothing under 0,50 $ CAD.
MINIMUM_CHARGE = Decimal("0.50")


class OrderError(Exception):
    """A request the buyer or staff must correct; the message is translated and shown as is."""


class AlreadyHolding(OrderError):
    """The buyer's address already has an unpaid order for these places. The caller, once
    out of its transaction, sends that order's link to the address (`remind_pending_order`)."""

    def __init__(self, message, order):
        super().__init__(message)
        self.order = order


class AlreadyPlaced(OrderError):
    """This very form was sent before (a double click, a page sent again) and placed `order`
    then: the caller goes on with that order as if it had just placed it."""

    message = gettext_lazy("Ce formulaire a déjà été envoyé : voici votre commande.")

    def __init__(self, order):
        super().__init__(str(self.message))
        self.order = order


def placed_by(submission):
    """The order that the form named `submission` (orders.views.submission_of) placed, if
    it did."""
    return Order.objects.filter(submission=submission).first() if submission else None


def check_submission(submission):
    """Raise AlreadyPlaced when the form named `submission` already placed an order (asked
    under the locks of what it buys: the first such order is committed by then)."""
    if earlier := placed_by(submission):
        raise AlreadyPlaced(earlier)


@dataclass
class Selection:
    """One thing the buyer asks for: an item, how many, for which option (the date of a
    ticket), at what price (pay-what-you-can), with what descriptive details (attendee names,
    answers) to keep on the line."""

    item: object
    quantity: int
    requested_price: Decimal | None = None
    details: dict = field(default_factory=dict)
    option: object = None


def hold_duration():
    return timedelta(minutes=getattr(settings, "ORDER_HOLD_MINUTES", 30))


def log(order, action, message="", user=None, **data):
    """An entry of the order's history, for staff. A lazy message is written in the site's
    language, whatever the language of the request that wrote it (a buyer on the English
    site wrote « Order placed » in the French history); one already translated (a sentence
    with its values) stays as it came."""
    with translation.override(settings.LANGUAGE_CODE):
        message = str(message)[:500]
    return OrderLogEntry.objects.create(
        order=order, action=action, message=message, user=user, data=data
    )


def staff_cad(amount):
    """An amount as the order's history shows it to staff (« 11,39 $ »): in the site's
    language, as `log` writes its messages."""
    return format_cad(amount, settings.LANGUAGE_CODE)


def change_state(order, state, *, user=None, message=""):
    """Move the order forward; refuse to move it back."""
    if not order.can_become(state):
        raise OrderError(
            _("Une commande « %(from)s » ne peut pas devenir « %(to)s ».")
            % {"from": order.get_state_display(), "to": OrderState(state).label}
        )
    previous = order.state
    order.state = state
    now = timezone.now()
    if state == OrderState.PAID:
        order.paid_at = now
    if state == OrderState.CANCELLED:
        order.cancelled_at = now
    # Who placed it is only needed while it holds places unpaid.
    order.client_key = ""
    order.save(update_fields=["state", "paid_at", "cancelled_at", "client_key"])
    log(order, f"state:{state}", message, user=user, previous=previous)


# --- placing an order -------------------------------------------------------------------------


def find_discount_code(code, kind, now):
    """The usable discount code `code` for an order of `kind`, locked; or OrderError."""
    code = (code or "").strip().upper()
    if not code:
        return None
    if len(code) > 40 or has_control_characters(code):
        raise OrderError(_("Ce code de rabais n'est pas valide."))
    try:
        # A popular code is one row every buyer using it locks: wait for it no longer than for
        # places, in a savepoint so that a timeout leaves the transaction usable.
        with transaction.atomic(), availability.lock_timeout(availability.lock_timeout_seconds()):
            discount = (
                DiscountCode.objects.select_for_update().filter(code=code, active=True).first()
            )
    except DatabaseError as exc:
        if availability.is_lock_timeout(exc):
            raise OrderError(
                _("Beaucoup de demandes en ce moment, réessayez dans un instant.")
            ) from exc
        raise
    invalid = OrderError(_("Le code de rabais « %(code)s » n'est pas valide.") % {"code": code})
    if discount is None:
        raise invalid
    if discount.scope == DiscountCode.Scope.TICKETS and kind != DiscountCode.Scope.TICKETS:
        raise OrderError(
            _(
                "Le code de rabais « %(code)s » s'applique aux inscriptions aux activités "
                "seulement : entrez-le dans le formulaire d'inscription de l'activité."
            )
            % {"code": code}
        )
    if discount.scope == DiscountCode.Scope.SHOP and kind != DiscountCode.Scope.SHOP:
        raise OrderError(
            _("Le code de rabais « %(code)s » s'applique aux achats de la boutique seulement.")
            % {"code": code}
        )
    if discount.scope not in (DiscountCode.Scope.BOTH, kind):
        raise invalid
    if (discount.valid_from and now < discount.valid_from) or (
        discount.valid_until and now > discount.valid_until
    ):
        raise OrderError(
            _("Le code de rabais « %(code)s » n'est pas valide à cette date.") % {"code": code}
        )
    if discount.max_uses is not None and discount.times_used >= discount.max_uses:
        raise OrderError(
            _("Le code de rabais « %(code)s » a déjà été utilisé le nombre de fois permis.")
            % {"code": code}
        )
    return discount


def allocate_discount(discount, line_amounts, discountable=None):
    """Split the order's discount over its lines, to the cent, never above a line's amount.
    Lines not `discountable` (a gift added to the order) take no share of it."""
    if discountable is not None and not all(discountable):
        eligible = [i for i, ok in enumerate(discountable) if ok]
        shares = [Decimal("0.00")] * len(line_amounts)
        for i, share in zip(
            eligible, allocate_discount(discount, [line_amounts[i] for i in eligible]), strict=True
        ):
            shares[i] = share
        return shares
    subtotal = sum(line_amounts, Decimal("0"))
    if discount is None or subtotal <= 0:
        return [Decimal("0.00")] * len(line_amounts)
    if discount.kind == DiscountCode.Kind.PERCENT:
        rate = min(discount.value, Decimal("100")) / 100
        return [quantize(amount * rate) for amount in line_amounts]
    total = min(quantize(discount.value), subtotal)
    shares = [min(quantize(total * amount / subtotal), amount) for amount in line_amounts]
    # Rounding leaves a cent or two: the largest line absorbs it, never going below zero.
    largest = max(range(len(line_amounts)), key=lambda i: line_amounts[i])
    shares[largest] = min(
        max(shares[largest] + total - sum(shares), Decimal("0")), line_amounts[largest]
    )
    return shares


def validate_selections(selections):
    if not selections:
        raise OrderError(_("Choisissez au moins un article."))
    for selection in selections:
        if (
            not isinstance(selection.quantity, int)
            or isinstance(selection.quantity, bool)
            or selection.quantity < 1
        ):
            raise OrderError(_("La quantité doit être un nombre entier positif."))
        if selection.quantity > MAX_QUANTITY_PER_LINE:
            raise OrderError(
                _("Au plus %(max)s par article dans une même commande.")
                % {"max": MAX_QUANTITY_PER_LINE}
            )


def hold_rules(selections):
    """[(rule, places wanted)], one per quota that an item limits holding on."""
    found = {}
    for selection in selections:
        rule = selection.item.hold_rule(selection.option)
        if rule is not None:
            known, wanted = found.get(rule.quota.pk, (rule, 0))
            found[rule.quota.pk] = (known, wanted + selection.quantity)
    return list(found.values())


def check_holds(rule, wanted, *, buyer_email, client_key, now):
    """Under the quota's lock: one unpaid order per address, and no more than the rule's
    places held unpaid from one client, so that nobody can keep every place without paying."""
    existing = availability.pending_order_of(rule.quota, buyer_email, now)
    if existing is not None:
        if existing.total == 0:
            message = _(
                "Une inscription non confirmée à l'adresse %(email)s réserve déjà des places "
                "pour « %(item)s ». Nous venons de renvoyer à cette adresse le lien pour la "
                "confirmer ou l'annuler."
            )
        else:
            message = _(
                "Une commande non payée à l'adresse %(email)s réserve déjà des places pour "
                "« %(item)s ». Nous venons d'envoyer à cette adresse le lien pour la payer ou "
                "l'annuler."
            )
        raise AlreadyHolding(message % {"email": buyer_email, "item": rule.name}, existing)
    if client_key:
        held = availability.held_by(rule.quota, now, client_key=client_key)
        if held + wanted > rule.max_places:
            raise OrderError(
                _(
                    "Des places sont déjà réservées sans être payées depuis votre connexion "
                    "pour « %(item)s » (%(held)s ; au plus %(max)s). Terminez ou annulez ces "
                    "réservations, ou réessayez quand elles auront expiré."
                )
                % {"item": rule.name, "held": held, "max": rule.max_places}
            )


@dataclass(frozen=True)
class Totals:
    """What an order costs, line by line and in all: the one computation that both an order
    being placed and a price shown before placing it (`quote`) go through."""

    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    taxes: object  # orders.taxes.TaxResult
    total: Decimal
    line_discounts: list
    line_nets: list  # each line's amount after its share of the discount
    settings: object = None

    @property
    def goods(self):
        """Lines after discount, before delivery and taxes."""
        return self.subtotal - self.discount


def current_settings():
    """The order settings, read once per content generation in a request (every order placed
    and every checkout page asks for them; saving them starts a new generation: see
    cesiq_site/apps.py). Read-only: the same object serves every request of the process."""
    from cesiq_site.render_cache import shared

    return shared("order settings", OrderSettings.load)


def order_totals(
    lines,
    *,
    discount=None,
    shipping=Decimal("0.00"),
    tax_province=QUEBEC,
    discountable=None,
    goods,
):
    """Totals of `lines` [(tax_category, unit_price, quantity, place_of_supply)] with
    `discount` (a DiscountCode or None), a delivery charge and the province the delivered
    goods are supplied in; `goods` says which lines travel in the parcel (`is_goods`).

    A line whose place of supply is given (a ticket: the province of the event) is taxed
    there, the others and the delivery charge in `tax_province`; each province's taxes are
    computed on its own lines, then added up, so a ticket for an activity in Québec bought
    with goods shipped to Ontario pays GST and QST while the goods pay HST. The delivery
    charge is taxed like the goods it carries, in proportion to their value: a ticket for an
    activity in Québec, bought with a book shipped within Québec, does not make part of the
    book's delivery bear the QST.
    """
    gross = [unit_price * quantity for _category, unit_price, quantity, _where in lines]
    discounts = allocate_discount(discount, gross, discountable)
    order_settings = current_settings()
    nets = [amount - share for amount, share in zip(gross, discounts, strict=True)]
    groups = {tax_province: []}
    for (category, _p, _q, where), net in zip(lines, nets, strict=True):
        groups.setdefault(where or tax_province, []).append((category, net))
    carried = [
        (category, net)
        for (category, _p, _q, _where), net, in_parcel in zip(lines, nets, goods, strict=True)
        if in_parcel
    ]
    results = [
        compute_taxes(
            pairs,
            enabled=order_settings.taxes_enabled,
            province=province,
            shipping=shipping if province == tax_province else Decimal("0"),
            carried=carried,
        )
        for province, pairs in groups.items()
    ]
    taxes = TaxResult(
        taxable_subtotal=sum((r.taxable_subtotal for r in results), Decimal("0.00")),
        gst=sum((r.gst for r in results), Decimal("0.00")),
        qst=sum((r.qst for r in results), Decimal("0.00")),
        gst_subtotal=sum((r.gst_subtotal for r in results), Decimal("0.00")),
        hst=sum((r.hst for r in results), Decimal("0.00")),
        province=tax_province,
    )
    shipping = quantize(Decimal(shipping))
    subtotal = quantize(sum(gross, Decimal("0")))
    discount_total = quantize(sum(discounts, Decimal("0")))
    return Totals(
        subtotal=subtotal,
        discount=discount_total,
        shipping=shipping,
        taxes=taxes,
        total=subtotal - discount_total + shipping + taxes.total,
        line_discounts=discounts,
        line_nets=nets,
        settings=order_settings,
    )


def quote(
    *, kind, selections, discount_code="", shipping=Decimal("0.00"), tax_province=QUEBEC, now=None
):
    """What `place_order` would charge for these selections, without holding anything: for a
    summary shown before the buyer pays. Raises OrderError (with the reason) for what could
    not be sold now or a code that cannot be used."""
    now = now or timezone.now()
    validate_selections(selections)
    with transaction.atomic():
        discount = find_discount_code(discount_code, kind, now)
    lines = []
    try:
        for selection in selections:
            selection.item.check_sale(selection.quantity, selection.option, now)
            unit_price = quantize(
                selection.item.price_for(selection.requested_price, selection.option)
            )
            lines.append(
                (
                    selection.item.tax_category(),
                    unit_price,
                    selection.quantity,
                    selection.item.place_of_supply(selection.option),
                )
            )
    except NotAvailable as exc:
        raise OrderError(str(exc)) from exc
    return order_totals(
        lines,
        discount=discount,
        shipping=shipping,
        tax_province=tax_province,
        discountable=[s.item.discountable() for s in selections],
        goods=[s.item.is_goods() for s in selections],
    )


@transaction.atomic
def place_order(**kwargs):
    """Create a pending order holding what it buys, in one transaction (`_place_order`).

    A form sent twice at once (`submission`) may be refused by what its first sending did (a
    code used up, the last places taken): refused so, it finds the first sending's order."""
    try:
        return _place_order(**kwargs)
    except AlreadyPlaced:
        raise
    except OrderError:
        check_submission(kwargs.get("submission", ""))
        raise


def _place_order(
    *,
    kind,
    buyer_name,
    buyer_email,
    language,
    selections,
    discount_code="",
    client_key="",
    shipping=Decimal("0.00"),
    tax_province=QUEBEC,
    submission="",
    now=None,
):
    """Create a pending order holding what it buys.

    `shipping` is a delivery charge the caller priced (taxed like the goods it carries) and
    `tax_province` where the supply is made (`orders.taxes`): Québec unless goods are shipped
    elsewhere.

    Prices, discounts and taxes all come from the database. An order whose total is zero is
    confirmed at once, without Stripe, unless an item asks for the buyer's address to be
    confirmed first: the order then holds its places until the link sent there is followed.
    `client_key` names the buyer's network client (see `check_holds`). `submission` names the
    form that asks for it (orders.views.submission_of): when that form already placed an
    order, `AlreadyPlaced` says which, and nothing more is placed.
    """
    now = now or timezone.now()
    validate_selections(selections)
    rules = hold_rules(selections)
    for rule, wanted in rules:
        if wanted > rule.max_places:
            raise OrderError(
                _("Au plus %(max)s places par commande pour « %(item)s ».")
                % {"max": rule.max_places, "item": rule.name}
            )
    discount = find_discount_code(discount_code, kind, now)

    priced = []
    try:
        for selection in selections:
            item, option = selection.item, selection.option
            item.check_sale(selection.quantity, option, now)
            quotas = item.quotas(option)
            unit_price = quantize(item.price_for(selection.requested_price, option))
            priced.append((selection, unit_price, quotas))
        # Lock every quota concerned in one fixed order, then read the rules again: staff
        # may have stopped the sale (a date cancelled) while this buyer waited for the lock.
        availability.lock(q.pk for _s, _price, quotas in priced for q in quotas)
        for selection, _price, _quotas in priced:
            selection.item.check_sale(selection.quantity, selection.option, now)
        # The same form sent twice at once: the second waited for the first's locks above,
        # and now sees its order.
        check_submission(submission)
        for rule, wanted in rules:
            check_holds(rule, wanted, buyer_email=buyer_email, client_key=client_key, now=now)
        # Count under the locks (taken above, on these very quotas), the selections sharing a
        # quota together (two ticket types for one date).
        moved = availability.reserve(
            [(s.item.display_name(), quotas, s.quantity) for s, _price, quotas in priced],
            now,
            locked=True,
        )
    except NotAvailable as exc:
        raise OrderError(str(exc)) from exc
    totals = order_totals(
        [
            (s.item.tax_category(), unit_price, s.quantity, s.item.place_of_supply(s.option))
            for s, unit_price, _quotas in priced
        ],
        discount=discount,
        shipping=shipping,
        tax_province=tax_province,
        discountable=[s.item.discountable() for s, _price, _quotas in priced],
        goods=[s.item.is_goods() for s, _price, _quotas in priced],
    )
    taxes, discounts = totals.taxes, totals.line_discounts
    shipping, subtotal, discount_total = totals.shipping, totals.subtotal, totals.discount
    order_settings = totals.settings
    order = Order(
        kind=kind,
        buyer_name=buyer_name.strip(),
        buyer_email=buyer_email.strip(),
        language=language,
        created_at=now,
        expires_at=now + hold_duration(),
        subtotal=subtotal,
        discount_amount=discount_total,
        gst=taxes.gst,
        qst=taxes.qst,
        hst=taxes.hst,
        tax_province=tax_province,
        shipping=shipping,
        total=totals.total,
        gst_number=order_settings.gst_number if order_settings.taxes_enabled else "",
        qst_number=order_settings.qst_number if order_settings.taxes_enabled else "",
        discount_code=discount,
        client_key=client_key[:32],
        submission=submission[:64],
    )
    # The places left on each quota before and after this order, counted under the locks at
    # `now`: the order's save tells the page cache, which starts a new generation after the
    # commit only if what public pages say about them changed (cesiq_site/apps.py).
    order.places_moved = (now, moved)
    try:
        with transaction.atomic(savepoint=bool(submission)):
            order.save(force_insert=True)
    except IntegrityError:
        # Sent twice at once with nothing to lock (no places, no stock): the unique
        # submission waited for the first transaction, and names its order.
        if (earlier := placed_by(submission)) is None:
            raise
        raise AlreadyPlaced(earlier) from None
    # In bulk (no signals): the order's own save above told the page cache what they take.
    lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            content_type=ContentType.objects.get_for_model(s.item),
            object_id=s.item.pk,
            description=s.item.describe(language, s.option)[:300],
            details=s.details,
            unit_price=unit_price,
            quantity=s.quantity,
            tax_category=s.item.tax_category(),
            discount=share,
        )
        for (s, unit_price, _quotas), share in zip(priced, discounts, strict=True)
    )
    OrderLine.quotas.through.objects.bulk_create(
        OrderLine.quotas.through(orderline_id=line.pk, quota_id=quota.pk)
        for line, (_s, _price, quotas) in zip(lines, priced, strict=True)
        for quota in quotas
    )
    if Decimal("0") < order.total < MINIMUM_CHARGE:
        raise OrderError(
            _("Un paiement en ligne doit être d'au moins %(min)s.")
            % {"min": format_cad(MINIMUM_CHARGE, get_language())}
        )
    log(order, "placed", gettext_lazy("Commande passée"), total=str(order.total))
    if order.total == 0:
        if any(s.item.confirm_by_email(s.option) for s in selections):
            request_email_confirmation(order)
        else:
            confirm(order, message=gettext_lazy("Commande gratuite confirmée sans paiement"))
    else:
        # What `start_checkout` needs of an order this very call placed, as written: nobody
        # else knows its code yet, so it has no payment attempt to read nor lock to take.
        order.placed_lines = lines
    return order


# --- free orders confirmed through a link sent to the buyer ---------------------------------------


def email_confirmation_key(order):
    """The secret in the confirmation link: only the buyer's mailbox receives it (the order
    page, shown to whoever filled the form, does not)."""
    return salted_hmac(
        "orders.confirm_email",
        f"{order.code}:{order.token}:{order.buyer_email}",
        algorithm="sha256",
    ).hexdigest()


def email_confirmation_url(order):
    return settings.WAGTAILADMIN_BASE_URL + reverse(
        "orders:confirm_email",
        kwargs={"code": order.code, "key": email_confirmation_key(order)},
    )


def awaiting_email_confirmation(order):
    return order.state == OrderState.PENDING and order.total == 0


def request_email_confirmation(order, *, again=False):
    """Send the link that confirms a free order (once more when `again`, at most once)."""
    if not again:
        log(order, "awaiting_email", gettext_lazy("En attente de la confirmation par courriel"))
    with translation.override(order.language):
        url = email_confirmation_url(order)
    return email_buyer(
        order,
        "order_confirm_request",
        gettext_lazy("Confirmez votre inscription (commande %(code)s)"),
        key_suffix=":again" if again else "",
        confirm_url=url,
    )


def confirm_by_email_link(order, key, now=None):
    """The buyer followed the link: confirm the order through the normal path, if its hold
    still runs. Following it twice is harmless."""
    now = now or timezone.now()
    if not constant_time_compare(key, email_confirmation_key(order)):
        raise OrderError(_("Ce lien de confirmation n'est pas valide."))
    with transaction.atomic():
        order = lock(order)
        if order.state == OrderState.PAID:
            return order
        if order.state != OrderState.PENDING or order.expires_at <= now:
            raise OrderError(
                _(
                    "Le délai pour confirmer cette inscription est écoulé et ses places ont été "
                    "libérées. Inscrivez-vous de nouveau s'il en reste."
                )
            )
        confirm(
            order,
            message=gettext_lazy("Inscription gratuite confirmée par le lien envoyé par courriel"),
        )
    return order


def remind_pending_order(order):
    """Someone asked again for places that this pending order already holds: send its buyer
    (and only them, at their address) the link to pay or confirm it, or to cancel it. Once per
    order, so that this cannot be used to flood a mailbox."""
    with transaction.atomic():
        order = lock(order)
        if not order.hold_is_active:
            return None
        if awaiting_email_confirmation(order):
            return request_email_confirmation(order, again=True)
        return email_buyer(
            order,
            "order_pending_reminder",
            gettext_lazy("Votre commande %(code)s attend son paiement"),
        )


# --- confirming, expiring, cancelling -------------------------------------------------------------


def confirm(order, *, message=""):
    """The order is paid (or free): make every line final, in the caller's transaction, and
    have the buyer and staff told once it commits.

    The emails are not built here: their tickets' QR codes, calendar files and templates cost
    more than the rest of a payment, and a Stripe webhook must answer fast. A task builds them
    after commit (`write_confirmation`); if the broker is down or the worker dies, the outbox
    sweep finds the paid order without `confirmation_queued_at` and builds them then.
    """
    change_state(order, OrderState.PAID, message=message)
    for line in order.lines.select_related("content_type"):
        if not line.fulfilled:
            line.item.fulfil(line)
            line.fulfilled = True
            line.save(update_fields=["fulfilled"])
    order_id = order.pk
    transaction.on_commit(lambda: dispatch_confirmation(order_id), robust=True)


def fulfil_before_payment(order, *, message=""):
    """Make a pending order's lines final before it is paid, in the caller's transaction: the
    order stays pending (it still owes its total) but what it bought is valid, like pretix's
    "valid if pending" orders. Used for orders billed by invoice (a school group's places:
    its tickets and names are on the list and checked in at the door even if the school
    board pays after the activity). The payment, when it comes, confirms the order as usual
    (`confirm` skips lines already final); a cancellation releases them (`cancel_order`)."""
    if order.state != OrderState.PENDING:
        raise OrderError(_("Seule une commande en attente de paiement peut être confirmée ainsi."))
    for line in order.lines.select_related("content_type"):
        if not line.fulfilled:
            line.item.fulfil(line)
            line.fulfilled = True
            line.save(update_fields=["fulfilled"])
    log(order, "fulfilled_before_payment", message)


# Set by a task that writes the confirmations of the orders it pays itself, after its commit
# (the worker's task applying a Stripe event): one task per payment instead of two.
_confirmations_by_caller = contextvars.ContextVar("confirmations_by_caller", default=None)


@contextlib.contextmanager
def confirmations_written_by_caller():
    """Inside this block, `dispatch_confirmation` queues no task: it appends the order's id to
    the list this yields, for the caller to write (`tasks.write_confirmation`) after its
    commit. Nothing is lost if the caller dies first: the sweep writes them."""
    order_ids = []
    token = _confirmations_by_caller.set(order_ids)
    try:
        yield order_ids
    finally:
        _confirmations_by_caller.reset(token)


def dispatch_confirmation(order_id):
    """Queue the task that writes the confirmation. Never raises: it runs after the commit of a
    payment already recorded; when the broker is down, the sweep writes it later."""
    from .tasks import write_confirmation as task

    written_by_caller = _confirmations_by_caller.get()
    if written_by_caller is not None:
        written_by_caller.append(order_id)
        return True
    try:
        task.delay(order_id)
    except Exception as exc:
        logger.warning("confirmation of order %s left for the sweep: %s", order_id, exc)
        return False
    return True


def write_confirmation(order_id, now=None):
    """Write the paid order's confirmation and staff notification to the outbox, once.

    Safe to run any number of times, at the same time too: the order row is locked, and
    `confirmation_queued_at` is set in the same transaction as the outbox rows (whose keys
    are unique besides). An order cancelled before this ran gets no confirmation. Returns
    True when this call wrote it.
    """
    with transaction.atomic():
        order = Order.objects.select_for_update(no_key=True).filter(pk=order_id).first()
        if order is None or order.paid_at is None or order.confirmation_queued_at is not None:
            return False
        if order.state in (OrderState.PAID, OrderState.REFUNDED):
            # Read once, under the order's lock, for the emails' parts and sections.
            lines = OrderLine.objects.select_related("content_type")
            prefetch_related_objects([order], Prefetch("lines", queryset=lines))
            email_confirmation(order)
            notify_staff(order)
        order.confirmation_queued_at = now or timezone.now()
        order.save(update_fields=["confirmation_queued_at"])
    return True


def confirmations_due(older_than=timedelta(minutes=2), now=None):
    """Ids of paid orders whose confirmation is still not written after `older_than`."""
    now = now or timezone.now()
    return Order.objects.filter(
        paid_at__isnull=False,
        confirmation_queued_at__isnull=True,
        paid_at__lte=now - older_than,
    ).values_list("pk", flat=True)


def sweep_confirmations(older_than=timedelta(minutes=2), limit=200):
    """Write the confirmations that no task wrote (the broker was down at the payment, or the
    worker died). Returns how many this run wrote."""
    written = 0
    for order_id in list(confirmations_due(older_than)[:limit]):
        try:
            written += write_confirmation(order_id)
        except Exception:  # one broken order must not stop the others
            logger.exception("confirmation of order %s could not be written", order_id)
    return written


def email_confirmation(order, key_suffix=""):
    """The buyer's confirmation: the receipt plus what each line adds (tickets with their QR
    codes, calendar files)."""
    extras = [
        extra
        for line in order.lines_with_types()
        if (extra := line.item.confirmation_extras(line, order.language))
    ]
    with translation.override(order.language):
        # Read once for both parts of the email (each section is a query or more).
        sections = sections_of(order, email=True)
    return email_buyer(
        order,
        "order_confirmed",
        CONFIRMATION_SUBJECTS.get(order.kind, CONFIRMATION_SUBJECTS[None]),
        key_suffix=key_suffix,
        extras=extras,
        sections=sections,
        # Once each: two lines of one date (two ticket types) bring the same calendar file.
        attachments=list(
            {a[0]: a for extra in extras for a in extra.get("attachments", ())}.values()
        ),
    )


# A gift or a membership is not « une commande » to the person who made it.
CONFIRMATION_SUBJECTS = {
    OrderKind.DONATION: gettext_lazy("Confirmation de votre don %(code)s"),
    OrderKind.MEMBERSHIP: gettext_lazy("Confirmation de votre adhésion %(code)s"),
    None: gettext_lazy("Confirmation de votre commande %(code)s"),
}


def email_buyer(order, template, subject, key_suffix="", attachments=(), **context):
    return queue_email(
        key=f"{template}:{order.code}{key_suffix}",
        to=order.buyer_email,
        language=order.language,
        template=template,
        context={"order": order, "site_url": settings.WAGTAILADMIN_BASE_URL, **context},
        subject=lambda: subject % {"code": order.code},
        order=order,
        attachments=attachments,
    )


def notify_staff(order):
    addresses = OrderSettings.load().notification_addresses()
    if not addresses:
        return
    with translation.override(settings.LANGUAGE_CODE):
        extras = [
            extra
            for line in order.lines_with_types()
            if line.item is not None and (extra := line.item.staff_notice_extras(line))
        ]
    for address in addresses:
        queue_email(
            key=f"staff_new_order:{order.code}:{address}",
            to=address,
            language=settings.LANGUAGE_CODE,
            template="staff_new_order",
            context={
                "order": order,
                "site_url": settings.WAGTAILADMIN_BASE_URL,
                "extras": extras,
            },
            subject=lambda: (
                _("Nouvelle commande %(code)s (%(total)s)")
                % {"code": order.code, "total": staff_cad(order.total)}
            ),
            order=order,
        )


def lock(order):
    """The order's row, locked for this transaction. FOR NO KEY UPDATE: it blocks every other
    change to the order, not the foreign-key checks of rows that point to it (a check-in's log
    entry at the door, while staff cancel that ticket, would otherwise deadlock)."""
    return Order.objects.select_for_update(no_key=True).get(pk=order.pk)


def payment_clearing(order):
    """Whether a payment of `order` is on its way (a bank debit still clearing, days long):
    the order waits for it, and its buyer can neither pay again nor cancel meanwhile."""
    return order.payments.filter(state=PaymentState.PENDING).exists()


def expire_order(order, now=None):
    """A pending order whose hold ran out: tell the buyer and stop the open checkout."""
    now = now or timezone.now()
    with transaction.atomic():
        order = lock(order)
        if order.state != OrderState.PENDING or order.expires_at > now:
            return False
        if payment_clearing(order):
            # The money is on its way (a payment still clearing): the order waits for it.
            return False
        change_state(order, OrderState.EXPIRED, message=gettext_lazy("Délai de paiement écoulé"))
        open_sessions = close_open_checkouts(order)
        email_buyer(order, "order_expired", gettext_lazy("Votre commande %(code)s a expiré"))
    expire_sessions(open_sessions)
    return True


def expire_stale_orders(now=None):
    """Periodic clean-up and notification; capacity never waits for it."""
    now = now or timezone.now()
    stale = Order.objects.filter(state=OrderState.PENDING, expires_at__lte=now)
    return sum(expire_order(order, now) for order in stale[:500])


def buyer_cancellation_deadline(order, *, lines=None):
    """Until when the buyer may cancel this order themselves: the earliest of its lines'
    deadlines; None when a line cannot be cancelled by the buyer. A line that no discount
    reduces (a gift added at checkout) has no deadline of its own: it follows the rest of the
    order, and cancelling the order gives it back with the rest (its receipt voided)."""
    if lines is None:  # or the order's lines, with their content type, the caller read
        lines = order.lines.select_related("content_type")
    deadlines = [
        line.item.buyer_cancellation_deadline(line) for line in lines if line.item.discountable()
    ]
    if not deadlines or None in deadlines:
        return None
    return min(deadlines)


def buyer_can_cancel(order, now=None, *, deadline=None, clearing=None):
    """`deadline`: the order's `buyer_cancellation_deadline`, and `clearing`: whether a
    payment of it clears (`payment_clearing`), when the caller has them already (the order
    page shows both)."""
    now = now or timezone.now()
    if clearing is None:
        clearing = order.state == OrderState.PENDING and payment_clearing(order)
    if clearing:
        # A payment on its way (a bank debit): the money would come for a cancelled order.
        return False
    if deadline is None:
        deadline = buyer_cancellation_deadline(order)
    if deadline is None and order.state == OrderState.PENDING:
        # Not paid yet, nothing with a deadline of its own (a shop order back from Stripe's
        # « Annuler »): what it holds is let go now rather than at the end of its hold. Not
        # an order billed by invoice, whose lines are valid already: staff handle those.
        return order.expires_at > now and not order.lines.filter(fulfilled=True).exists()
    return (
        order.state in (OrderState.PENDING, OrderState.PAID)
        and deadline is not None
        and now < deadline
    )


def cancel_by_buyer(order, now=None):
    """The buyer cancels from their order page: places given back, payment refunded."""
    if not buyer_can_cancel(order, now):
        raise OrderError(_("Cette commande ne peut plus être annulée en ligne."))
    return cancel_order(order, reason=gettext_lazy("Annulée par l'acheteur ou l'acheteuse"))


def translated(language, message):
    """`message` (lazy) in `language`: what the buyer reads, whatever the language of the
    staff member whose action wrote it."""
    with translation.override(language):
        return str(message)


def cancel_order(order, *, user=None, reason="", refund=True, notify=True):
    """Cancel an order: lines are given back; what was paid is refunded if asked; an open
    Checkout page is closed so that nobody pays for a cancelled order. `notify=False` when the
    caller writes to the buyer itself (a cancelled activity date)."""
    with transaction.atomic():
        order = lock(order)
        # Goods already shipped or handed over (orders.registry.cancel_blockers): giving
        # them back to stock and refunding them would be false; staff return them instead.
        if (refused := why_not_cancellable(order)) is not None:
            raise OrderError(refused)
        change_state(order, OrderState.CANCELLED, user=user, message=reason)
        open_sessions = close_open_checkouts(order)
        refundable = order.refundable_on_cancel - pending_refunds(order)
        if notify:
            refunding = refund and refundable > 0
            with translation.override(order.language):
                # As the page asking to confirm said it; before the lines are released below.
                notices = [str(n) for n in cancellation_notices(order.lines.all(), refunding)]
            email_buyer(
                order,
                "order_cancelled",
                gettext_lazy("Commande %(code)s annulée"),
                refund_amount=refundable if refunding else Decimal("0.00"),
                notices=notices,
            )
        # Lines made final: those of a paid order, and those of an order valid before its
        # payment (an activity's places billed to a school, `fulfil_before_payment`).
        for line in order.lines.filter(fulfilled=True).select_related("content_type"):
            line.item.release(line)
        if refund and refundable > 0:
            request_refund(
                order,
                refundable,
                # Staff kept some lines' money: the taxes of the lines given back now.
                taxes=taxes_left_on_lines(order, list(order.lines.select_related("content_type")))
                if order.kept_amount
                else None,
                reason=reason or translated(order.language, gettext_lazy("Commande annulée")),
                user=user,
                source=Refund.Source.STAFF if user else Refund.Source.BUYER,
            )
        # After commit: a network call must not run while this order's row is locked.
        transaction.on_commit(lambda: expire_sessions(open_sessions), robust=True)
    return order


def cancellation_notices(lines, refunding):
    """What cancelling does beyond the money, line by line (a gift's official receipt
    annulled): said only when what was paid goes back."""
    if not refunding:
        return []
    return [
        notice
        for line in lines
        if line.units_left and (notice := line.item.cancellation_notice(line))
    ]


def close_open_checkouts(order):
    """Mark the order's unpaid Checkout attempts abandoned; return their Stripe session ids."""
    sessions = list(
        order.payments.filter(
            state=PaymentState.CREATED, stripe_session_id__isnull=False
        ).values_list("stripe_session_id", flat=True)
    )
    order.payments.filter(state=PaymentState.CREATED).update(state=PaymentState.CANCELLED)
    return sessions


def expire_sessions(session_ids):
    """Close Checkout pages at Stripe (outside any transaction: it is a network call)."""
    for session_id in session_ids:
        try:
            stripe_gateway.expire_session(session_id)
        except stripe_gateway.StripeError as exc:  # already expired or completed: fine
            logger.info("could not expire session %s: %s", session_id, exc)


# --- payments -----------------------------------------------------------------------------------


def start_checkout(order, *, success_url, cancel_url, now=None):
    """The address of a Stripe Checkout page for this order, creating it once per attempt.

    Pressing "pay" twice gives the same page; a new page is made only when the last one was
    abandoned. Its expiry matches the hold, which is extended if Stripe needs a longer one.
    """
    now = now or timezone.now()
    # An order `place_order` just returned (its first attempt, right after it was placed, in
    # the same request): its lines are those it was written with. Once only. When no form
    # names it, its code has not left this request either, so no other attempt exists or can
    # start meanwhile; one placed by a form may be found by that form sent again (a double
    # click, `AlreadyPlaced`), whose request then tries to pay it at the same moment.
    lines = getattr(order, "placed_lines", None)
    order.placed_lines = None
    alone = lines is not None and not order.submission
    with transaction.atomic():
        if not alone:
            order = lock(order)
        if not order.hold_is_active:
            raise OrderError(_("Cette commande ne peut plus être payée."))
        if order.total <= 0:
            raise OrderError(_("Cette commande n'a rien à payer."))
        # Every attempt so far, in one read (the order's lock keeps others from adding one).
        attempts = [] if alone else list(order.payments.all())
        if any(p.state == PaymentState.PENDING for p in attempts):
            # A payment is on its way (a bank debit clearing): a second one would take the
            # money twice.
            raise OrderError(
                _("Votre paiement est en traitement : vous n'avez rien d'autre à payer.")
            )
        created = [p for p in attempts if p.state == PaymentState.CREATED]
        current = created[-1] if created else None
        if current is not None and current.stripe_session_id:
            return current.checkout_url
        if current is not None and current.created_at > now - timedelta(minutes=1):
            # Another request is creating the Checkout page right now (a double click).
            raise OrderError(_("Votre paiement est en préparation ; réessayez dans un instant."))
        expires_at = stripe_gateway.session_expiry(order.expires_at, now)
        if expires_at > order.expires_at:
            order.expires_at = expires_at
            order.save(update_fields=["expires_at"])
        abandoned = [p.pk for p in created if p.stripe_session_id is None]
        if abandoned:
            Payment.objects.filter(pk__in=abandoned).update(state=PaymentState.FAILED)
        attempt = len(attempts) + 1
        payment = Payment.objects.create(
            order=order,
            amount=order.total,
            idempotency_key=f"checkout:{order.code}:{attempt}",
        )
    try:
        session = stripe_gateway.create_checkout_session(
            order,
            payment,
            success_url=success_url,
            cancel_url=cancel_url,
            expires_at=expires_at,
            lines=lines,
        )
    except stripe_gateway.StripeError as exc:
        logger.warning("checkout for %s failed: %s", order.code, exc)
        Payment.objects.filter(pk=payment.pk).update(state=PaymentState.FAILED)
        raise OrderError(
            _("Le service de paiement ne répond pas. Veuillez réessayer dans un instant.")
        ) from exc
    Payment.objects.filter(pk=payment.pk).update(
        stripe_session_id=session.id, checkout_url=session.url
    )
    log(order, "checkout_started", session.id)
    return session.url


def apply_payment(payment, *, amount, currency, payment_intent="", now=None):
    """Apply a received payment exactly once.

    Locks the payment and its order; a payment already applied changes nothing. A payment that
    lands after its hold expired is fulfilled if everything is still available, otherwise
    refunded automatically and the buyer told.
    """
    # No savepoint of its own: an error undoes the caller's whole transaction (or savepoint).
    with transaction.atomic(savepoint=False):
        order, payment = lock_payment(Payment.objects.filter(pk=payment.pk))
        if payment is None:
            raise Payment.DoesNotExist("the payment to apply no longer exists")
        return _apply_to_locked(
            order, payment, amount=amount, currency=currency, payment_intent=payment_intent, now=now
        )


def lock_payment(payments):
    """The order and the payment of `payments` (a query for one payment), both locked for
    update, in the caller's transaction; (None, None) if there is no such payment. Always the
    order first, then its payment, as everywhere (expire_order…): the order is found through
    its payment by a subquery, so that each statement locks its own table's row only."""
    order = (
        Order.objects.select_for_update(no_key=True)
        .filter(pk__in=payments.values("order_id"))
        .first()
    )
    if order is None:
        return None, None
    payment = payments.select_for_update().get()
    payment.order = order
    return order, payment


def _apply_to_locked(order, payment, *, amount, currency, payment_intent="", now=None):
    """apply_payment, in the caller's transaction, the order and its payment locked
    (`lock_payment`)."""
    now = now or timezone.now()
    if payment.state == PaymentState.PAID:
        return False
    payment.state = PaymentState.PAID
    payment.amount = amount
    payment.currency = currency.upper()
    payment.paid_at = now
    payment.stripe_payment_intent_id = payment_intent or payment.stripe_payment_intent_id
    payment.save(
        update_fields=["state", "amount", "currency", "paid_at", "stripe_payment_intent_id"]
    )
    received = staff_cad(amount) if payment.currency == "CAD" else f"{amount} {payment.currency}"
    log(order, "payment_received", received, payment=payment.pk)

    if payment.currency != order.currency or amount != order.total:
        flag(
            order,
            _("Montant reçu (%(amount)s %(currency)s) différent du total dû.")
            % {"amount": amount, "currency": payment.currency},
        )
        if amount > 0 and (payment.currency != order.currency or amount < order.total):
            # Not what was due: give the money back rather than keep it in limbo.
            request_refund(
                order,
                amount,
                payment=payment,
                source=Refund.Source.AUTOMATIC,
                reason=translated(
                    order.language, gettext_lazy("Montant reçu différent du total dû")
                ),
                taxes=NO_TAXES,
            )
            return True

    if order.state == OrderState.PENDING and order.expires_at > now:
        confirm(order, message=gettext_lazy("Paiement reçu"))
    elif order.state in (OrderState.PENDING, OrderState.EXPIRED):
        fulfil_late_payment(order, payment, now)
    else:
        # Paid twice, or paid after a cancellation: give this payment back.
        flag(
            order,
            _("Paiement reçu pour une commande déjà « %(state)s ».")
            % {"state": order.get_state_display()},
        )
        if order.state == OrderState.CANCELLED:
            reason = gettext_lazy("Paiement reçu après l'annulation de la commande")
        else:
            reason = gettext_lazy("Paiement en double")
        request_refund(
            order,
            amount,
            payment=payment,
            source=Refund.Source.AUTOMATIC,
            reason=translated(order.language, reason),
            taxes=NO_TAXES,
        )
    return True


def reserve_again(order, now):
    """Check, under the quotas' locks, that an order whose hold ran out can still have
    everything it bought. Its places and its discount code's uses were given back when the
    hold expired, so both are checked again against everyone who bought since (pretix does the
    same). Raises NotAvailable with the reason, or availability.Busy."""
    if discount_used_up_since(order):
        raise NotAvailable(
            _("Le code de rabais « %(code)s » a été utilisé entre-temps le nombre de fois permis.")
            % {"code": order.discount_code.code}
        )
    lines = list(order.lines.select_related("content_type").prefetch_related("quotas"))
    # The expired hold no longer counts, so this checks against everyone else.
    availability.reserve(
        [(line.description, list(line.quotas.all()), line.quantity) for line in lines], now
    )


def fulfil_late_payment(order, payment, now):
    """A payment for a hold that ran out: confirmed if everything it bought is still there
    (`reserve_again`), otherwise refunded."""
    try:
        reserve_again(order, now)
    except availability.Busy:
        raise  # many buyers right now, not "sold out": the event is tried again later
    except NotAvailable as exc:
        refuse_late_payment(order, payment, str(exc))
        return
    flag(order, _("Paiement reçu après l'expiration, places encore libres : confirmée."))
    confirm(order, message=gettext_lazy("Paiement reçu après l'expiration de la réservation"))


def discount_used_up_since(order):
    """Whether the order's discount code reached its number of uses while the order's hold was
    expired. The code's row is locked, as when an order takes it, so two late payments cannot
    both take its last use."""
    discount = order.discount_code
    if discount is None or discount.max_uses is None:
        return False
    DiscountCode.objects.select_for_update().filter(pk=discount.pk).first()
    return discount.orders.holding().exclude(pk=order.pk).count() >= discount.max_uses


def refuse_late_payment(order, payment, reason):
    if order.state == OrderState.PENDING:
        change_state(order, OrderState.EXPIRED, message=gettext_lazy("Délai de paiement écoulé"))
    change_state(order, OrderState.CANCELLED, message=reason)
    flag(order, _("Paiement reçu après l'expiration, plus disponible : remboursé."))
    request_refund(
        order,
        payment.amount,
        payment=payment,
        source=Refund.Source.AUTOMATIC,
        reason=translated(
            order.language, gettext_lazy("Paiement reçu après l'expiration de la réservation")
        ),
        taxes=NO_TAXES,
    )
    email_buyer(
        order,
        "late_payment_refunded",
        gettext_lazy("Votre commande %(code)s n'a pas pu être confirmée"),
    )


def flag(order, reason):
    order.attention = str(reason)[:200]
    order.save(update_fields=["attention"])
    log(order, "flagged", reason)


def resolve_flag(order, *, user, note):
    """Staff have dealt with what the order was flagged for (a failed refund given back by
    cheque, a dispute answered): it leaves « À traiter », with what they did in its history."""
    note = (note or "").strip()
    if not note:
        raise OrderError(_("Indiquez ce qui a été fait."))
    with transaction.atomic():
        order = lock(order)
        if not order.attention:
            raise OrderError(_("Cette commande n'est pas signalée."))
        was = order.attention
        order.attention = ""
        order.save(update_fields=["attention"])
        log(order, "flag_resolved", f"{was} — {note}"[:500], user=user)
    return order


def payment_failed(payment, *, reason=""):
    with transaction.atomic():
        order = lock(payment.order)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.state in (PaymentState.PAID, PaymentState.FAILED):
            return False
        payment.state = PaymentState.FAILED
        payment.save(update_fields=["state"])
        log(order, "payment_failed", reason)
        if order.state == OrderState.PENDING:
            email_buyer(
                order,
                "payment_failed",
                gettext_lazy("Le paiement de votre commande %(code)s n'a pas abouti"),
                key_suffix=f":{payment.pk}",
            )
    return True


# --- refunds ----------------------------------------------------------------------------------


def request_refund(
    order, amount, *, reason, user=None, payment=None, source=Refund.Source.STAFF, taxes=None
):
    """Record a refund and send it to Stripe after commit. Must run inside a transaction that
    holds the order's lock (all callers do). `taxes`: what it gives back of each sales tax,
    when the caller knows (`refund_taxes`)."""
    amount = quantize(amount)
    if amount <= 0:
        raise OrderError(_("Le montant à rembourser doit être positif."))
    if not str(reason).strip():
        raise OrderError(_("Indiquez le motif du remboursement."))
    refundable = order.balance - pending_refunds(order)
    if payment is None:
        if amount > refundable:
            raise OrderError(
                _("On ne peut pas rembourser plus que %(max)s.")
                % {"max": format_cad(refundable, get_language())}
            )
        paid = order.payments.filter(state=PaymentState.PAID)
        payment = max(paid.filter(provider=STRIPE), key=refundable_on, default=None)
        if payment is None and paid.exists():
            # A cheque or a transfer (an invoice): Stripe cannot give that money back.
            raise OrderError(
                _(
                    "Cette commande a été payée par chèque ou virement : remboursez la personne "
                    "vous-même, puis enregistrez ce remboursement (« Factures »)."
                )
            )
        if payment is None:
            raise OrderError(_("Cette commande n'a reçu aucun paiement."))
        if amount > refundable_on(payment):
            raise OrderError(
                _("On ne peut pas rembourser plus que %(max)s.")
                % {"max": format_cad(refundable_on(payment), get_language())}
            )
    count = order.refunds.count() + 1
    refund = Refund.objects.create(
        order=order,
        payment=payment,
        amount=amount,
        **refund_taxes(order, amount, taxes),
        reason=str(reason)[:300],
        source=source,
        created_by=user,
        idempotency_key=f"refund:{order.code}:{count}",
    )
    log(order, "refund_requested", f"{staff_cad(amount)} — {reason}", user=user, refund=refund.pk)
    from .tasks import execute_refund

    transaction.on_commit(lambda: execute_refund.delay(refund.pk), robust=True)
    return refund


STRIPE = "stripe"


def record_manual_refund(order, amount, *, reference, reason, user, now=None):
    """Money given back outside Stripe (a cheque sent back for an invoice paid by cheque or
    transfer): recorded as done, with who, when and the reference of what was sent. The
    caller checks who may do it. Like any settled refund, the buyer is told, the order is
    marked refunded when nothing is left of what it received, and a gift's receipt is voided
    (donations watches refunds). It does not cancel: places stay taken until staff cancel."""
    now = now or timezone.now()
    amount = quantize(Decimal(amount))
    reference = (reference or "").strip()
    reason = (reason or "").strip()
    if amount <= 0:
        raise OrderError(_("Le montant à rembourser doit être positif."))
    if not reference:
        raise OrderError(
            _("Indiquez la référence du remboursement (numéro du chèque ou du virement).")
        )
    if not reason:
        raise OrderError(_("Indiquez le motif du remboursement."))
    with transaction.atomic():
        order = lock(order)
        if order.state not in (OrderState.PAID, OrderState.REFUNDED, OrderState.CANCELLED):
            raise OrderError(
                _("Une commande « %(state)s » n'a rien à rembourser.")
                % {"state": order.get_state_display()}
            )
        payment = max(
            order.payments.filter(state=PaymentState.PAID).exclude(provider=STRIPE),
            key=refundable_on,
            default=None,
        )
        if payment is None:
            raise OrderError(_("Cette commande n'a reçu aucun paiement par chèque ou virement."))
        most = min(refundable_on(payment), order.balance - pending_refunds(order))
        if amount > most:
            raise OrderError(
                _("On ne peut pas rembourser plus que %(max)s.")
                % {"max": format_cad(most, get_language())}
            )
        # One reference, one refund: a form submitted twice records it once (the order's
        # lock serializes the two, the unique key settles any other race).
        key = f"manual-refund:{order.code}:{reference.casefold()}"[:100]
        if Refund.objects.filter(idempotency_key=key).exists():
            raise OrderError(
                _("Le remboursement %(reference)s est déjà enregistré pour cette commande.")
                % {"reference": reference}
            )
        refund = Refund.objects.create(
            order=order,
            payment=payment,
            amount=amount,
            **refund_taxes(order, amount),
            reason=f"{reason} ({reference})"[:300],
            source=Refund.Source.STAFF,
            state=RefundState.SUCCEEDED,
            settled_at=now,
            created_by=user,
            created_at=now,
            idempotency_key=key,
        )
        log(
            order,
            "manual_refund_recorded",
            f"{amount} — {reference} — {reason}",
            user=user,
            refund=refund.pk,
            reference=reference,
            amount=str(amount),
        )
        refund_settled(refund)
    return refund


TAXES = ("gst", "qst", "hst")
# A payment given back that paid for no sale (twice, late, or not the amount due).
NO_TAXES = dict.fromkeys(TAXES, Decimal("0.00"))


def refund_taxes(order, amount, exact=None):
    """What a refund of `amount` gives back of each sales tax ({"gst": …, "qst": …, "hst": …}),
    as the returns count it (orders.reports.taxes_by_month): `exact` when the caller knows
    (returned lines: their own taxes); every tax not yet given back when the refund gives back
    everything left; otherwise the amount's share of the order's taxes. Never more of a tax
    than the order's not yet given back by its other refunds (failed ones aside). Called under
    the order's lock, before the refund is written."""
    given = order.refunds.exclude(state=RefundState.FAILED).aggregate(
        **{tax: Sum(tax) for tax in TAXES}
    )
    left = {tax: getattr(order, tax) - (given[tax] or Decimal("0")) for tax in TAXES}
    if exact is None and amount >= order.balance - pending_refunds(order):
        return left
    if exact is None:
        share = amount / order.total if order.total > 0 else Decimal("0")
        exact = {tax: quantize(getattr(order, tax) * share) for tax in TAXES}
    return {tax: max(min(exact[tax], left[tax]), Decimal("0.00")) for tax in TAXES}


def refundable_on(payment):
    """What is left to refund on one payment (refunds done or under way subtracted)."""
    taken = sum(
        payment.refunds.exclude(state=RefundState.FAILED).values_list("amount", flat=True),
        Decimal("0"),
    )
    return payment.amount - taken


def pending_refunds(order):
    return sum(
        order.refunds.filter(state=RefundState.PENDING).values_list("amount", flat=True),
        Decimal("0"),
    )


def refund(order, amount, *, reason, user=None):
    """Staff or buyer refund of part or all of what was paid. It gives back what staff had
    kept first (Order.kept_amount): a gesture of 10 $ on an order that kept a 25 $ ticket
    leaves 15 $ kept, and cancelling the rest still refunds the rest in full."""
    with transaction.atomic():
        order = lock(order)
        if order.state not in (OrderState.PAID, OrderState.CANCELLED, OrderState.REFUNDED):
            raise OrderError(_("Seule une commande payée peut être remboursée."))
        created = request_refund(order, amount, reason=reason, user=user)
        if order.kept_amount > 0:
            order.kept_amount = max(order.kept_amount - created.amount, Decimal("0.00"))
            order.save(update_fields=["kept_amount"])
        return created


def _line_share(line, units):
    """The part of the line's net (after its discount) that `units` of it carry. Counted from
    the start of the line, so that the shares of successive returns add up to the line's net
    exactly, whatever the rounding."""
    return quantize(line.net * units / line.quantity)


def _taxes_on(order, pairs, shipping=Decimal("0"), province=None, carried=None):
    """The taxes of (tax category, amount) pairs at the order's rates, each apart ({"gst": …,
    "qst": …, "hst": …}): in `province` (the order's unless given), and none if the order was
    charged none (taxes were switched off when it was placed); with a delivery charge, split
    over the goods `carried`."""
    result = compute_taxes(
        pairs,
        enabled=order.taxable,
        province=province or order.tax_province,
        shipping=shipping,
        carried=carried,
    )
    return {tax: getattr(result, tax) for tax in TAXES}


def _taxes_between(after, before):
    return {tax: after[tax] - before[tax] for tax in TAXES}


def _supplied_in(order, line):
    """Where the line was taxed when the order was placed (`order_totals`): the item's own
    place of supply (a ticket: where the activity is held), else the order's province."""
    item = line.item
    return (item.place_of_supply(None) if item is not None else None) or order.tax_province


def line_return_amount(order, line, quantity, lines=None):
    """What giving back `quantity` more units of `line` returns to the buyer (`line_return`)."""
    return line_return(order, line, quantity, lines)[0]


def line_return(order, line, quantity, lines=None):
    """What giving back `quantity` more units of `line` returns to the buyer, and the taxes
    in it (`_taxes_on`): that share of the line's net plus its taxes where it was taxed; and,
    when every goods line is then fully given back, the delivery charge with its taxes. When
    every line of the order is then given back, whatever is left to refund (the cents that
    rounding spread over lines), with taxes None: all those left (`refund_taxes`). Never
    more than what is left to refund."""
    lines = list(lines if lines is not None else order.lines.select_related("content_type"))
    before, after = line.returned_quantity, line.returned_quantity + quantity

    def returned(other):
        return after if other.pk == line.pk else other.returned_quantity

    share = _line_share(line, after) - _line_share(line, before)
    category = line.tax_category
    where = _supplied_in(order, line)
    taxes = _taxes_between(
        _taxes_on(order, [(category, _line_share(line, after))], province=where),
        _taxes_on(order, [(category, _line_share(line, before))], province=where),
    )
    amount = share
    goods = _goods(lines)
    if (
        order.shipping > 0
        and line in goods
        and all(returned(other) >= other.quantity for other in goods)
    ):
        amount += order.shipping
        delivery = _delivery_taxes(order, lines)
        taxes = {tax: taxes[tax] + delivery[tax] for tax in TAXES}
    refundable = max(order.refundable_on_cancel - pending_refunds(order), Decimal("0.00"))
    if all(returned(other) >= other.quantity for other in lines):
        # Everything left; when staff kept some lines' money, the taxes of what is given back.
        return refundable, (taxes_left_on_lines(order, lines) if order.kept_amount else None)
    due = quantize(amount + sum(taxes.values()))
    if refundable < due:  # less is left to refund (a dispute lost): its share of the taxes
        taxes = {tax: quantize(taxes[tax] * refundable / due) for tax in TAXES}
    return min(due, refundable), taxes


def _goods(lines):
    return [line for line in lines if line.item is not None and line.item.is_goods()]


def _delivery_taxes(order, lines):
    """The delivery charge's taxes as the order charged them: `order_totals` taxes it with the
    lines taxed in the order's province, split over the goods it carries (never a ticket)."""
    pairs = [
        (other.tax_category, other.net)
        for other in lines
        if _supplied_in(order, other) == order.tax_province
    ]
    carried = [(other.tax_category, other.net) for other in _goods(lines)]
    return _taxes_between(
        _taxes_on(order, pairs, shipping=order.shipping, carried=carried),
        _taxes_on(order, pairs),
    )


def taxes_left_on_lines(order, lines):
    """The taxes of the units of the order's `lines` not given back yet, each line's where it
    was supplied, with the delivery's while a goods line still has units: what giving back
    all that is left returns of each tax when staff kept some lines' money (Order.kept_amount),
    which a share of the whole order's taxes would miscount (a kept chocolate's taxes)."""
    taxes = dict(NO_TAXES)
    for line in lines:
        where, category = _supplied_in(order, line), line.tax_category
        part = _taxes_between(
            _taxes_on(order, [(category, line.net)], province=where),
            _taxes_on(
                order, [(category, _line_share(line, line.returned_quantity))], province=where
            ),
        )
        taxes = {tax: taxes[tax] + part[tax] for tax in TAXES}
    if order.shipping > 0 and any(line.returned_quantity < line.quantity for line in _goods(lines)):
        delivery = _delivery_taxes(order, lines)
        taxes = {tax: taxes[tax] + delivery[tax] for tax in TAXES}
    return taxes


def refund_line(
    order,
    line,
    quantity,
    *,
    reason,
    user=None,
    pay_back=True,
    by_hand=False,
    refund_reason=None,
    source=Refund.Source.STAFF,
    logged=True,
):
    """Staff take back `quantity` units of a paid line: the line's `returned_quantity` grows
    at once (so the stock or places are free again: `orders.availability` stops counting
    them) and the money for them goes back through a refund, in one transaction under the
    order's lock. Stripe's answer decides whether the refund succeeds; a failed one flags the
    order as every refund does. Returns the Refund, or None when nothing was left to pay
    back (a free line, an order already refunded as a gesture) or `pay_back` is False (a
    ticket cancelled under a no-refund policy: the amount is kept, Order.kept_amount) or
    `by_hand` (an order paid by cheque or transfer: the order is flagged for staff to send the
    money back and record it). `refund_reason` words the refund for the buyer when "returned"
    is not the word (a ticket cancelled); `source` says who asked (a buyer cancelling one of
    their tickets). The order's history says « Articles retournés », unless `logged` is False
    and the caller writes an entry of its own with the same facts (a ticket cancelled)."""
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        quantity = 0
    if quantity < 1:
        raise OrderError(_("Indiquez un nombre d'unités à retourner (au moins 1)."))
    if not str(reason).strip():
        raise OrderError(_("Indiquez le motif du retour."))
    with transaction.atomic():
        order = lock(order)
        if order.state not in (OrderState.PAID, OrderState.REFUNDED):
            raise OrderError(_("Seules les lignes d'une commande payée peuvent être retournées."))
        lines = list(order.lines.select_for_update().select_related("content_type"))
        line = next((other for other in lines if other.pk == getattr(line, "pk", line)), None)
        if line is None or not line.fulfilled:
            raise OrderError(
                _("Cette ligne n'appartient pas à la commande ou n'est pas confirmée.")
            )
        left = line.quantity - line.returned_quantity
        if quantity > left:
            raise OrderError(
                _("On ne peut retourner que %(left)s unité(s) de « %(item)s ».")
                % {"left": left, "item": line.description}
            )
        amount, taxes = line_return(order, line, quantity, lines)
        refund = None
        if amount > 0 and not pay_back:
            # Kept on purpose: a later cancellation of the rest does not give it back.
            order.kept_amount += amount
            order.save(update_fields=["kept_amount"])
        elif amount > 0 and by_hand:
            flag(
                order,
                _("Retour : rembourser %(amount)s à la main (chèque ou virement).")
                % {"amount": staff_cad(amount)},
            )
        elif amount > 0:
            if not refund_reason:
                with translation.override(order.language):  # the buyer reads it
                    refund_reason = _("%(quantity)s × %(item)s retourné(s) : %(reason)s") % {
                        "quantity": quantity,
                        "item": line.description,
                        "reason": reason,
                    }
            refund = request_refund(
                order, amount, reason=refund_reason, user=user, source=source, taxes=taxes
            )
        line.returned_quantity += quantity
        line.save(update_fields=["returned_quantity"])
        if logged:
            log(
                order,
                "line_returned",
                f"{quantity} × {line.description} — {reason}",
                user=user,
                line=line.pk,
                quantity=quantity,
                amount=str(amount),
                refund=refund.pk if refund else None,
                kept=not pay_back,
            )
        if line.item is not None:
            line.item.give_back(line, quantity)
    return refund


def execute_refund(refund_id):
    """Send a recorded refund to Stripe (idempotent: Stripe replays the same key) and apply
    what Stripe answers: a refund may be done at once, or pending for days, or fail."""
    refund = Refund.objects.select_related("order", "payment").get(pk=refund_id)
    if refund.state != RefundState.PENDING or refund.stripe_refund_id:
        return False
    if refund.payment.provider != STRIPE:  # never sent: money given back by hand is recorded
        return False
    try:
        stripe_refund = stripe_gateway.create_refund(refund)
    except stripe_gateway.InvalidRequestError as exc:
        # Stripe refuses for good (already refunded, bad amount): say so, do not retry.
        logger.warning("refund %s refused by Stripe: %s", refund_id, exc)
        with transaction.atomic():
            refund = Refund.objects.select_for_update().get(pk=refund_id)
            if refund.state == RefundState.PENDING:
                refund_failed(refund, reason=getattr(exc, "code", "") or "refused")
        return False
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        apply_refund_status(refund, _as_dict(stripe_refund))
    return True


# How far along a refund is, by its Stripe status: a succeeded refund may still fail (the
# card closed meanwhile); none goes back to pending.
REFUND_STEP = {"requires_action": 0, "pending": 0, "succeeded": 1, "failed": 2, "canceled": 2}


def apply_refund_status(refund, stripe_refund):
    """Move a refund forward to what Stripe says of it. Pending and requires_action stay
    pending (the buyer is told nothing yet); succeeded tells the buyer; failed or canceled
    flags the order for staff. Applying the same status twice changes nothing."""
    status = str(stripe_refund.get("status") or "")
    if not refund.stripe_refund_id and stripe_refund.get("id"):
        refund.stripe_refund_id = stripe_refund["id"]
    # Stripe sends refund.created (pending) and refund.updated (succeeded) in no set order:
    # an older status arriving late does not overwrite the newer one staff see.
    if REFUND_STEP.get(status, 0) >= REFUND_STEP.get(refund.stripe_status, 0):
        refund.stripe_status = status[:20]
    refund.save(update_fields=["stripe_refund_id", "stripe_status"])
    if status == "succeeded" and refund.state == RefundState.PENDING:
        refund.state = RefundState.SUCCEEDED
        refund.settled_at = timezone.now()
        refund.save(update_fields=["state", "settled_at"])
        refund_settled(refund)
    elif status in ("failed", "canceled") and refund.state != RefundState.FAILED:
        refund_failed(refund, reason=stripe_refund.get("failure_reason") or status)
    elif status in ("pending", "requires_action") and refund.state == RefundState.PENDING:
        order = lock(refund.order)
        if not order.log_entries.filter(action="refund_pending", data__refund=refund.pk).exists():
            log(order, "refund_pending", f"{staff_cad(refund.amount)} ({status})", refund=refund.pk)


# Stripe's refund `failure_reason` values (its API description), as staff read them; the code
# itself stays beside, for Stripe's support.
REFUND_FAILURES = {
    "lost_or_stolen_card": gettext_lazy("carte perdue ou volée"),
    "expired_or_canceled_card": gettext_lazy("carte expirée ou annulée"),
    "charge_for_pending_refund_disputed": gettext_lazy("paiement contesté par l'acheteur"),
    "insufficient_funds": gettext_lazy("solde du compte Stripe insuffisant"),
    "declined": gettext_lazy("refusé par la banque"),
    "merchant_request": gettext_lazy("annulé à notre demande"),
    "unknown": gettext_lazy("raison inconnue"),
    "canceled": gettext_lazy("annulé"),
    "failed": gettext_lazy("échoué"),
}


def refund_failure_reason(code):
    """« carte expirée ou annulée : expired_or_canceled_card », or the code alone when Stripe
    gave one we do not know."""
    code = str(code or "")
    words = REFUND_FAILURES.get(code)
    return f"{words} : {code}" if words else code


def refund_failed(refund, *, reason):
    """The money did not go back (or came back to us): staff must look at the order."""
    order = lock(refund.order)
    was_done = refund.state == RefundState.SUCCEEDED
    refund.state = RefundState.FAILED
    refund.failure_reason = str(reason)[:100]
    refund.settled_at = timezone.now()
    refund.save(update_fields=["state", "failure_reason", "settled_at"])
    log(order, "refund_failed", f"{staff_cad(refund.amount)} — {reason}", refund=refund.pk)
    flag(
        order,
        (
            _("Le remboursement de %(amount)s a échoué après avoir été accepté (%(reason)s).")
            if was_done
            else _("Le remboursement de %(amount)s a échoué (%(reason)s).")
        )
        % {"amount": staff_cad(refund.amount), "reason": refund_failure_reason(reason)},
    )


def refund_settled(refund):
    """The refund reached the buyer: tell them, and mark the order refunded when nothing is
    left of what it received."""
    order = lock(refund.order)
    log(order, "refund_succeeded", staff_cad(refund.amount), refund=refund.pk)
    email_buyer(
        order,
        "refund_issued",
        gettext_lazy("Remboursement de votre commande %(code)s"),
        key_suffix=f":{refund.pk}",
        refund=refund,
    )
    if order.state == OrderState.PAID and order.balance <= 0:
        change_state(order, OrderState.REFUNDED, message=gettext_lazy("Entièrement remboursée"))


def _as_dict(obj):
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


# --- Stripe webhooks ----------------------------------------------------------------------------
#
# Stripe sends events late, twice or out of order, and retries any non-2xx answer for days.
# The webhook only records a verified event ("received", with its object: one statement) and
# queues it; the worker applies it, the event's row and its effect in one transaction (a
# replay changes nothing). When the broker cannot take the task, the webhook applies the event
# itself, as it does in demo mode and in the tests (eager Celery); an event left "received"
# (a task lost with a worker) is applied by the sweep, or again when Stripe delivers it again.
# An event about a payment this site does not know yet (a refund or a dispute arriving before
# the payment's own event) is kept, "deferred", and applied as soon as the payment is known:
# we chose keeping over asking Stripe for the current state on every event because it needs
# no network call and works the same in demo, tests and production.

DEFER = "deferred"
DEFERRED_EVENT_LIFETIME = timedelta(days=14)
# A recorded event still not applied this long after is queued again when Stripe delivers it
# again, and applied by the sweep (`apply_received_events`).
QUEUED_AGAIN_AFTER = timedelta(seconds=30)
# A payment Stripe reported keeps its order's places held this long, for the worker to apply
# it (a second or so, usually).
REPORTED_PAYMENT_HOLD = timedelta(minutes=15)
PAYING_SESSION_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


class MalformedEvent(Exception):
    """A signed event whose shape is not what its type promises."""


def receive_stripe_event(event):
    """Record one verified Stripe event, once. Returns (answer, pk): the pk of the event to
    apply (`apply_stripe_event`), or None with the answer when there is nothing to apply: an
    event this site does not use (recorded as ignored), or a replay of one already applied."""
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        return "ignored: not an event", None
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    event_id = event["id"][:255]
    event_type = event.get("type") if isinstance(event.get("type"), str) else ""
    api_version = str(event.get("api_version") or "")[:40]
    if api_version and api_version != stripe_gateway.API_VERSION:
        logger.warning(
            "Stripe event %s has API version %s; this site is written for %s",
            event_id,
            api_version,
            stripe_gateway.API_VERSION,
        )
    record = StripeEvent(event_id=event_id, type=event_type[:100], api_version=api_version)
    if EVENT_HANDLERS.get(event_type) is None or not isinstance(obj, dict):
        record.status, record.outcome = StripeEvent.Status.IGNORED, "not used"
        return ("ignored" if _record_event(record) else "replay"), None
    record.status, record.payload = StripeEvent.Status.RECEIVED, obj
    if _record_event(record):
        if event_type in PAYING_SESSION_EVENTS:
            _keep_held_until_applied(obj)
        return "received", record.pk
    # Delivered before. Still to apply a while later if its task was lost (a worker or this
    # process died before queueing it, or applying it here failed): then queued again (it is
    # applied once however often it is queued). Not sooner: the worker may just be busy.
    waiting = StripeEvent.objects.filter(
        event_id=event_id,
        status=StripeEvent.Status.RECEIVED,
        received_at__lte=timezone.now() - QUEUED_AGAIN_AFTER,
    )
    return "replay", waiting.values_list("pk", flat=True).first()


def _keep_held_until_applied(session):
    """Stripe reports a payment: its order's hold, if it still runs, is made to last until the
    worker has applied it, so that a payment made in time is never treated as late (expired,
    its places sold again) because the worker was busy. A hold that already ran out is left
    alone: its places may be gone, and are checked again when the payment is applied
    (`fulfil_late_payment`). One statement, the order found by the session's payment: a hold
    is made to last at least REPORTED_PAYMENT_HOLD after the report."""
    session_id = session.get("id")
    if not isinstance(session_id, str):
        return
    now = timezone.now()
    now, until = (
        connection.ops.adapt_datetimefield_value(t) for t in (now, now + REPORTED_PAYMENT_HOLD)
    )
    # The statement written out, as `_record_event`'s: the ORM's own took half the webhook's
    # CPU to build (a subquery). It writes only a hold that would end sooner (usually none:
    # a payment comes minutes after its order, whose hold lasts half an hour or more).
    orders, payments = Order._meta.db_table, Payment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {orders} SET expires_at = %s "  # noqa: S608 — names from the models
            f"WHERE state = %s AND expires_at > %s AND expires_at < %s AND id = "
            f"(SELECT order_id FROM {payments} WHERE stripe_session_id = %s)",
            [until, OrderState.PENDING.value, now, until, session_id],
        )


def handle_stripe_event(event):
    """Record one verified Stripe event and apply it now, exactly once (the demo's seed; the
    webhook when the broker is down). Returns a short outcome for the log."""
    answer, pk = receive_stripe_event(event)
    return answer if pk is None else apply_stripe_event(pk)


def dispatch_stripe_event(pk):
    """Queue the recorded event `pk` for the worker and answer "queued"; apply it now, and
    answer its outcome, when Celery runs tasks in the process (demo, tests) or when the broker
    cannot take the task (Redis down: payments are still applied as they arrive)."""
    from .tasks import apply_stripe_event as task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return apply_stripe_event(pk)
    try:
        task.delay(pk)
    except Exception as exc:
        logger.warning("Stripe event %s applied in the webhook: broker unreachable (%s)", pk, exc)
        return apply_stripe_event(pk)
    return "queued"


def apply_stripe_event(pk):
    """Apply the recorded event `pk` if it is still to apply, in one transaction with its new
    status: run any number of times, at the same time too, it is applied once (its row is
    locked). Returns its outcome, or "replay" if it was applied before."""
    return _apply_recorded(pk, StripeEvent.Status.RECEIVED)


def _apply_recorded(pk, status):
    """Apply a recorded event whose status is still `status` (received or deferred)."""
    try:
        with transaction.atomic():
            # Being applied by another process right now (the task, the sweep, a receipt
            # page): theirs to finish; if they fail, it is still to apply and the sweep comes.
            waiting = StripeEvent.objects.select_for_update(skip_locked=True)
            record = waiting.filter(pk=pk, status=status).first()
            if record is None:
                return "replay"
            handler = EVENT_HANDLERS.get(record.type)
            if handler is None:
                raise HandlerFailed(StripeEvent.Status.IGNORED, "not used", "ignored")
            return _run_handler(record, handler, record.payload or {})
    except HandlerFailed as failure:
        # Recorded with its outcome on its own: kept with its object for the sweep, or
        # ignored without it.
        kept = StripeEvent.objects.filter(pk=pk, status=status)
        if failure.status == StripeEvent.Status.DEFERRED:
            payload = kept.values_list("payload", flat=True).first() or {}
            intent = _payment_intent_of(payload)[:255]
            kept.update(status=failure.status, outcome=failure.outcome, payment_intent=intent)
        else:
            kept.update(status=failure.status, outcome=failure.outcome, payload=None)
        return failure.answer


def _record_event(record):
    """Record a first delivery of the event (an unsaved StripeEvent) and return True; False if
    it was recorded before (a replay). One statement, ``INSERT … ON CONFLICT DO NOTHING``, for
    both: the unique event id decides."""
    fields = [f for f in StripeEvent._meta.concrete_fields if not f.primary_key]
    table = connection.ops.quote_name(StripeEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(record, True), connection) for f in fields]
    placeholders = ", ".join(["%s"] * len(fields))
    unique = connection.ops.quote_name(StripeEvent._meta.get_field("event_id").column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608 — names from the model
            f"ON CONFLICT ({unique}) DO NOTHING RETURNING {connection.ops.quote_name('id')}",
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    record.pk = row[0]
    record._state.adding = False
    return True


class HandlerFailed(Exception):
    """A handler could not apply its event. Raised out of the event's transaction, which rolls
    back what the handler did; the event is then recorded with this status and outcome."""

    def __init__(self, status, outcome, answer):
        super().__init__(outcome)
        self.status, self.outcome, self.answer = status, outcome, answer


def _run_handler(record, handler, obj):
    """Run `handler` and record its outcome on the event's row, in the caller's transaction.

    A malformed object is to be recorded as ignored (and logged) rather than answered with an
    error Stripe would retry for days: HandlerFailed says so, and the caller's transaction
    rolls back whatever the handler had done."""
    try:
        outcome = handler(obj) or "ok"
    except (MalformedEvent, KeyError, TypeError, ValueError, ArithmeticError) as exc:
        logger.warning("Stripe event %s (%s) not usable: %r", record.event_id, record.type, exc)
        raise HandlerFailed(StripeEvent.Status.IGNORED, "malformed", "ignored: malformed") from exc
    except OrderError as exc:
        # A rule refused what the event asks (say, refunding more than was paid): keep the
        # event, answer Stripe, and let staff see it in the log.
        logger.warning("Stripe event %s (%s) refused: %s", record.event_id, record.type, exc)
        outcome = f"refused: {exc}"[:100]
        raise HandlerFailed(StripeEvent.Status.IGNORED, outcome, "ignored: refused") from exc
    except (IntegrityError, DataError) as exc:
        # Not the database being away: the same values would fail again. Kept as a fault of
        # ours (below), rather than tried again and again as a transient error.
        logger.exception(
            "Stripe event %s (%s) refused by the database", record.event_id, record.type
        )
        outcome = f"error: {exc.__class__.__name__}"
        raise HandlerFailed(StripeEvent.Status.DEFERRED, outcome, "deferred: error") from exc
    except DatabaseError:
        raise  # transient: the whole event rolls back and is applied again later
    except Exception as exc:
        # A fault of ours (say, an activity date deleted under a pending order). Its effect is
        # undone; keep the event with its payload so the periodic sweep tries it again once
        # someone has looked, and answer Stripe so it does not retry for days.
        logger.exception(
            "Stripe event %s (%s) failed; kept for retry", record.event_id, record.type
        )
        outcome = f"error: {exc!r}"[:100]
        raise HandlerFailed(StripeEvent.Status.DEFERRED, outcome, "deferred: error") from exc
    deferred = outcome == DEFER
    record.status = StripeEvent.Status.DEFERRED if deferred else StripeEvent.Status.APPLIED
    record.outcome = str(outcome)[:100]
    # A deferred event keeps its object, to be applied later; an applied one keeps nothing of
    # it (the object names the buyer).
    record.payload = obj if deferred else None
    record.payment_intent = _payment_intent_of(obj)[:255] if deferred else ""
    record.save(update_fields=["status", "outcome", "payload", "payment_intent"])
    return str(outcome)


def apply_waiting_payment(order, older_than=timedelta(seconds=10)):
    """The buyer waits on the receipt page for a payment Stripe reported over `older_than` ago
    that no worker has applied (workers down, or far behind): apply it now, in their request,
    rather than let them wait for the worker. Returns whether one was applied."""
    sessions = order.payments.filter(stripe_session_id__isnull=False).values("stripe_session_id")
    waiting = (
        StripeEvent.objects.filter(
            status=StripeEvent.Status.RECEIVED,
            received_at__lte=timezone.now() - older_than,
            type__startswith="checkout.session.",
        )
        .alias(session=KT("payload__id"))
        .filter(session__in=sessions)
    )
    pks = waiting.order_by("received_at", "pk").values_list("pk", flat=True)
    try:
        outcomes = [apply_stripe_event(pk) for pk in pks]
    except DatabaseError:
        # The page is still shown, as it is; the worker or the sweep will apply it.
        logger.exception("the receipt page of %s could not apply its payment", order.code)
        return False
    return any(outcome != "replay" for outcome in outcomes)


def apply_received_events(older_than=QUEUED_AGAIN_AFTER, limit=500):
    """Apply the events recorded over `older_than` ago and still not applied: their task was
    lost (a worker died with it) or never queued. Returns how many this run applied (or
    deferred, or ignored)."""
    waiting = StripeEvent.objects.filter(
        status=StripeEvent.Status.RECEIVED, received_at__lte=timezone.now() - older_than
    )
    pks = list(waiting.order_by("received_at", "pk").values_list("pk", flat=True)[:limit])
    applied = 0
    for pk in pks:
        try:
            applied += apply_stripe_event(pk) != "replay"
        except Exception:  # one event in trouble must not stop the others
            logger.exception("Stripe event %s could not be applied", pk)
    return applied


def apply_deferred_events(payment_intent=None):
    """Apply the events kept while their payment was unknown, oldest first."""
    deferred = StripeEvent.objects.filter(status=StripeEvent.Status.DEFERRED)
    if payment_intent:
        deferred = deferred.filter(payment_intent=payment_intent)
    if not payment_intent:
        # Events for a payment this site never knew stop being retried after a while.
        stale = deferred.filter(received_at__lt=timezone.now() - DEFERRED_EVENT_LIFETIME)
        stale.update(status=StripeEvent.Status.IGNORED, outcome="deferred too long", payload=None)
    pks = list(deferred.order_by("-received_at", "-pk").values_list("pk", flat=True)[:500])
    # Those applied now: not kept again ("deferred…"), ignored, nor applied meanwhile.
    return sum(
        not _apply_recorded(pk, StripeEvent.Status.DEFERRED).startswith(
            ("replay", DEFER, "ignored")
        )
        for pk in reversed(pks)
    )


def _payment_intent_known(payment):
    """Once a payment's PaymentIntent is known, the events waiting for it can be applied."""
    intent = payment.stripe_payment_intent_id
    if intent:
        transaction.on_commit(lambda: apply_deferred_events(intent), robust=True)


def _payment_intent_of(obj):
    value = obj.get("payment_intent")
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _text(obj, key):
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"{key} missing")
    return value


def _cents(obj, key):
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedEvent(f"{key} is not an amount")
    return from_cents(value)


def _payment_for_session(session):
    """The payment a Checkout Session pays: by its id, or (when the id was never stored, say
    after a database error) by the metadata and reference this site gave it."""
    session_id = _text(session, "id")
    payment = Payment.objects.filter(stripe_session_id=session_id).first()
    if payment is not None:
        return payment
    metadata = session.get("metadata") if isinstance(session.get("metadata"), dict) else {}
    code = metadata.get("order") or session.get("client_reference_id")
    if not isinstance(code, str) or not code:
        logger.warning("Stripe session %s matches no payment", session_id)
        return None
    candidates = Payment.objects.filter(order__code=code, stripe_session_id__isnull=True)
    payment_id = str(metadata.get("payment") or "")
    if payment_id.isdigit():
        candidates = candidates.filter(pk=int(payment_id))
    payment = candidates.order_by("-created_at").first()
    if payment is None:
        logger.warning("Stripe session %s matches no payment", session_id)
        return None
    # Store the id now, so that every later event finds it directly.
    Payment.objects.filter(pk=payment.pk).update(stripe_session_id=session_id)
    payment.stripe_session_id = session_id
    log(payment.order, "checkout_found", session_id)
    return payment


# Within the event's own transaction (`apply_stripe_event`), which undoes it all on an error:
# no savepoint of its own (each is two more round trips to the database).
@transaction.atomic(savepoint=False)
def on_session_completed(session):
    status = session.get("payment_status")
    intent = _payment_intent_of(session)
    if status == "paid":
        # The usual case in two statements: the payment found by its session and locked with
        # its order (rather than read, then locked).
        by_session = Payment.objects.filter(stripe_session_id=_text(session, "id"))
        order, payment = lock_payment(by_session)
        if payment is None:
            payment = _payment_for_session(session)
            if payment is None:
                return "ignored: unknown session"
            order, payment = lock_payment(Payment.objects.filter(pk=payment.pk))
        _apply_to_locked(
            order,
            payment,
            amount=_cents(session, "amount_total"),
            currency=_text(session, "currency"),
            payment_intent=intent,
        )
        # What was stored: this intent, or the one the payment already had.
        payment.stripe_payment_intent_id = intent or payment.stripe_payment_intent_id
        _payment_intent_known(payment)
        return "paid"
    payment = _payment_for_session(session)
    if payment is None:
        return "ignored: unknown session"
    if status == "no_payment_required":
        # This site never sends a free order to Stripe: nothing was paid, look at it.
        flag(lock(payment.order), _("Stripe signale une session sans paiement requis."))
        return "ignored: no payment required"
    if status != "unpaid":
        raise MalformedEvent(f"payment_status {status!r}")
    # A delayed method (bank debit): the money comes later, or not. The order keeps its places
    # while it clears, and is not expired meanwhile.
    with transaction.atomic():
        order = lock(payment.order)
        updated = Payment.objects.filter(
            pk=payment.pk, state__in=[PaymentState.CREATED, PaymentState.CANCELLED]
        ).update(state=PaymentState.PENDING, stripe_payment_intent_id=intent)
        if updated:
            if order.hold_is_active:
                # An expired hold is not brought back here: its places may have been sold;
                # when the money arrives, the late-payment rule checks them again.
                order.expires_at = max(order.expires_at, timezone.now() + processing_hold())
                order.save(update_fields=["expires_at"])
            log(order, "payment_processing", session["id"])
    payment.refresh_from_db()
    _payment_intent_known(payment)
    return "processing"


def processing_hold():
    """How long places stay held while a delayed payment clears."""
    return timedelta(days=getattr(settings, "PAYMENT_PROCESSING_HOLD_DAYS", 7))


def on_async_payment_succeeded(session):
    return on_session_completed({**session, "payment_status": "paid"})


def on_async_payment_failed(session):
    payment = _payment_for_session(session)
    if payment is None:
        return "ignored: unknown session"
    payment_failed(payment, reason=_("Paiement différé refusé"))
    with transaction.atomic():
        order = lock(payment.order)
        if (
            order.state == OrderState.PENDING
            and not order.payments.filter(
                state__in=[PaymentState.PENDING, PaymentState.PAID]
            ).exists()
        ):
            # The places were kept for this payment only: give them back now.
            order.expires_at = min(order.expires_at, timezone.now())
            order.save(update_fields=["expires_at"])
            transaction.on_commit(lambda: expire_order(order), robust=True)
    return "failed"


@transaction.atomic
def on_session_expired(session):
    payment = _payment_for_session(session)
    if payment is None:
        return "ignored: unknown session"
    Payment.objects.filter(pk=payment.pk, state=PaymentState.CREATED).update(
        state=PaymentState.CANCELLED
    )
    order = lock(payment.order)  # apply_payment may be changing it right now
    log(order, "checkout_expired", session["id"])
    if (
        order.state == OrderState.PENDING
        and not order.payments.filter(
            state__in=[PaymentState.CREATED, PaymentState.PENDING, PaymentState.PAID]
        ).exists()
    ):
        order.expires_at = min(order.expires_at, timezone.now())
        order.save(update_fields=["expires_at"])
        expire_order(order)
    return "expired"


def _paid_payment(obj):
    """The payment an object about money (charge, refund, dispute) refers to, or None."""
    intent = _payment_intent_of(obj)
    if not intent:
        raise MalformedEvent("payment_intent missing")
    # Money can only come back from a payment received: anything else waits for it.
    return Payment.objects.filter(stripe_payment_intent_id=intent, state=PaymentState.PAID).first()


def on_charge_refunded(charge):
    """A cross-check, never a record: `amount_refunded` is cumulative and says nothing of each
    refund's own state (it counts a refund as soon as it is created, even one that will fail).
    Each refund is recorded from its own `refund.*` events, with its real status. While this
    site knows of less than Stripe says, the event waits (deferred) and is checked again once
    those events are applied."""
    payment = _paid_payment(charge)
    if payment is None:
        return DEFER
    amount_refunded = _cents(charge, "amount_refunded")
    known = sum(
        payment.refunds.exclude(state=RefundState.FAILED).values_list("amount", flat=True),
        Decimal("0"),
    )
    return "known" if amount_refunded <= known else DEFER


def on_refund_event(stripe_refund):
    """refund.created / refund.updated / refund.failed / charge.refund.updated: the state of
    one refund, ours (found by id or by the metadata we gave it) or made in the dashboard."""
    refund_id = _text(stripe_refund, "id")
    _cents(stripe_refund, "amount")
    metadata = stripe_refund.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    refund = Refund.objects.filter(stripe_refund_id=refund_id).first()
    if refund is None and str(metadata.get("refund") or "").isdigit():
        refund = Refund.objects.filter(
            pk=int(metadata["refund"]), order__code=metadata.get("order"), stripe_refund_id=None
        ).first()
    if refund is None:
        payment = _paid_payment(stripe_refund)
        if payment is None:
            return DEFER
        refund = _dashboard_refund(payment, stripe_refund)
    with transaction.atomic():
        lock(refund.order)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        apply_refund_status(refund, stripe_refund)
    # A `charge.refunded` waiting for this refund can now be checked.
    _payment_intent_known(refund.payment)
    return f"refund {refund.state}"


def _dashboard_refund(payment, stripe_refund):
    """A refund made in Stripe's Dashboard: recorded once, by its Stripe id."""
    with transaction.atomic():
        order = lock(payment.order)
        amount = from_cents(stripe_refund["amount"])
        return Refund.objects.create(
            order=order,
            payment=payment,
            amount=amount,
            **refund_taxes(order, amount),
            source=Refund.Source.DASHBOARD,
            reason=translated(order.language, gettext_lazy("Remboursement fait dans Stripe")),
            stripe_refund_id=stripe_refund["id"],
            idempotency_key=f"dashboard-refund:{stripe_refund['id']}"[:100],
        )


def on_dispute_event(dispute):
    """charge.dispute.created / updated / closed: flag the order for staff and log it; a lost
    dispute means the money is gone. Tickets stay valid: staff decide about the order."""
    dispute_id = _text(dispute, "id")
    status = _text(dispute, "status")
    if status not in Dispute.Status.values:
        raise MalformedEvent(f"dispute status {status!r}")
    amount = _cents(dispute, "amount")
    payment = _paid_payment(dispute)
    if payment is None:
        return DEFER
    with transaction.atomic():
        order = lock(payment.order)
        record, created = Dispute.objects.select_for_update().get_or_create(
            stripe_dispute_id=dispute_id,
            defaults={
                "order": order,
                "payment": payment,
                "amount": amount,
                "currency": str(dispute.get("currency") or "cad").upper()[:3],
                "reason": str(dispute.get("reason") or "")[:60],
                "status": status,
            },
        )
        if not created and record.status == status and record.amount == amount:
            return "known"
        if not created and not record.is_open and not _appealed(record.status, status):
            return "known"  # closed disputes do not reopen: a late "updated" changes nothing
        if not created and record.status in Dispute.MONEY_TAKEN and status not in AFTER_A_LOSS:
            return "known"  # a step from before the loss, arriving late during the appeal
        was = record.status
        record.status, record.amount = status, amount
        # When it closed; a loss keeps the date the money left (the appeal lost, or the loss
        # sent again, moves nothing: the sales report counts it in that month).
        if status in Dispute.CLOSED and (
            record.closed_at is None or (status != was and status != Dispute.Status.LOST)
        ):
            record.closed_at = timezone.now()
        record.save()
        amount_text = staff_cad(amount)
        log(order, f"dispute_{status}", f"{amount_text} — {record.reason}", dispute=record.pk)
        flag(
            order,
            _dispute_message(was, status) % {"amount": amount_text, "reason": record.reason or "—"},
        )
    return f"dispute {status}"


# What may follow a loss: the appeal's steps, and its outcome.
AFTER_A_LOSS = (
    Dispute.Status.APPEAL_NEEDS_RESPONSE,
    Dispute.Status.APPEAL_UNDER_REVIEW,
    Dispute.Status.WON,
    Dispute.Status.LOST,
)


def _appealed(closed, status):
    """A lost dispute appealed moves on (the appeal's steps, or won on appeal, its steps'
    events missed); nothing else moves a closed one."""
    return closed == Dispute.Status.LOST and status in AFTER_A_LOSS


def _dispute_message(was, status):
    """What staff read on the order for the step a dispute has reached."""
    Status = Dispute.Status
    appeal = (Status.LOST, Status.APPEAL_NEEDS_RESPONSE, Status.APPEAL_UNDER_REVIEW)
    if status == Status.LOST and was in appeal[1:]:
        return _("Appel perdu : %(amount)s reste à la banque.")
    if status == Status.LOST:
        return _("Litige perdu : %(amount)s repris par la banque. Décidez de la commande.")
    if status == Status.WON and was in appeal:
        return _("Litige gagné en appel : %(amount)s rendu par la banque.")
    if status == Status.WON:
        return _("Litige gagné : %(amount)s conservé.")
    if status in (Status.APPEAL_NEEDS_RESPONSE, Status.APPEAL_UNDER_REVIEW):
        return _("Litige perdu porté en appel : %(amount)s reste à la banque jusqu'à la décision.")
    if status == Status.WARNING_CLOSED:
        return _("Demande de renseignements de la banque close sans rétrofacturation (%(amount)s).")
    if status == Status.PREVENTED:
        return _(
            "Litige évité avant la rétrofacturation (%(amount)s) : voyez si la banque a fait "
            "rembourser le paiement."
        )
    return _("Litige ouvert par la banque (%(amount)s, motif : %(reason)s).")


EVENT_HANDLERS = {
    "checkout.session.completed": on_session_completed,
    "checkout.session.async_payment_succeeded": on_async_payment_succeeded,
    "checkout.session.async_payment_failed": on_async_payment_failed,
    "checkout.session.expired": on_session_expired,
    "charge.refunded": on_charge_refunded,
    "refund.created": on_refund_event,
    "refund.updated": on_refund_event,
    "refund.failed": on_refund_event,
    "charge.refund.updated": on_refund_event,
    "charge.dispute.created": on_dispute_event,
    "charge.dispute.updated": on_dispute_event,
    "charge.dispute.closed": on_dispute_event,
    "charge.dispute.funds_withdrawn": on_dispute_event,
    "charge.dispute.funds_reinstated": on_dispute_event,
}

# What to subscribe the webhook endpoint to (README says the same).
SUBSCRIBED_EVENTS = sorted(EVENT_HANDLERS)

# Stripe gives up on a Checkout Session after 24 hours; delayed debits clear within days.
RECONCILE_WINDOW = timedelta(days=14)


def reconcile_pending_payments(now=None, min_age=timedelta(minutes=10)):
    """A missed webhook must not leave an order wrong: ask Stripe about every payment not yet
    final, until Stripe's own windows close, and apply what it says through the handlers."""
    now = now or timezone.now()
    payments = Payment.objects.filter(
        state__in=[PaymentState.CREATED, PaymentState.PENDING],
        stripe_session_id__isnull=False,
        created_at__lte=now - min_age,
        created_at__gte=now - RECONCILE_WINDOW,
    )
    handled = 0
    for payment in payments[:200]:
        try:
            session = _as_dict(stripe_gateway.retrieve_session(payment.stripe_session_id))
        except stripe_gateway.StripeError as exc:
            logger.warning("reconcile: %s: %s", payment.stripe_session_id, exc)
            continue
        try:
            # Its own transaction (or savepoint): a failure undoes this payment's work only.
            with transaction.atomic():
                handled += _reconcile_session(payment, session)
        except Exception:
            # One payment in trouble must not stop the others: log it and go on.
            logger.exception("reconcile: %s failed", payment.stripe_session_id)
    apply_deferred_events()
    return handled


def _reconcile_session(payment, session):
    if session.get("payment_status") == "paid":
        return int(on_session_completed(session) == "paid" and payment.state != PaymentState.PAID)
    if session.get("status") == "expired":
        on_session_expired(session)
        return 1
    if session.get("status") == "complete" and session.get("payment_status") == "unpaid":
        intent = _payment_intent_of(session)
        status = ""
        if intent:
            try:
                status = _as_dict(stripe_gateway.retrieve_payment_intent(intent)).get("status")
            except stripe_gateway.StripeError as exc:
                logger.warning("reconcile: %s: %s", intent, exc)
                return 0
        if status in ("requires_payment_method", "canceled"):
            return int(on_async_payment_failed(session) == "failed")
        if payment.state == PaymentState.CREATED:
            return int(on_session_completed(session) == "processing")
    return 0


def resend_confirmation(order, *, user):
    """Queue the paid order's confirmation again, tickets (QR codes) and calendar files
    included, as a new email: each resend has its own key, counted from the log."""
    with transaction.atomic():
        order = lock(order)
        if order.state != OrderState.PAID:
            raise OrderError(_("Seule une commande payée peut recevoir sa confirmation à nouveau."))
        count = order.log_entries.filter(action="confirmation_resent").count() + 1
        email = email_confirmation(order, key_suffix=f":resend:{count}")
        log(order, "confirmation_resent", order.buyer_email, user=user, resend=count)
    return email
