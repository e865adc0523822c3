"""The ``/v1`` API: authentication, parameters checked against the pinned API version,
idempotency keys, and the endpoints the site uses."""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import time

from devtools.stripe_spec import schema

from . import objects
from .wire import StripeError, decode_form, format_amount, new_id, parse_int, unrecognized

MIN_EXPIRY = 30 * 60  # Stripe: expires_at is 30 minutes to 24 hours after creation.
MAX_EXPIRY = 24 * 60 * 60

# How each kind of schema problem comes back from Stripe (code, when Stripe gives one).
_PROBLEM_CODES = {
    "unknown": "parameter_unknown",
    "missing": "parameter_missing",
    "invalid_integer": "parameter_invalid_integer",
}


# Stripe's minimum charge per currency, in cents (docs.stripe.com/currencies#minimum-and-maximum-
# charge-amounts): a Checkout Session for less is refused.
MINIMUM_CHARGE = {"cad": 50, "usd": 50, "eur": 50, "gbp": 30}


class ApiMixin:
    """The part of FakeStripe that answers ``/v1`` requests (see ``handle_api``)."""

    _ROUTES = [
        ("POST", r"/v1/checkout/sessions", "_create_session"),
        ("GET", r"/v1/checkout/sessions/(?P<id>[^/]+)", "_get_session"),
        ("GET", r"/v1/checkout/sessions/(?P<id>[^/]+)/line_items", "_get_line_items"),
        ("POST", r"/v1/checkout/sessions/(?P<id>[^/]+)/expire", "_expire_session"),
        ("GET", r"/v1/payment_intents/(?P<id>[^/]+)", "_get_payment_intent"),
        ("GET", r"/v1/charges/(?P<id>[^/]+)", "_get_charge"),
        ("POST", r"/v1/refunds", "_create_refund"),
        ("GET", r"/v1/refunds/(?P<id>[^/]+)", "_get_refund"),
        ("GET", r"/v1/disputes/(?P<id>[^/]+)", "_get_dispute"),
        ("GET", r"/v1/events", "_list_events"),
        ("GET", r"/v1/events/(?P<id>[^/]+)", "_get_event"),
    ]

    def handle_api(self, method, path, query, body, headers):
        """Answer one ``/v1`` request: ``(status, body, extra headers, events to deliver)``.

        Every request is recorded in ``requests`` (method, path, decoded parameters,
        idempotency key, Stripe-Version, status and the answer), which the contract test checks
        against Stripe's description.
        """
        request_id = "req_" + secrets.token_hex(7)
        idempotency_key = headers.get("Idempotency-Key")
        record = {
            "method": method,
            "path": path,
            "params": None,
            "idempotency_key": idempotency_key,
            "stripe_version": headers.get("Stripe-Version"),
            "status": None,
            "response": None,
        }
        with self.lock:
            events = self._run_due_locked()
        self._local.request = {"id": request_id, "idempotency_key": idempotency_key}
        try:
            api_key = self._authenticate(headers.get("Authorization") or "")
            params = decode_form(body if method == "POST" else query)
            record["params"] = params
            handler, args = self._route(method, path)
            self._check_params(method, path, params)
            if method == "POST" and idempotency_key:
                status, result, extra, new = self._idempotent(
                    (api_key, idempotency_key), (method, path, params), handler, args, params
                )
            else:
                result, new = handler(*args, params)
                status, extra = 200, {}
        except StripeError as exc:
            status, result, extra, new = exc.status, exc.body, {}, []
        finally:
            self._local.request = None
        extra["Request-Id"] = request_id
        record.update(status=status, response=copy.deepcopy(result))
        with self.lock:  # counted before the response leaves, so wait_for_webhooks cannot miss
            self.requests.append(record)
            self._pending += len(events) + len(new)
            if method != "GET" or events:
                self._save_locked()
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
            raise StripeError(401, f"Invalid API Key provided: {masked}")
        return key

    def _route(self, method, path):
        for route_method, pattern, name in self._ROUTES:
            match = re.fullmatch(pattern, path)
            if match and route_method == method:
                return getattr(self, name), tuple(match.groupdict().values())
        raise unrecognized(method, path)

    def _check_params(self, method, path, params):
        """Refuse, as Stripe does, what the pinned API version does not accept.

        The description comes from Stripe (devtools/stripe_spec/stripe-api-subset.json): a
        parameter the version does not have (``payment_method_types`` on Checkout Session
        create) is ``parameter_unknown``, at any depth.
        """
        key = schema.endpoint(method, path)
        if key is None:
            return
        problems = schema.form_problems(schema.request_schema(key), params)
        if problems:
            first = problems[0]
            code = _PROBLEM_CODES.get(first.kind)
            raise StripeError(400, first.message, code=code, param=first.param or None)

    def _idempotent(self, slot, request, handler, args, params):
        """Replay the first response for a key, reject it with other parameters.

        As with Stripe, a request rejected by validation is not saved (it can be retried with
        the same key); what the endpoint answered, success or refusal, is. A key still in flight
        gets a 409
        ``idempotency_key_in_use`` (the library retries it), and the same key with other
        parameters an ``idempotency_error`` (IdempotencyError).
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
                    f"going through): {slot[1]}. Please try again later.",
                    code="idempotency_key_in_use",
                )
            replayed = {"Idempotent-Replayed": "true"}
            return saved.get("status", 200), copy.deepcopy(saved["response"]), replayed, []
        try:
            if self.latency:
                time.sleep(self.latency)  # Stripe's own processing time, for in-flight tests
            result, events = handler(*args, params)
        except StripeError as exc:
            with self.lock:
                if exc.kept:
                    self._idempotency[slot].update(status=exc.status, response=exc.body)
                else:
                    self._idempotency.pop(slot, None)
            raise
        except BaseException:
            with self.lock:
                self._idempotency.pop(slot, None)
            raise
        with self.lock:
            self._idempotency[slot]["response"] = copy.deepcopy(result)
        return 200, result, {}, events

    # -- Checkout Sessions -------------------------------------------------------------------

    def _create_session(self, params):
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
        if len({item["currency"] for item in line_items}) > 1:
            raise StripeError(400, "All line items must use the same currency.", param="line_items")
        currency = line_items[0]["currency"]
        total = sum(item["amount_total"] for item in line_items)
        minimum = MINIMUM_CHARGE.get(currency, 50)
        if total < minimum:
            raise StripeError(
                400,
                "The Checkout Session's total amount due must add up to at least "
                f"{format_amount(minimum, currency, english=True)} {currency}",
                code="amount_too_small",
            )
        if not params.get("success_url"):
            raise StripeError(400, "Missing required param: success_url.", param="success_url")
        now = self._now()
        expires_at = now + MAX_EXPIRY
        if params.get("expires_at") not in (None, ""):
            expires_at = parse_int(params["expires_at"], "expires_at")
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
        session_id = new_id("cs")
        allowed = params.get("allowed_payment_method_types") or ["card"]
        excluded = set(params.get("excluded_payment_method_types") or [])
        methods = [m for m in allowed if m not in excluded]
        if not methods:
            message = "No payment method is left once the excluded ones are removed."
            raise StripeError(400, message, param="excluded_payment_method_types")
        session = objects.checkout_session(
            session_id=session_id,
            params=params,
            line_items=line_items,
            now=now,
            expires_at=expires_at,
            url=f"{self.url}/checkout/{session_id}",
            methods=methods,
        )
        pi_data = params.get("payment_intent_data") or {}
        with self.lock:
            self.sessions[session_id] = session
            self.line_items[session_id] = line_items
            self._pi_data[session_id] = pi_data
            return self._session_view(session, params.get("expand")), []

    def _line_item(self, index, item):
        where = f"line_items[{index}]"
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
        unit_amount = parse_int(price_data["unit_amount"], f"{where}[price_data][unit_amount]", 0)
        product = price_data.get("product_data")
        name = product.get("name") if isinstance(product, dict) else None
        if not name or not str(name).strip():
            message = f"Missing required param: {where}[price_data][product_data][name]."
            raise StripeError(400, message, param=f"{where}[price_data][product_data][name]")
        quantity = parse_int(item.get("quantity"), f"{where}[quantity]", 1)
        return objects.line_item(
            name=name, currency=currency, unit_amount=unit_amount, quantity=quantity
        )

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
            elif path and path != "latest_charge":
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

    # -- other objects -----------------------------------------------------------------------

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

    def _get_dispute(self, dispute_id, params):
        with self.lock:
            return copy.deepcopy(self._find(self.disputes, "dispute", dispute_id)), []

    def _get_event(self, event_id, params):
        with self.lock:
            events = {event["id"]: event for event in self.events}
            return copy.deepcopy(self._find(events, "event", event_id)), []

    def _list_events(self, params):
        """Newest first, optionally of one ``type`` or several ``types``, up to ``limit`` (at
        most 100), one page after the event ``starting_after`` or before ``ending_before`` names,
        as the library's ``auto_paging_iter`` asks them."""
        limit = parse_int(params.get("limit") or 10, "limit", 1)
        if limit > 100:
            raise StripeError(400, "This value must be less than or equal to 100.", param="limit")
        wanted = set(params.get("types") or [])
        if params.get("type"):
            wanted.add(params["type"])
        with self.lock:
            found = [e for e in reversed(self.events) if not wanted or e["type"] in wanted]
            ids = [e["id"] for e in found]
            for cursor in ("starting_after", "ending_before"):
                if params.get(cursor) and params[cursor] not in ids:
                    message = f"No such event: '{params[cursor]}'"
                    raise StripeError(400, message, code="resource_missing", param=cursor)
            if params.get("ending_before"):  # the page just newer than the cursor
                newer = found[: ids.index(params["ending_before"])]
                page, more = newer[-limit:], len(newer) > limit
            else:
                if params.get("starting_after"):
                    found = found[ids.index(params["starting_after"]) + 1 :]
                page, more = found[:limit], len(found) > limit
            return {
                "object": "list",
                "data": copy.deepcopy(page),
                "has_more": more,
                "url": "/v1/events",
            }, []

    # -- refunds -----------------------------------------------------------------------------

    def _create_refund(self, params):
        with self.lock:
            charge = self._charge_to_refund(params.get("payment_intent"), params.get("charge"))
            self._refuse_disputed(charge)
            remaining = charge["amount"] - charge["amount_refunded"]
            if remaining <= 0:
                message = f"Charge {charge['id']} has already been refunded."
                raise StripeError(400, message, code="charge_already_refunded", kept=True)
            amount = remaining
            if params.get("amount") not in (None, ""):
                amount = parse_int(params["amount"], "amount", 1)
            if amount > remaining:
                currency = charge["currency"]
                message = (
                    f"Refund amount ({format_amount(amount, currency)}) is greater than unrefunded "
                    f"amount on charge ({format_amount(remaining, currency)})"
                )
                raise StripeError(400, message, param="amount")
            refund, events = self._refund_locked(
                charge,
                amount=amount,
                reason=params.get("reason") or None,
                metadata=params.get("metadata") or {},
            )
            return copy.deepcopy(refund), events

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

    def _refuse_disputed(self, charge):
        """A charge under dispute cannot be refunded; one whose dispute was lost is gone."""
        for dispute in self.disputes.values():
            if dispute["charge"] != charge["id"] or dispute["is_charge_refundable"]:
                continue
            if dispute["status"] == "lost":
                message = f"Charge {charge['id']} has been charged back; cannot issue a refund."
                raise StripeError(400, message, code="charge_disputed", kept=True)
            if dispute["status"] not in objects.DISPUTE_CLOSED:
                message = (
                    f"Charge {charge['id']} is disputed; it cannot be refunded until the "
                    "dispute is closed."
                )
                raise StripeError(400, message, code="refund_disputed_payment", kept=True)
