"""A small fake Stripe that speaks real HTTP, for tests and the demo.

Nothing on these machines can reach Stripe, and neither stripe-mock nor localstripe fits (see
NOTES.md, "Stripe without the internet"). So the site runs its real payment code, with the
official ``stripe`` library, against this server:
``stripe.StripeClient(key, base_addresses={"api": fake.url})``.

It reproduces the parts of Stripe the site relies on, as Stripe behaves:

- the API (``/v1/...``): bearer-key authentication, form-encoded nested parameters, Stripe's
  error shape (so the library raises ``AuthenticationError``, ``InvalidRequestError`` or
  ``IdempotencyError``), idempotent replay, Checkout Sessions, PaymentIntents and refunds;
- a hosted checkout page (``/checkout/{id}``), labelled "MODE DÉMO — aucun paiement réel", whose
  buttons pay, decline, cancel or start a delayed ("async") payment;
- webhooks: events signed exactly as Stripe signs them, so ``stripe.Webhook.construct_event``
  accepts them, and ``resend()`` to replay one as Stripe's retries do.

It imports only the standard library (no Django) so it can run on its own:
``python -m orders.fake_stripe --port 12111 --webhook-url http://127.0.0.1:8000/stripe/webhook/``.
All state is in memory and lost when the process stops.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

#: The API version the installed ``stripe`` library (16.1.0) pins; events carry it.
API_VERSION = "2026-10-28.endive"
MIN_EXPIRY = 30 * 60  # Stripe: expires_at is 30 minutes to 24 hours after creation.
MAX_EXPIRY = 24 * 60 * 60
WEBHOOK_TIMEOUT = 10
_WEBHOOK_UA = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}

# Top-level parameters Stripe accepts (from the library's *CreateParams). Others are rejected
# as Stripe rejects them, which catches typos; accepted ones we do not model are ignored.
# (SIM905: a word list reads better than one name per line.)
SESSION_PARAMS = frozenset(
    "adaptive_pricing after_expiration allow_promotion_codes allowed_payment_method_types"  # noqa: SIM905
    " automatic_tax billing_address_collection branding_settings cancel_url client_reference_id"
    " consent_collection currency custom_fields custom_text customer customer_account"
    " customer_creation customer_email customer_update discounts excluded_payment_method_types"
    " expand expires_at integration_identifier invoice_creation line_items locale"
    " managed_payments metadata mode name_collection optional_items origin_context"
    " payment_intent_data payment_method_collection payment_method_configuration"
    " payment_method_data payment_method_options payment_method_types permissions"
    " phone_number_collection redirect_on_completion return_url saved_payment_method_options"
    " setup_intent_data shipping_address_collection shipping_options submit_type"
    " subscription_data success_url tax_id_collection ui_mode wallet_options".split()
)
REFUND_PARAMS = frozenset(
    "amount charge currency customer expand instructions_email metadata origin payment_intent"  # noqa: SIM905
    " reason refund_application_fee reverse_transfer".split()
)


class StripeError(Exception):
    """An API error, rendered in Stripe's ``{"error": {...}}`` shape.

    The library picks its exception class from the HTTP status and ``type`` (see
    ``_api_requestor.specific_v1_api_error``): 401 → AuthenticationError, 400/404 →
    InvalidRequestError (with ``param`` and ``code``), or IdempotencyError for that type.
    """

    def __init__(self, status, message, *, type="invalid_request_error", code=None, param=None):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type, "message": message}}
        if code:
            self.body["error"]["code"] = code
        if param:
            self.body["error"]["param"] = param


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


def _int(value, param, minimum=None):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise StripeError(400, f"Invalid integer: {value}", param=param) from None
    if minimum is not None and number < minimum:
        raise StripeError(
            400, f"This value must be greater than or equal to {minimum}.", param=param
        )
    return number


def format_amount(cents: int, currency: str) -> str:
    """French (Québec) formatting: ``1 234,50 $`` for CAD, ``12,50 EUR`` for anything else."""
    sign = "-" if cents < 0 else ""
    whole, _, frac = f"{abs(cents) / 100:,.2f}".partition(".")
    symbol = "$" if currency.lower() == "cad" else currency.upper()
    return f"{sign}{whole.replace(',', chr(0xA0))},{frac}\u00a0{symbol}"


def _new_id(prefix):
    return f"{prefix}_test_{secrets.token_hex(12)}"


def _unrecognized(method, path):
    message = (
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/."
    )
    return StripeError(404, message)


class FakeStripe:
    """The fake Stripe server and its in-memory state.

    ``start()`` serves on a daemon thread; state is guarded by ``lock``, which is never held
    while a webhook is delivered (the site's handler may call back into this server). Tests may
    read ``events`` (every event created) and ``deliveries`` (every delivery attempt) and may
    replace ``clock`` to move time (see ``expire_overdue``).
    """

    def __init__(
        self,
        host="127.0.0.1",
        port=0,
        webhook_url=None,
        webhook_secret=None,
        api_key_prefix="sk_test_",
    ):
        self.host, self.port = host, port
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self.api_key_prefix = api_key_prefix
        self.api_version = API_VERSION
        self.clock = time.time
        self.verbose = False
        self.lock = threading.Lock()
        self._idle = threading.Condition(self.lock)
        self._pending = 0  # events answered for but not yet delivered
        self.sessions: dict[str, dict] = {}
        self.line_items: dict[str, list] = {}
        self.payment_intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.events: list[dict] = []
        self.deliveries: list[dict] = []
        self._pi_data: dict[str, dict] = {}  # session id → payment_intent_data
        self._idempotency: dict[tuple, dict] = {}
        self._server = None
        self._thread = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self):
        self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._server.fake = self
        # A short poll interval makes stop() quick, which matters with a server per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-stripe", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.server_port}"

    @property
    def api_base(self):
        return self.url

    def _now(self):
        return int(self.clock())

    # -- events and webhooks -----------------------------------------------------------------

    def _event(self, type, obj, previous=None):
        """Record an event (caller holds the lock) with a snapshot of ``obj``."""
        data = {"object": copy.deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event = {
            "id": _new_id("evt"),
            "object": "event",
            "api_version": self.api_version,
            "created": self._now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type,
        }
        self.events.append(event)
        return event

    def _deliver(self, event):
        """POST one signed event to ``webhook_url``; record the attempt. Never call with the lock.

        Like Stripe, redirects are not followed and any non-2xx status is a failure; unlike
        Stripe, nothing is retried by itself (tests call ``resend``).
        """
        url, secret = self.webhook_url, self.webhook_secret
        if not url:
            return None
        payload = json.dumps(event, indent=2).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": _WEBHOOK_UA}
        if secret:
            headers["Stripe-Signature"] = sign_payload(payload, secret)
        record = {"event_id": event["id"], "type": event["type"], "url": url}
        record.update(status=None, error=None)
        if urlsplit(url).scheme not in ("http", "https"):
            record["error"] = "webhook_url must be http(s)"
        else:
            # The scheme is checked just above, so no file:// or custom scheme can be opened.
            request = urllib.request.Request(url, payload, headers, method="POST")  # noqa: S310
            try:
                with _OPENER.open(request, timeout=WEBHOOK_TIMEOUT) as response:
                    record["status"] = response.status
            except urllib.error.HTTPError as exc:
                record["status"] = exc.code
            except OSError as exc:  # refused, timeout, DNS…: recorded as Stripe's dashboard does
                record["error"] = f"{type(exc).__name__}: {exc}"
        with self.lock:
            self.deliveries.append(record)
        return record

    def _deliver_all(self, events):
        for event in events:
            self._deliver(event)

    def wait_for_webhooks(self, timeout=WEBHOOK_TIMEOUT + 5):
        """Wait until events triggered by API calls have been delivered; False on timeout.

        Those go out just after the API response (see ``_Handler._dispatch``), so a test that
        refunds or expires through the API calls this before looking at its webhook endpoint.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _delivered_later(self, count):
        with self._idle:
            self._pending -= count
            self._idle.notify_all()

    def resend(self, event_id):
        """Deliver an existing event again (same id, fresh signature), as Stripe's retries do."""
        with self.lock:
            event = next((e for e in self.events if e["id"] == event_id), None)
        if event is None:
            raise KeyError(event_id)
        return self._deliver(event)

    def _expire_overdue_locked(self):
        events = []
        now = self._now()
        for session in self.sessions.values():
            if session["status"] == "open" and now >= session["expires_at"]:
                events.append(self._expire_locked(session))
        return events

    def expire_overdue(self):
        """Expire open sessions whose ``expires_at`` has passed and deliver the events.

        Stripe does this on its own clock; here it also happens lazily on every request.
        """
        with self.lock:
            events = self._expire_overdue_locked()
        self._deliver_all(events)
        return events

    def _expire_locked(self, session):
        session.update(status="expired", url=None)
        return self._event("checkout.session.expired", session)

    # -- API ---------------------------------------------------------------------------------

    def handle_api(self, method, path, query, body, headers):
        """Answer one ``/v1`` request: ``(status, body, extra headers, events to deliver)``."""
        with self.lock:
            events = self._expire_overdue_locked()
        try:
            api_key = self._authenticate(headers.get("Authorization") or "")
            params = decode_form(body if method == "POST" else query)
            handler, args = self._route(method, path)
            idempotency_key = headers.get("Idempotency-Key")
            if method == "POST" and idempotency_key:
                status, result, extra, new = self._idempotent(
                    (api_key, idempotency_key), (method, path, params), handler, args, params
                )
            else:
                result, new = handler(*args, params)
                status, extra = 200, {}
        except StripeError as exc:
            status, result, extra, new = exc.status, exc.body, {}, []
        with self.lock:  # counted before the response leaves, so wait_for_webhooks cannot miss
            self._pending += len(events) + len(new)
        return status, result, extra, events + new

    def _authenticate(self, header):
        scheme, _, credentials = header.partition(" ")
        key = credentials.strip()
        if scheme.lower() == "basic":  # curl -u sk_test_…: (the key is the user name)
            try:
                key = base64.b64decode(key).decode().partition(":")[0]
            except ValueError:
                key = ""
        elif scheme.lower() != "bearer":
            key = ""
        if not key:
            raise StripeError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').",
            )
        if not key.startswith(self.api_key_prefix):
            masked = key[:8] + "*" * max(len(key) - 12, 0) + key[-4:]
            raise StripeError(401, f"Invalid API Key provided: {masked}", code="api_key_invalid")
        return key

    _ROUTES = [
        ("POST", r"/v1/checkout/sessions", "_create_session"),
        ("GET", r"/v1/checkout/sessions/(?P<id>[^/]+)", "_get_session"),
        ("GET", r"/v1/checkout/sessions/(?P<id>[^/]+)/line_items", "_get_line_items"),
        ("POST", r"/v1/checkout/sessions/(?P<id>[^/]+)/expire", "_expire_session"),
        ("GET", r"/v1/payment_intents/(?P<id>[^/]+)", "_get_payment_intent"),
        ("GET", r"/v1/charges/(?P<id>[^/]+)", "_get_charge"),
        ("POST", r"/v1/refunds", "_create_refund"),
        ("GET", r"/v1/refunds/(?P<id>[^/]+)", "_get_refund"),
        ("GET", r"/v1/events/(?P<id>[^/]+)", "_get_event"),
    ]

    def _route(self, method, path):
        for route_method, pattern, name in self._ROUTES:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return getattr(self, name), tuple(match.groupdict().values())
        raise _unrecognized(method, path)

    def _idempotent(self, slot, request, handler, args, params):
        """Replay the first response for a key, reject it with other parameters.

        As with Stripe, only requests that succeed are saved (a request rejected by validation
        can be retried with the same key), and a key still in flight gets a 409.
        """
        fingerprint = json.dumps(request, sort_keys=True)
        with self.lock:
            saved = self._idempotency.get(slot)
            if saved is None:
                self._idempotency[slot] = {"fingerprint": fingerprint, "response": None}
        if saved is not None:
            if saved["fingerprint"] != fingerprint:
                raise StripeError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters they "
                    f"were first used with. Try using a key other than '{slot[1]}' if you meant "
                    "to execute a different request.",
                    type="idempotency_error",
                )
            if saved["response"] is None:
                raise StripeError(
                    409,
                    "There is currently another in-progress request using this Idempotent Key "
                    "(that probably means you submitted twice, and the other request is still "
                    "going through). Please try again later.",
                    type="idempotency_error",
                )
            return 200, copy.deepcopy(saved["response"]), {"Idempotent-Replayed": "true"}, []
        try:
            result, events = handler(*args, params)
        except BaseException:
            with self.lock:
                self._idempotency.pop(slot, None)
            raise
        with self.lock:
            self._idempotency[slot]["response"] = copy.deepcopy(result)
        return 200, result, {}, events

    def _create_session(self, params):
        unknown = sorted(set(params) - SESSION_PARAMS)
        if unknown:
            raise StripeError(400, f"Received unknown parameter: {unknown[0]}", param=unknown[0])
        mode = params.get("mode")
        if mode != "payment":
            message = f"Invalid mode: {mode!r} (this fake Stripe only supports 'payment')."
            raise StripeError(
                400, message if mode else "Missing required param: mode.", param="mode"
            )
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise StripeError(400, "Missing required param: line_items.", param="line_items")
        line_items = [self._line_item(i, item) for i, item in enumerate(items)]
        currencies = {item["currency"] for item in line_items}
        if len(currencies) > 1:
            raise StripeError(400, "All line items must use the same currency.", param="line_items")
        if not params.get("success_url"):
            raise StripeError(400, "Missing required param: success_url.", param="success_url")
        metadata = params.get("metadata", {})
        if not isinstance(metadata, dict):
            raise StripeError(400, "Invalid object", param="metadata")
        now = self._now()
        expires_at = now + MAX_EXPIRY
        if params.get("expires_at") not in (None, ""):
            expires_at = _int(params["expires_at"], "expires_at")
            if expires_at > now + MAX_EXPIRY:
                raise StripeError(
                    400,
                    "The `expires_at` timestamp must be less than 24 hours from Checkout Session "
                    "creation.",
                    param="expires_at",
                )
            if expires_at < now + MIN_EXPIRY:
                raise StripeError(
                    400,
                    "The `expires_at` timestamp must be at least 30 minutes from Checkout Session "
                    "creation.",
                    param="expires_at",
                )
        session_id = _new_id("cs")
        total = sum(item["amount_total"] for item in line_items)
        methods = params.get("payment_method_types") or params.get("allowed_payment_method_types")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currencies.pop(),
            "customer": None,
            "customer_details": None,
            "customer_email": params.get("customer_email"),
            "expires_at": expires_at,
            "livemode": False,
            "locale": params.get("locale"),
            "metadata": metadata,
            "mode": "payment",
            "payment_intent": None,
            "payment_method_types": methods or ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "url": f"{self.url}/checkout/{session_id}",
        }
        pi_data = params.get("payment_intent_data") or {}
        with self.lock:
            self.sessions[session_id] = session
            self.line_items[session_id] = line_items
            self._pi_data[session_id] = pi_data if isinstance(pi_data, dict) else {}
            return self._session_view(session, params.get("expand")), []

    def _line_item(self, index, item):
        where = f"line_items[{index}]"
        if not isinstance(item, dict):
            raise StripeError(400, "Invalid object", param=where)
        if "price" in item:
            message = "This fake Stripe only supports price_data, not saved prices."
            raise StripeError(400, message, param=f"{where}[price]")
        price_data = item.get("price_data")
        if not isinstance(price_data, dict):
            raise StripeError(400, f"Missing required param: {where}[price_data].", param=where)
        currency = str(price_data.get("currency") or "").lower()
        if not re.fullmatch(r"[a-z]{3}", currency):
            message = f"Missing required param: {where}[price_data][currency]."
            raise StripeError(400, message, param=f"{where}[price_data][currency]")
        if price_data.get("unit_amount") is None:
            message = f"Missing required param: {where}[price_data][unit_amount]."
            raise StripeError(400, message, param=f"{where}[price_data][unit_amount]")
        unit_amount = _int(price_data["unit_amount"], f"{where}[price_data][unit_amount]", 0)
        product = price_data.get("product_data")
        name = product.get("name") if isinstance(product, dict) else None
        if not name or not str(name).strip():
            message = f"Missing required param: {where}[price_data][product_data][name]."
            raise StripeError(400, message, param=f"{where}[price_data][product_data][name]")
        quantity = _int(item.get("quantity"), f"{where}[quantity]", 1)
        amount = unit_amount * quantity
        return {
            "id": _new_id("li"),
            "object": "item",
            "amount_discount": 0,
            "amount_subtotal": amount,
            "amount_tax": 0,
            "amount_total": amount,
            "currency": currency,
            "description": name,
            "price": {
                "id": _new_id("price"),
                "object": "price",
                "currency": currency,
                "product": _new_id("prod"),
                "type": "one_time",
                "unit_amount": unit_amount,
            },
            "quantity": quantity,
        }

    def _session_view(self, session, expand):
        """A copy of the session, with the expansions the site may ask for (lock held)."""
        view = copy.deepcopy(session)
        for path in expand or []:
            if path == "line_items":
                view["line_items"] = self._line_item_list(session["id"])
            elif path in ("payment_intent", "payment_intent.latest_charge"):
                pi = self.payment_intents.get(session["payment_intent"])
                if pi is not None:
                    view["payment_intent"] = self._pi_view(pi, [path.partition(".")[2]])
            else:
                raise StripeError(
                    400, f"This property cannot be expanded ({path}).", param="expand"
                )
        return view

    def _pi_view(self, pi, expand):
        view = copy.deepcopy(pi)
        for path in expand or []:
            if path == "latest_charge" and pi["latest_charge"]:
                view["latest_charge"] = copy.deepcopy(self.charges[pi["latest_charge"]])
            elif path:
                raise StripeError(
                    400, f"This property cannot be expanded ({path}).", param="expand"
                )
        return view

    def _line_item_list(self, session_id):
        return {
            "object": "list",
            "data": copy.deepcopy(self.line_items[session_id]),
            "has_more": False,
            "url": f"/v1/checkout/sessions/{session_id}/line_items",
        }

    def _find(self, store, kind, object_id, param="id"):
        found = store.get(object_id)
        if found is None:
            message = f"No such {kind}: '{object_id}'"
            raise StripeError(404, message, code="resource_missing", param=param)
        return found

    def _get_session(self, session_id, params):
        with self.lock:
            session = self._find(self.sessions, "checkout.session", session_id)
            return self._session_view(session, params.get("expand")), []

    def _get_line_items(self, session_id, params):
        with self.lock:
            self._find(self.sessions, "checkout.session", session_id)
            return self._line_item_list(session_id), []

    def _expire_session(self, session_id, params):
        with self.lock:
            session = self._find(self.sessions, "checkout.session", session_id)
            if session["status"] != "open":
                message = (
                    'Only Checkout Sessions with a status in ["open"] can be expired. This '
                    f'Checkout Session has a status of "{session["status"]}".'
                )
                raise StripeError(400, message)
            event = self._expire_locked(session)
            return self._session_view(session, params.get("expand")), [event]

    def _get_payment_intent(self, pi_id, params):
        with self.lock:
            pi = self._find(self.payment_intents, "payment_intent", pi_id, "intent")
            return self._pi_view(pi, params.get("expand")), []

    def _get_charge(self, charge_id, params):
        with self.lock:
            return copy.deepcopy(self._find(self.charges, "charge", charge_id)), []

    def _get_refund(self, refund_id, params):
        with self.lock:
            return copy.deepcopy(self._find(self.refunds, "refund", refund_id)), []

    def _get_event(self, event_id, params):
        with self.lock:
            events = {event["id"]: event for event in self.events}
            return copy.deepcopy(self._find(events, "event", event_id)), []

    def _create_refund(self, params):
        unknown = sorted(set(params) - REFUND_PARAMS)
        if unknown:
            raise StripeError(400, f"Received unknown parameter: {unknown[0]}", param=unknown[0])
        reason = params.get("reason")
        if reason and reason not in REFUND_REASONS:
            raise StripeError(
                400, f"Invalid reason: must be one of {sorted(REFUND_REASONS)}", param="reason"
            )
        metadata = params.get("metadata", {})
        if not isinstance(metadata, dict):
            raise StripeError(400, "Invalid object", param="metadata")
        with self.lock:
            charge = self._charge_to_refund(params.get("payment_intent"), params.get("charge"))
            remaining = charge["amount"] - charge["amount_refunded"]
            if remaining <= 0:
                message = f"Charge {charge['id']} has already been refunded."
                raise StripeError(400, message, code="charge_already_refunded")
            amount = remaining
            if params.get("amount") not in (None, ""):
                amount = _int(params["amount"], "amount", 1)
            if amount > remaining:
                currency = charge["currency"]
                message = (
                    f"Refund amount ({format_amount(amount, currency)}) is greater than unrefunded "
                    f"amount on charge ({format_amount(remaining, currency)})"
                )
                raise StripeError(400, message, param="amount")
            refund = {
                "id": _new_id("re"),
                "object": "refund",
                "amount": amount,
                "charge": charge["id"],
                "created": self._now(),
                "currency": charge["currency"],
                "metadata": metadata,
                "payment_intent": charge["payment_intent"],
                "reason": reason or None,
                "status": "succeeded",
            }
            self.refunds[refund["id"]] = refund
            previous = {
                "amount_refunded": charge["amount_refunded"],
                "refunded": charge["refunded"],
            }
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            event = self._event("charge.refunded", charge, previous)
            return copy.deepcopy(refund), [event]

    def _charge_to_refund(self, pi_id, charge_id):
        if not pi_id and not charge_id:
            raise StripeError(400, "One of `charge` or `payment_intent` is required.")
        if pi_id:
            pi = self._find(self.payment_intents, "payment_intent", pi_id, "payment_intent")
            if not pi["latest_charge"]:
                message = f"PaymentIntent {pi_id} does not have a successful charge to refund."
                raise StripeError(400, message, param="payment_intent")
            if charge_id and charge_id != pi["latest_charge"]:
                message = "The charge does not belong to this PaymentIntent."
                raise StripeError(400, message, param="charge")
            charge_id = pi["latest_charge"]
        return self._find(self.charges, "charge", charge_id, "charge")

    # -- hosted checkout ---------------------------------------------------------------------

    def handle_checkout(self, method, session_id, action):
        """Answer the hosted page: ``(status, html or None, redirect or None, events)``.

        Webhooks are delivered by the caller *before* the buyer is redirected, so the site's
        success page usually finds the order paid; the site must not rely on that, since Stripe
        does not promise it.
        """
        with self.lock:
            events = self._expire_overdue_locked()
            session = self.sessions.get(session_id)
            if session is None:
                return 404, _page(None, [], "Session de paiement introuvable.", None), None, events
            if method == "GET" and action == "":
                return 200, self._render(session), None, events
            if method != "POST" or action not in _ACTIONS:
                return 405, self._render(session, "Action inconnue."), None, events
            status, error, redirect, new = getattr(self, _ACTIONS[action])(session)
            page = None if redirect else self._render(session, error)
            return status, page, redirect, events + new

    def _render(self, session, error=None):
        return _page(session, self.line_items[session["id"]], error, self._pi_for(session))

    def _pi_for(self, session):
        return self.payment_intents.get(session["payment_intent"])

    def _not_open(self, session):
        return 409, "Cette session de paiement n’est plus ouverte.", None, []

    def _success_url(self, session):
        return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])

    def _make_intent(self, session, status):
        pi = {
            "id": _new_id("pi"),
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_received": 0,
            "created": self._now(),
            "currency": session["currency"],
            "latest_charge": None,
            "livemode": False,
            "metadata": copy.deepcopy(self._pi_data[session["id"]].get("metadata") or {}),
            "status": status,
        }
        self.payment_intents[pi["id"]] = pi
        email = session["customer_email"] or "acheteur.demo@example.com"
        session.update(status="complete", payment_intent=pi["id"], url=None)
        session["customer_details"] = {"email": email, "name": "Acheteur démo"}
        return pi

    def _charge(self, session, pi):
        charge = {
            "id": _new_id("ch"),
            "object": "charge",
            "amount": pi["amount"],
            "amount_captured": pi["amount"],
            "amount_refunded": 0,
            "captured": True,
            "created": self._now(),
            "currency": pi["currency"],
            "livemode": False,
            "metadata": copy.deepcopy(pi["metadata"]),
            "paid": True,
            "payment_intent": pi["id"],
            "refunded": False,
            "status": "succeeded",
        }
        self.charges[charge["id"]] = charge
        pi.update(status="succeeded", amount_received=pi["amount"], latest_charge=charge["id"])
        session["payment_status"] = "paid"

    def _pay(self, session):
        if session["status"] != "open":
            return self._not_open(session)
        self._charge(session, self._make_intent(session, "processing"))
        event = self._event("checkout.session.completed", session)
        return 303, None, self._success_url(session), [event]

    def _pay_later(self, session):
        if session["status"] != "open":
            return self._not_open(session)
        self._make_intent(session, "processing")
        event = self._event("checkout.session.completed", session)
        return 303, None, self._success_url(session), [event]

    def _async_outcome(self, session, succeed):
        pi = self._pi_for(session)
        if pi is None or pi["status"] != "processing":
            return 409, "Aucun paiement différé en attente pour cette session.", None, []
        if succeed:
            self._charge(session, pi)
            event = self._event("checkout.session.async_payment_succeeded", session)
            return 200, None, None, [event]
        pi["status"] = "requires_payment_method"
        return 200, None, None, [self._event("checkout.session.async_payment_failed", session)]

    def _async_succeed(self, session):
        return self._async_outcome(session, True)

    def _async_fail(self, session):
        return self._async_outcome(session, False)

    def _decline(self, session):
        if session["status"] != "open":
            return self._not_open(session)
        return 402, "Votre carte a été refusée.", None, []

    def _cancel(self, session):
        if session["status"] != "open":
            return self._not_open(session)
        return 303, None, session["cancel_url"] or f"{self.url}/checkout/{session['id']}", []


_ACTIONS = {
    "pay": "_pay",
    "pay-later": "_pay_later",
    "decline": "_decline",
    "cancel": "_cancel",
    "async-succeed": "_async_succeed",
    "async-fail": "_async_fail",
}

_STYLE = """
body{font:1.125rem/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#f6f6f6}
main{max-width:36rem;margin:0 auto;padding:1rem}
.demo{background:#ffd400;border:4px solid #1a1a1a;padding:1rem;font-size:1.4rem;text-align:center}
.error{background:#fde8e8;border-left:6px solid #b00020;padding:.75rem;color:#7a0016}
.notice{background:#e8f0fe;border-left:6px solid #1a4fa0;padding:.75rem}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{padding:.5rem;border-bottom:1px solid #ccc;text-align:left}
td.n,th.n{text-align:right}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1rem}
button{font:inherit;padding:.6rem 1.2rem;border:2px solid #1a1a1a;border-radius:.3rem;
background:#fff;cursor:pointer}
button.primary{background:#1a4fa0;border-color:#1a4fa0;color:#fff}
button:focus-visible{outline:3px solid #ff8c00;outline-offset:2px}
"""


def _page(session, items, error, pi):
    """The hosted checkout page: plain, accessible HTML, no scripts or external assets."""
    esc = html.escape
    parts = [
        '<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Paiement (MODE DÉMO)</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n"
        '<p class="demo" role="note"><strong>MODE DÉMO — aucun paiement réel</strong><br>'
        '<span lang="en">DEMO MODE — no real payment</span></p>\n'
        "<h1>Paiement simulé</h1>\n"
    ]
    if error:
        parts.append(f'<p class="error" role="alert">{esc(error)}</p>\n')
    if session is None:
        parts.append("</main>\n</body>\n</html>\n")
        return "".join(parts)
    currency = session["currency"]
    rows = "".join(
        f'<tr><td>{esc(item["description"])}</td><td class="n">{item["quantity"]}</td>'
        f'<td class="n">{format_amount(item["amount_total"], currency)}</td></tr>\n'
        for item in items
    )
    total = format_amount(session["amount_total"], currency)
    parts.append(
        '<table>\n<caption>Votre commande</caption>\n<thead><tr><th scope="col">Article</th>'
        '<th scope="col" class="n">Quantité</th><th scope="col" class="n">Montant</th></tr></thead>'
        f'\n<tbody>\n{rows}</tbody>\n<tfoot><tr><th scope="row" colspan="2">Total</th>'
        f'<td class="n"><strong>{total}</strong></td></tr></tfoot>\n</table>\n'
    )
    base = f"/checkout/{quote(session['id'])}"

    def button(action, label, primary=False):
        css = ' class="primary"' if primary else ""
        return (
            f'<form method="post" action="{base}/{action}">'
            f'<button type="submit"{css}>{label}</button></form>\n'
        )

    if session["status"] == "open":
        parts += [
            '<p>Choisissez le résultat à simuler. <span lang="en">Choose the outcome to '
            "simulate.</span></p>\n",
            '<div class="actions">\n',
            button("pay", "Payer", primary=True),
            button("decline", "Refuser la carte"),
            button("pay-later", "Paiement différé"),
            button("cancel", "Annuler"),
            "</div>\n",
        ]
    elif session["status"] == "expired":
        parts.append(
            '<p class="notice" role="status">Cette session de paiement a expiré. Retournez sur '
            'le site pour recommencer. <span lang="en">This checkout session has expired.</span>'
            "</p>\n"
        )
    elif pi is not None and pi["status"] == "processing":
        parts += [
            '<p class="notice" role="status">Paiement différé en attente de confirmation. '
            '<span lang="en">Delayed payment pending.</span></p>\n<div class="actions">\n',
            button("async-succeed", "Confirmer le paiement différé", primary=True),
            button("async-fail", "Faire échouer le paiement différé"),
            "</div>\n",
        ]
    else:
        outcome = "a réussi" if session["payment_status"] == "paid" else "a échoué"
        english = "succeeded" if session["payment_status"] == "paid" else "failed"
        parts.append(
            f'<p class="notice" role="status">Ce paiement est terminé : il {outcome}. '
            f'<span lang="en">This payment is over: it {english}.</span></p>\n'
        )
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Stripe does not follow redirects from a webhook endpoint: a 3xx is a failed delivery."""

    def redirect_request(self, *args, **kwargs):
        return None


# No proxies: the webhook endpoint is local, and an http_proxy variable must not capture it.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the library's HTTP client expects
    server_version = "FakeStripe/1.0"

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def log_message(self, format, *args):
        if self.server.fake.verbose:
            super().log_message(format, *args)

    def _dispatch(self, method):
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        url = urlsplit(self.path)
        try:
            if url.path.startswith("/checkout/"):
                session_id, _, action = url.path[len("/checkout/") :].partition("/")
                status, page, redirect, events = fake.handle_checkout(method, session_id, action)
                fake._deliver_all(events)  # before the buyer comes back to the site
                if redirect:
                    location = quote(redirect, safe=":/?#[]@!$&'()*+,;=%~")
                    self._send(303, b"", "text/plain", {"Location": location})
                else:
                    self._send(status, page.encode(), "text/html; charset=utf-8")
                return
            if url.path.startswith("/v1/"):
                status, result, extra, events = fake.handle_api(
                    method, url.path, url.query, body, self.headers
                )
            else:
                error = _unrecognized(method, url.path)
                status, result, extra, events = error.status, error.body, {}, []
        except Exception as exc:  # a bug here must come back as Stripe's 500, not a hang
            status, extra, events = 500, {}, []
            result = {"error": {"type": "api_error", "message": f"Fake Stripe bug: {exc!r}"}}
        extra.setdefault("Request-Id", "req_" + secrets.token_hex(7))
        extra["Stripe-Version"] = fake.api_version
        # API-triggered events go out after the response, as with Stripe: the caller may
        # still hold a database transaction that the webhook handler would wait for.
        try:
            self._send(status, json.dumps(result, indent=2).encode(), "application/json", extra)
            fake._deliver_all(events)
        finally:
            fake._delivered_later(len(events))

    def _send(self, status, payload, content_type, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()


def main(argv=None):
    """Serve forever: ``python -m orders.fake_stripe --port 12111 --webhook-url …``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", default=os.environ.get("FAKE_STRIPE_WEBHOOK_URL"))
    parser.add_argument(
        "--webhook-secret",
        default=os.environ.get("STRIPE_WEBHOOK_SECRET"),
        help="signing secret (default: $STRIPE_WEBHOOK_SECRET, which keeps it out of `ps`)",
    )
    parser.add_argument("--api-key-prefix", default="sk_test_")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)
    fake = FakeStripe(
        args.host, args.port, args.webhook_url, args.webhook_secret, args.api_key_prefix
    )
    fake.verbose = not args.quiet
    fake.start()
    print(f"Fake Stripe on {fake.url} (webhooks → {fake.webhook_url or 'none'})", flush=True)
    try:
        fake._thread.join()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
