"""The rules of the money core. Views and the admin call these functions; they hold the
locking and the state changes, and write the audit log and the outbox in the same transaction.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from . import availability, stripe_gateway
from .models import (
    DiscountCode,
    Order,
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
from .taxes import compute_taxes

logger = logging.getLogger(__name__)

MAX_QUANTITY_PER_LINE = 50
# Stripe charges nothing under 0,50 $ CAD.
MINIMUM_CHARGE = Decimal("0.50")


class OrderError(Exception):
    """A request the buyer or staff must correct; the message is translated and shown as is."""


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
    return OrderLogEntry.objects.create(
        order=order, action=action, message=str(message)[:500], user=user, data=data
    )


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
    order.save(update_fields=["state", "paid_at", "cancelled_at"])
    log(order, f"state:{state}", message, user=user, previous=previous)


# --- placing an order -------------------------------------------------------------------------


def find_discount_code(code, kind, now):
    """The usable discount code `code` for an order of `kind`, locked; or OrderError."""
    code = (code or "").strip().upper()
    if not code:
        return None
    discount = DiscountCode.objects.select_for_update().filter(code=code, active=True).first()
    invalid = OrderError(_("Le code de rabais « %(code)s » n'est pas valide.") % {"code": code})
    if discount is None:
        raise invalid
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


def allocate_discount(discount, line_amounts):
    """Split the order's discount over its lines, to the cent, never above a line's amount."""
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


@transaction.atomic
def place_order(*, kind, buyer_name, buyer_email, language, selections, discount_code="", now=None):
    """Create a pending order holding what it buys, in one transaction.

    Prices, discounts and taxes all come from the database. An order whose total is zero is
    confirmed at once, without Stripe.
    """
    now = now or timezone.now()
    validate_selections(selections)
    discount = find_discount_code(discount_code, kind, now)

    priced = []
    try:
        for selection in selections:
            item, option = selection.item, selection.option
            item.check_sale(selection.quantity, option, now)
            quotas = item.quotas(option)
            unit_price = quantize(item.price_for(selection.requested_price, option))
            priced.append((selection, unit_price, quotas))
        # Locks every quota concerned in one fixed order, then counts the selections sharing
        # a quota together (two ticket types for one date).
        availability.reserve(
            [(s.item.display_name(), quotas, s.quantity) for s, _price, quotas in priced], now
        )
    except NotAvailable as exc:
        raise OrderError(str(exc)) from exc
    gross = [unit_price * s.quantity for s, unit_price, _quotas in priced]
    discounts = allocate_discount(discount, gross)
    order_settings = OrderSettings.load()
    taxes = compute_taxes(
        [
            (s.item.tax_category(), amount - share)
            for (s, _price, _quotas), amount, share in zip(priced, gross, discounts, strict=True)
        ],
        enabled=order_settings.taxes_enabled,
    )
    subtotal = quantize(sum(gross, Decimal("0")))
    discount_total = quantize(sum(discounts, Decimal("0")))
    order = Order.objects.create(
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
        total=subtotal - discount_total + taxes.gst + taxes.qst,
        gst_number=order_settings.gst_number if order_settings.taxes_enabled else "",
        qst_number=order_settings.qst_number if order_settings.taxes_enabled else "",
        discount_code=discount,
    )
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
    log(order, "placed", _("Commande passée"), total=str(order.total))
    if order.total == 0:
        confirm(order, message=_("Commande gratuite confirmée sans paiement"))
    return order


# --- confirming, expiring, cancelling -------------------------------------------------------------


def confirm(order, *, message=""):
    """The order is paid (or free): make every line final and tell the buyer and staff."""
    change_state(order, OrderState.PAID, message=message)
    for line in order.lines.select_related("content_type"):
        if not line.fulfilled:
            line.item.fulfil(line)
            line.fulfilled = True
            line.save(update_fields=["fulfilled"])
    email_confirmation(order)
    notify_staff(order)


def email_confirmation(order, key_suffix=""):
    """The buyer's confirmation: the receipt plus what each line adds (tickets with their QR
    codes, calendar files)."""
    extras = [
        extra
        for line in order.lines.select_related("content_type")
        if (extra := line.item.confirmation_extras(line, order.language))
    ]
    return email_buyer(
        order,
        "order_confirmed",
        gettext_lazy("Confirmation de votre commande %(code)s"),
        key_suffix=key_suffix,
        extras=extras,
        attachments=[a for extra in extras for a in extra.get("attachments", ())],
    )


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
    for address in OrderSettings.load().notification_addresses():
        queue_email(
            key=f"staff_new_order:{order.code}:{address}",
            to=address,
            language=settings.LANGUAGE_CODE,
            template="staff_new_order",
            context={"order": order, "site_url": settings.WAGTAILADMIN_BASE_URL},
            subject=lambda: (
                _("Nouvelle commande %(code)s (%(total)s)")
                % {"code": order.code, "total": format_cad(order.total, settings.LANGUAGE_CODE)}
            ),
            order=order,
        )


def lock(order):
    return Order.objects.select_for_update().get(pk=order.pk)


def expire_order(order, now=None):
    """A pending order whose hold ran out: tell the buyer and stop the open checkout."""
    now = now or timezone.now()
    with transaction.atomic():
        order = lock(order)
        if order.state != OrderState.PENDING or order.expires_at > now:
            return False
        change_state(order, OrderState.EXPIRED, message=_("Délai de paiement écoulé"))
        open_sessions = close_open_checkouts(order)
        email_buyer(order, "order_expired", gettext_lazy("Votre commande %(code)s a expiré"))
    expire_sessions(open_sessions)
    return True


def expire_stale_orders(now=None):
    """Periodic clean-up and notification; capacity never waits for it."""
    now = now or timezone.now()
    stale = Order.objects.filter(state=OrderState.PENDING, expires_at__lte=now)
    return sum(expire_order(order, now) for order in stale[:500])


def buyer_cancellation_deadline(order):
    """Until when the buyer may cancel this order themselves: the earliest of its lines'
    deadlines; None when a line cannot be cancelled by the buyer."""
    deadlines = [
        line.item.buyer_cancellation_deadline(line)
        for line in order.lines.select_related("content_type")
    ]
    if not deadlines or None in deadlines:
        return None
    return min(deadlines)


def buyer_can_cancel(order, now=None):
    now = now or timezone.now()
    deadline = buyer_cancellation_deadline(order)
    return (
        order.state in (OrderState.PENDING, OrderState.PAID)
        and deadline is not None
        and now < deadline
    )


def cancel_by_buyer(order, now=None):
    """The buyer cancels from their order page: places given back, payment refunded."""
    if not buyer_can_cancel(order, now):
        raise OrderError(_("Cette commande ne peut plus être annulée en ligne."))
    return cancel_order(order, reason=_("Annulée par l'acheteur ou l'acheteuse"))


def cancel_order(order, *, user=None, reason="", refund=True, notify=True):
    """Cancel an order: lines are given back; what was paid is refunded if asked; an open
    Checkout page is closed so that nobody pays for a cancelled order. `notify=False` when the
    caller writes to the buyer itself (a cancelled activity date)."""
    with transaction.atomic():
        order = lock(order)
        was_paid = order.state in (OrderState.PAID, OrderState.REFUNDED)
        change_state(order, OrderState.CANCELLED, user=user, message=reason)
        open_sessions = close_open_checkouts(order)
        if notify:
            email_buyer(order, "order_cancelled", gettext_lazy("Commande %(code)s annulée"))
        if was_paid:
            for line in order.lines.filter(fulfilled=True).select_related("content_type"):
                line.item.release(line)
        refundable = order.balance - pending_refunds(order)
        if refund and refundable > 0:
            request_refund(
                order,
                refundable,
                reason=reason or _("Commande annulée"),
                user=user,
                source=Refund.Source.STAFF if user else Refund.Source.BUYER,
            )
        # After commit: a network call must not run while this order's row is locked.
        transaction.on_commit(lambda: expire_sessions(open_sessions), robust=True)
    return order


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
    with transaction.atomic():
        order = lock(order)
        if not order.hold_is_active:
            raise OrderError(_("Cette commande ne peut plus être payée."))
        if order.total <= 0:
            raise OrderError(_("Cette commande n'a rien à payer."))
        current = order.payments.filter(state=PaymentState.CREATED).last()
        if current is not None and current.stripe_session_id:
            return current.checkout_url
        if current is not None and current.created_at > now - timedelta(minutes=1):
            # Another request is creating the Checkout page right now (a double click).
            raise OrderError(_("Votre paiement est en préparation ; réessayez dans un instant."))
        expires_at = stripe_gateway.session_expiry(order.expires_at, now)
        if expires_at > order.expires_at:
            order.expires_at = expires_at
            order.save(update_fields=["expires_at"])
        order.payments.filter(state=PaymentState.CREATED, stripe_session_id__isnull=True).update(
            state=PaymentState.FAILED
        )
        attempt = order.payments.count() + 1
        payment = Payment.objects.create(
            order=order,
            amount=order.total,
            idempotency_key=f"checkout:{order.code}:{attempt}",
        )
    try:
        session = stripe_gateway.create_checkout_session(
            order, payment, success_url=success_url, cancel_url=cancel_url, expires_at=expires_at
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
    now = now or timezone.now()
    with transaction.atomic():
        # Always the order first, then its payment: the same order as expire_order.
        order = lock(payment.order)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.state == PaymentState.PAID:
            return False
        payment.state = PaymentState.PAID
        payment.amount = amount
        payment.currency = currency.upper()
        payment.paid_at = now
        payment.stripe_payment_intent_id = payment_intent or payment.stripe_payment_intent_id
        payment.save()
        log(order, "payment_received", f"{amount} {currency.upper()}", payment=payment.pk)

        if payment.currency != order.currency or amount != order.total:
            flag(
                order,
                _("Montant reçu (%(amount)s %(currency)s) différent du total dû.")
                % {"amount": amount, "currency": payment.currency},
            )
            if payment.currency != order.currency or amount < order.total:
                # Not what was due: give the money back rather than keep it in limbo.
                request_refund(
                    order,
                    amount,
                    payment=payment,
                    source=Refund.Source.AUTOMATIC,
                    reason=_("Montant reçu différent du total dû"),
                )
                return True

        if order.state == OrderState.PENDING and order.expires_at > now:
            confirm(order, message=_("Paiement reçu"))
        elif order.state in (OrderState.PENDING, OrderState.EXPIRED):
            fulfil_late_payment(order, payment, now)
        else:
            # Paid twice, or paid after a cancellation: give this payment back.
            flag(
                order,
                _("Paiement reçu pour une commande déjà « %(state)s ».")
                % {"state": order.get_state_display()},
            )
            request_refund(
                order,
                amount,
                payment=payment,
                source=Refund.Source.AUTOMATIC,
                reason=_("Paiement en double"),
            )
    return True


def fulfil_late_payment(order, payment, now):
    lines = list(order.lines.select_related("content_type").prefetch_related("quotas"))
    try:
        # The expired hold no longer counts, so this checks against everyone else.
        availability.reserve(
            [(line.description, list(line.quotas.all()), line.quantity) for line in lines], now
        )
    except NotAvailable as exc:
        if order.state == OrderState.PENDING:
            change_state(order, OrderState.EXPIRED, message=_("Délai de paiement écoulé"))
        change_state(order, OrderState.CANCELLED, message=str(exc))
        flag(order, _("Paiement reçu après l'expiration, plus de place : remboursé."))
        request_refund(
            order,
            payment.amount,
            payment=payment,
            source=Refund.Source.AUTOMATIC,
            reason=_("Paiement reçu après l'expiration de la réservation"),
        )
        email_buyer(
            order,
            "late_payment_refunded",
            gettext_lazy("Votre commande %(code)s n'a pas pu être confirmée"),
        )
        return
    flag(order, _("Paiement reçu après l'expiration, places encore libres : confirmée."))
    confirm(order, message=_("Paiement reçu après l'expiration de la réservation"))


def flag(order, reason):
    order.attention = str(reason)[:200]
    order.save(update_fields=["attention"])
    log(order, "flagged", reason)


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


def request_refund(order, amount, *, reason, user=None, payment=None, source=Refund.Source.STAFF):
    """Record a refund and send it to Stripe after commit. Must run inside a transaction that
    holds the order's lock (all callers do)."""
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
        payment = max(
            order.payments.filter(state=PaymentState.PAID),
            key=refundable_on,
            default=None,
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
        reason=str(reason)[:300],
        source=source,
        created_by=user,
        idempotency_key=f"refund:{order.code}:{count}",
    )
    log(order, "refund_requested", f"{amount} — {reason}", user=user, refund=refund.pk)
    from .tasks import execute_refund

    transaction.on_commit(lambda: execute_refund.delay(refund.pk), robust=True)
    return refund


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
    """Staff or buyer refund of part or all of what was paid."""
    with transaction.atomic():
        order = lock(order)
        if order.state not in (OrderState.PAID, OrderState.CANCELLED, OrderState.REFUNDED):
            raise OrderError(_("Seule une commande payée peut être remboursée."))
        return request_refund(order, amount, reason=reason, user=user)


def execute_refund(refund_id):
    """Send a recorded refund to Stripe (idempotent: Stripe replays the same key)."""
    refund = Refund.objects.select_related("order", "payment").get(pk=refund_id)
    if refund.state != RefundState.PENDING:
        return False
    try:
        stripe_refund = stripe_gateway.create_refund(refund)
    except stripe_gateway.InvalidRequestError as exc:
        # Stripe refuses for good (already refunded, bad amount): say so, do not retry.
        logger.warning("refund %s refused by Stripe: %s", refund_id, exc)
        with transaction.atomic():
            refund = Refund.objects.select_for_update().get(pk=refund_id)
            if refund.state != RefundState.PENDING:
                return False
            refund.state = RefundState.FAILED
            refund.save(update_fields=["state"])
            refund_settled(refund)
        return False
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if refund.state != RefundState.PENDING:
            return False
        refund.stripe_refund_id = stripe_refund.id
        refund.state = (
            RefundState.FAILED
            if stripe_refund.status in ("failed", "canceled")
            else RefundState.SUCCEEDED
        )
        refund.save(update_fields=["stripe_refund_id", "state"])
        refund_settled(refund)
    return True


def refund_settled(refund):
    order = lock(refund.order)
    if refund.state != RefundState.SUCCEEDED:
        log(order, "refund_failed", f"{refund.amount}", refund=refund.pk)
        flag(
            order,
            _("Le remboursement de %(amount)s a échoué.")
            % {"amount": format_cad(refund.amount, settings.LANGUAGE_CODE)},
        )
        return
    log(order, "refund_succeeded", f"{refund.amount}", refund=refund.pk)
    email_buyer(
        order,
        "refund_issued",
        gettext_lazy("Remboursement de votre commande %(code)s"),
        key_suffix=f":{refund.pk}",
        refund=refund,
    )
    if order.state == OrderState.PAID and order.balance <= 0:
        change_state(order, OrderState.REFUNDED, message=_("Entièrement remboursée"))


# --- Stripe webhooks ----------------------------------------------------------------------------


def handle_stripe_event(event):
    """Apply one verified Stripe event, exactly once.

    The event id is recorded in the same transaction as its effect: a replay finds it and
    changes nothing; a failure rolls both back so that Stripe's retry is applied.
    """
    with transaction.atomic():
        _record, created = StripeEvent.objects.get_or_create(
            event_id=event["id"], defaults={"type": event["type"]}
        )
        if not created:
            return "replay"
        handler = EVENT_HANDLERS.get(event["type"])
        if handler is None:
            return "ignored"
        return handler(event["data"]["object"]) or "ok"


def _payment_for_session(session):
    payment = Payment.objects.filter(stripe_session_id=session["id"]).first()
    if payment is None:
        # A session this site did not create (or from another environment): nothing to do.
        logger.warning("Stripe session %s matches no payment", session.get("id"))
    return payment


@transaction.atomic
def on_session_completed(session):
    payment = _payment_for_session(session)
    if payment is None:
        return "unknown"
    if session.get("payment_status") in ("paid", "no_payment_required"):
        apply_payment(
            payment,
            amount=from_cents(session["amount_total"]),
            currency=session["currency"],
            payment_intent=session.get("payment_intent") or "",
        )
        return "paid"
    # An asynchronous method (bank debit): the money comes later, or not.
    Payment.objects.filter(pk=payment.pk, state=PaymentState.CREATED).update(
        state=PaymentState.PENDING,
        stripe_payment_intent_id=session.get("payment_intent") or "",
    )
    log(payment.order, "payment_processing", session["id"])
    return "processing"


def on_async_payment_succeeded(session):
    return on_session_completed({**session, "payment_status": "paid"})


def on_async_payment_failed(session):
    payment = _payment_for_session(session)
    if payment is not None:
        payment_failed(payment, reason=_("Paiement différé refusé"))
    return "failed"


@transaction.atomic
def on_session_expired(session):
    payment = _payment_for_session(session)
    if payment is None:
        return "unknown"
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


def on_charge_refunded(charge):
    """Refunds made anywhere, the Stripe dashboard included: record what we did not ask for.

    `amount_refunded` is cumulative; what this site already recorded (pending or done) is
    subtracted, so each refunded cent is recorded once.
    """
    payment = Payment.objects.filter(
        stripe_payment_intent_id=charge.get("payment_intent") or "-"
    ).first()
    if payment is None:
        return "unknown"
    with transaction.atomic():
        order = lock(payment.order)
        known = sum(
            payment.refunds.exclude(state=RefundState.FAILED).values_list("amount", flat=True),
            Decimal("0"),
        )
        missing = from_cents(charge["amount_refunded"]) - known
        if missing <= 0:
            return "known"
        refund = Refund.objects.create(
            order=order,
            payment=payment,
            amount=missing,
            source=Refund.Source.DASHBOARD,
            reason=_("Remboursement fait dans Stripe"),
            state=RefundState.SUCCEEDED,
            idempotency_key=f"dashboard:{payment.pk}:{charge['amount_refunded']}",
        )
        refund_settled(refund)
    return "recorded"


EVENT_HANDLERS = {
    "checkout.session.completed": on_session_completed,
    "checkout.session.async_payment_succeeded": on_async_payment_succeeded,
    "checkout.session.async_payment_failed": on_async_payment_failed,
    "checkout.session.expired": on_session_expired,
    "charge.refunded": on_charge_refunded,
}


def reconcile_pending_payments(now=None, min_age=timedelta(minutes=10)):
    """A missed webhook must not leave a paid order pending: ask Stripe about open sessions."""
    now = now or timezone.now()
    payments = Payment.objects.filter(
        state__in=[PaymentState.CREATED, PaymentState.PENDING],
        stripe_session_id__isnull=False,
        created_at__lte=now - min_age,
        created_at__gte=now - timedelta(days=3),
    )
    handled = 0
    for payment in payments[:200]:
        try:
            session = stripe_gateway.retrieve_session(payment.stripe_session_id)
        except stripe_gateway.StripeError as exc:
            logger.warning("reconcile: %s: %s", payment.stripe_session_id, exc)
            continue
        session = session.to_dict() if hasattr(session, "to_dict") else dict(session)
        if session.get("payment_status") == "paid":
            handled += bool(on_session_completed(session) == "paid")
        elif session.get("status") == "expired":
            on_session_expired(session)
            handled += 1
    return handled


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
