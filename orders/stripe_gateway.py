"""Everything that talks to Stripe, through the official library.

In demo and test modes `STRIPE_API_BASE` points the library at the project's fake Stripe; the
code path is the same as in production.
"""

import json
import time
from datetime import timedelta

import stripe
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from .money import to_cents

# Stripe refuses a Checkout Session that expires sooner than 30 minutes or later than 24 hours.
SESSION_MIN_LIFETIME = timedelta(minutes=31)
SESSION_MAX_LIFETIME = timedelta(hours=23, minutes=55)
CHECKOUT_LOCALES = {"fr": "fr-CA", "en": "en"}
# The payment methods the site accepts, sent explicitly so that a setting in Stripe's Dashboard
# cannot add others. Cards only: Apple Pay, Google Pay and Link's saved cards are card wallets
# (a card payment whose `payment_method_details.card.wallet` names them), so they come with
# "card". Delayed methods (pre-authorised debit takes days) are left out. In the pinned API
# version (stripe 16.1.0, 2026-10-28.endive) the parameter is `allowed_payment_method_types`,
# a filter on what Stripe offers; `payment_method_types` no longer exists there.
ACCEPTED_PAYMENT_METHODS = ["card"]

# The API version this code is written and checked for (the one the stripe library pins).
API_VERSION = stripe.api_version
# Signatures older or newer than this are refused (Stripe's default tolerance).
SIGNATURE_TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE

StripeError = stripe.StripeError
InvalidRequestError = stripe.InvalidRequestError
SignatureVerificationError = stripe.SignatureVerificationError


_client = (None, None)  # ((secret key, API address, retry delay), its client)


def client():
    """One client per process for the configured key and address, as Stripe recommends: its
    HTTP client keeps one session per thread, so each thread keeps its connection to Stripe
    open (no new TCP and TLS handshake for every Checkout Session). A new key, address or
    retry delay (tests point it at a fake Stripe of their own) gets a new client."""
    global _client
    retry_delay = getattr(settings, "STRIPE_RETRY_DELAY", None)
    timeout = settings.STRIPE_TIMEOUT_SECONDS
    configured = (settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, retry_delay, timeout)
    kept_for, kept = _client
    if kept_for != configured:
        options = {"max_network_retries": 2, "http_client": _http_client(retry_delay, timeout)}
        if settings.STRIPE_API_BASE:
            options["base_addresses"] = {"api": settings.STRIPE_API_BASE}
        kept = stripe.StripeClient(settings.STRIPE_SECRET_KEY, **options)
        _client = (configured, kept)
    return kept


def _http_client(retry_delay, timeout):
    """The library's HTTP client (`requests`), waiting at most `timeout` seconds for Stripe to
    connect and to answer (`STRIPE_TIMEOUT_SECONDS`): the library's own 80 s, three times
    over with its retries, held a buyer's request four minutes while Stripe hung, and eight
    such buyers took every thread of the site (its health check included). Retries wait
    `retry_delay` seconds instead of the library's backoff (half a second before the first,
    then twice as long) when it is set: `STRIPE_RETRY_DELAY`, by the test settings only, so
    that the tests of a failing Stripe do not sleep through the retries, which still
    happen."""
    kind = stripe.RequestsClient
    if retry_delay is not None:
        kind = type(
            "QuickRequestsClient",
            (kind,),
            {"_sleep_time_seconds": lambda self, num_retries: retry_delay},
        )
    return kind(timeout=(min(3.05, timeout), timeout))


def session_expiry(order_expires_at, now=None):
    """The session's expiry: the order's hold, moved into the window Stripe accepts."""
    now = now or timezone.now()
    return min(max(order_expires_at, now + SESSION_MIN_LIFETIME), now + SESSION_MAX_LIFETIME)


def checkout_line_items(order, lines=None):
    """Lines as Stripe shows them, with the delivery charge and each tax (GST and QST, or
    HST) as separate lines: they add up to the order's total to the cent, which is what the
    payment is checked against when it arrives.

    Stripe has no negative lines; with a discount each line is sent at its net amount (quantity
    folded into the name) so that the lines add up exactly to the order's total.
    """
    items = []
    for line in order.lines.all() if lines is None else lines:
        if line.discount:
            name = f"{line.quantity} × {line.description}"
            amount, quantity = to_cents(line.net), 1
            name += " — " + _("rabais %(code)s") % {"code": order.discount_code.code}
        else:
            name, amount, quantity = line.description, to_cents(line.unit_price), line.quantity
        items.append(_price_data(name, amount, quantity))
    if order.shipping:
        items.append(_price_data(_("Livraison"), to_cents(order.shipping)))
    if order.gst:
        items.append(
            _price_data(_("TPS (5 %)") + _tax_number(order.gst_number), to_cents(order.gst))
        )
    if order.qst:
        items.append(
            _price_data(_("TVQ (9,975 %)") + _tax_number(order.qst_number), to_cents(order.qst))
        )
    if order.hst:
        # The HST is the GST's harmonized form: charged under the same registration number.
        items.append(
            _price_data(
                order.hst_label + _tax_number(order.gst_number),
                to_cents(order.hst),
            )
        )
    return items


def _tax_number(number):
    return f" — {number}" if number else ""


def _price_data(name, unit_amount, quantity=1):
    return {
        "price_data": {
            "currency": "cad",
            "unit_amount": unit_amount,
            "product_data": {"name": name[:250]},
        },
        "quantity": quantity,
    }


def create_checkout_session(order, payment, *, success_url, cancel_url, expires_at, lines=None):
    """`lines`: the order's lines when the caller has them in hand (read otherwise)."""
    with override(order.language):
        line_items = checkout_line_items(order, lines)
    session = client().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "allowed_payment_method_types": ACCEPTED_PAYMENT_METHODS,
            "line_items": line_items,
            "customer_email": order.buyer_email,
            "client_reference_id": order.code,
            "locale": CHECKOUT_LOCALES.get(order.language, "auto"),
            "metadata": {"order": order.code, "payment": str(payment.pk)},
            "payment_intent_data": {"metadata": {"order": order.code}},
            "expires_at": int(expires_at.timestamp()),
            "success_url": success_url,
            "cancel_url": cancel_url,
        },
        options={"idempotency_key": payment.idempotency_key},
    )
    return session


def retrieve_session(session_id):
    return client().v1.checkout.sessions.retrieve(session_id)


def expire_session(session_id):
    return client().v1.checkout.sessions.expire(session_id)


def retrieve_payment_intent(intent_id):
    """The payment intent with its latest charge (amount refunded, disputed) expanded."""
    return client().v1.payment_intents.retrieve(intent_id, params={"expand": ["latest_charge"]})


def retrieve_refund(refund_id):
    return client().v1.refunds.retrieve(refund_id)


def retrieve_dispute(dispute_id):
    return client().v1.disputes.retrieve(dispute_id)


def create_refund(refund):
    return client().v1.refunds.create(
        params={
            "payment_intent": refund.payment.stripe_payment_intent_id,
            "amount": to_cents(refund.amount),
            "metadata": {"order": refund.order.code, "refund": str(refund.pk)},
        },
        options={"idempotency_key": refund.idempotency_key},
    )


def webhook_secrets():
    """The signing secrets accepted: the current one, and during a rotation the previous one
    (STRIPE_WEBHOOK_SECRET_PREVIOUS), until Stripe stops signing with it."""
    secrets = [
        settings.STRIPE_WEBHOOK_SECRET,
        getattr(settings, "STRIPE_WEBHOOK_SECRET_PREVIOUS", ""),
    ]
    return [secret for secret in secrets if secret]


def verify_webhook(payload, signature, now=None):
    """The event parsed from JSON, or SignatureVerificationError for a bad signature or one
    dated too far in the past or in the future; ValueError for a body that is not JSON."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise stripe.SignatureVerificationError("Body is not UTF-8", signature) from exc
    error = None
    for secret in webhook_secrets() or [""]:
        try:
            # verify_header checks the timestamp only when given a tolerance, and only
            # against the past: without it an old captured event could be replayed forever.
            stripe.WebhookSignature.verify_header(
                text, signature, secret, tolerance=SIGNATURE_TOLERANCE
            )
        except stripe.SignatureVerificationError as exc:
            error = exc
            continue
        timestamp, _signatures = stripe.WebhookSignature._get_timestamp_and_signatures(
            signature, stripe.WebhookSignature.EXPECTED_SCHEME
        )
        now = now if now is not None else time.time()
        if timestamp > now + SIGNATURE_TOLERANCE:
            raise stripe.SignatureVerificationError("Timestamp in the future", signature, text)
        return json.loads(text)
    raise error
