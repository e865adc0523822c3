"""What travels between the site and Stripe: form-encoded parameters, errors, signatures."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import parse_qsl

#: The API version the installed ``stripe`` library (16.1.0) pins; responses and events carry it.
API_VERSION = "2026-10-28.endive"


class StripeError(Exception):
    """An API error, rendered in Stripe's ``{"error": {...}}`` shape.

    The library picks its exception class from the HTTP status and ``type`` (see
    ``_api_requestor.specific_v1_api_error``): 401 → AuthenticationError, 400/404 →
    InvalidRequestError (with ``param`` and ``code``), or IdempotencyError for that type;
    any other status (409) → APIError, which the library retries.
    """

    def __init__(
        self, status, message, *, type="invalid_request_error", code=None, param=None, kept=False
    ):
        super().__init__(message)
        self.status = status
        # Refused by the endpoint itself, after it began (a disputed charge, one already
        # refunded): Stripe keeps that answer for the idempotency key and replays it, where a
        # request refused by validation may be tried again with the same key.
        self.kept = kept
        self.body = {"error": {"type": type, "message": message}}
        if code:
            self.body["error"]["code"] = code
            self.body["error"]["doc_url"] = "https://stripe.com/docs/error-codes/" + code.replace(
                "_", "-"
            )
        if param:
            self.body["error"]["param"] = param


def unrecognized(method, path):
    message = (
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/."
    )
    return StripeError(404, message)


def sign_payload(payload: bytes | str, secret: str, timestamp: int | None = None) -> str:
    """Build a ``Stripe-Signature`` header: ``t=<unix>,v1=<HMAC-SHA256 of "t.payload">``.

    Public so that the site's tests can forge, tamper with or backdate events.
    """
    if timestamp is None:
        timestamp = int(time.time())
    text = payload.decode("utf-8") if isinstance(payload, bytes | bytearray) else payload
    signed = f"{timestamp}.{text}".encode()
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def decode_form(body: str) -> dict:
    """Decode the library's form encoding into nested dicts and lists.

    ``line_items[0][price_data][unit_amount]=1250`` becomes
    ``{"line_items": [{"price_data": {"unit_amount": "1250"}}]}``. Values stay strings, as on
    the wire; ``key[]`` appends. Dicts whose keys are all indices become lists, except metadata,
    whose keys are the caller's own.
    """
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        name, bracket, rest = key.partition("[")
        parts = [name]
        if bracket and rest.endswith("]"):
            parts += rest[:-1].split("][")
        elif bracket:
            parts = [key]
        node = root
        for depth, part in enumerate(parts):
            if part == "":
                part = str(len(node))
            if depth == len(parts) - 1:
                node[part] = value
                break
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise StripeError(400, f"Invalid parameter: {key}.", param=key)
            node = child
    return _listify(root)


def _listify(value, key=None):
    if not isinstance(value, dict):
        return value
    if key != "metadata" and value and all(k.isdigit() for k in value):
        return [_listify(v) for _, v in sorted(value.items(), key=lambda kv: int(kv[0]))]
    return {k: _listify(v, k) for k, v in value.items()}


def parse_int(value, param, minimum=None):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise StripeError(
            400, f"Invalid integer: {value}", code="parameter_invalid_integer", param=param
        ) from None
    if minimum is not None and number < minimum:
        raise StripeError(
            400, f"This value must be greater than or equal to {minimum}.", param=param
        )
    return number


def format_amount(cents: int, currency: str, english: bool = False) -> str:
    """French (Québec) formatting: ``1 234,50 $`` for CAD, ``12,50 EUR`` for anything else;
    in English, ``$1,234.50`` and ``12.50 EUR``."""
    sign = "-" if cents < 0 else ""
    whole, frac = f"{abs(cents) // 100:,}", f"{abs(cents) % 100:02d}"
    cad = currency.lower() == "cad"
    if english:
        return f"{sign}${whole}.{frac}" if cad else f"{sign}{whole}.{frac}\u00a0{currency.upper()}"
    symbol = "$" if cad else currency.upper()
    return f"{sign}{whole.replace(',', chr(0xA0))},{frac}\u00a0{symbol}"


ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def new_id(prefix):
    """An id as Stripe writes them in test mode: ``pi_3Mtw…`` (24 letters and digits), and only
    a Checkout Session's says the mode (``cs_test_…``, 58 after it)."""
    if prefix == "cs":
        return "cs_test_" + "".join(secrets.choice(ID_ALPHABET) for _ in range(58))
    return f"{prefix}_" + "".join(secrets.choice(ID_ALPHABET) for _ in range(24))
