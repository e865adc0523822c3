"""The payment code against Stripe's own description of its API, offline (runs in CI).

The fake Stripe only proves the site works with the fake. Here every request the gateway sends
during the main payment flows (checkout, payment, refund, expiry, reconciliation, look-ups) is
recorded by the fake, over real HTTP, and checked against what Stripe publishes for the API
version the library pins: the OpenAPI description (repository stripe/openapi, cut down to
devtools/stripe_spec/stripe-api-subset.json by extract.py) and the stripe library's own typed
parameters. Every object the fake answers or sends in an event is checked against the same
description, for the fields the site reads. A parameter Stripe does not know, a wrong type or
a value outside an enum fails the test; so does an object field Stripe does not have.
"""

import json
import sys
import types
import typing
import urllib.error
import urllib.request
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import stripe
import typing_extensions
from stripe._request_options import RequestOptions

from devtools.fake_stripe import API_VERSION
from devtools.stripe_spec import extract, schema
from orders import services, stripe_gateway
from orders.models import OrderState, Payment
from tests.conftest import post_webhook

pytestmark = pytest.mark.django_db
D = Decimal


# -- the stripe library's typed parameters, read independently of extract.py ---------------

_OPTIONS = set(RequestOptions.__annotations__)
_WRAPPERS = {typing.NotRequired, typing.Required}


def _resolve(annotation, namespace):
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        annotation = eval(annotation, namespace)  # noqa: S307 — the library's own type hints
    return annotation


def typed_problems(cls, params, prefix=""):
    """Where form-decoded ``params`` do not fit one of the library's *Params TypedDicts."""
    namespace = sys.modules[cls.__module__].__dict__
    hints = {k: v for k, v in cls.__annotations__.items() if k not in _OPTIONS}
    problems = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        if key not in hints:
            problems.append(f"{name}: not a parameter of {cls.__name__}")
        else:
            problems += _value_problems(hints[key], value, name, namespace)
    return problems


def _value_problems(annotation, value, name, namespace):
    annotation = _resolve(annotation, namespace)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in _WRAPPERS:
        return _value_problems(args[0], value, name, namespace)
    if typing_extensions.is_typeddict(annotation):
        if not isinstance(value, dict):
            return [f"{name}: expected {annotation.__name__}"]
        return typed_problems(annotation, value, name)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if any(not _value_problems(a, value, name, namespace) for a in options):
            return []
        return [f"{name}: {value!r} fits none of {annotation}"]
    if origin in (typing.Literal, typing_extensions.Literal):
        return [] if value in args else [f"{name}: {value!r} not in {args}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{name}: expected a list"]
        return [
            p for i, v in enumerate(value) for p in _value_problems(args[0], v, name, namespace)
        ]
    if origin is dict or getattr(origin, "__name__", "") == "UntypedStripeObject":
        return [] if isinstance(value, dict) else [f"{name}: expected an object"]
    if annotation is int:
        return [] if isinstance(value, str) and value.lstrip("-").isdigit() else [f"{name}: int"]
    if annotation is bool:
        return [] if value in ("true", "false") else [f"{name}: expected true or false"]
    if annotation is str:
        return [] if isinstance(value, str) else [f"{name}: expected a string"]
    return []


def typed_params_class(key):
    dotted = schema.subset()["requests"][key]["typed_params"]
    module, _, name = dotted.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


# -- the flows -------------------------------------------------------------------------------


def press(url, action):
    """The buyer presses a button on the fake Stripe's hosted page."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
    try:
        opener.open(urllib.request.Request(f"{url}/{action}", data=b""), timeout=10)  # noqa: S310
    except urllib.error.HTTPError as exc:
        return exc.code
    return 200


@pytest.fixture
def run_flows(
    client, place, item, taxes_on, fake_stripe, admin_user, now, django_capture_on_commit_callbacks
):
    """Checkout, payment, partial refund, expiry, reconciliation and look-ups, as the site does
    them; then what Stripe does later (refund failing, dispute, delayed payment)."""

    def after_commit(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    def checkout(order):
        return after_commit(
            services.start_checkout,
            order,
            success_url=f"http://testserver{order.get_absolute_url()}?retour=paiement",
            cancel_url=f"http://testserver{order.get_absolute_url()}",
        )

    def deliver(event):
        response = after_commit(post_webhook, client, json.loads(json.dumps(event)))
        assert response.status_code == 200, response.content

    def run():
        paid = place((item, 2), language="en")
        assert press(checkout(paid), "pay") == 303
        deliver(fake_stripe.last_event("checkout.session.completed"))
        paid.refresh_from_db()
        assert paid.state == OrderState.PAID
        after_commit(services.refund, paid, D("10.00"), reason="Une place libérée", user=admin_user)
        assert paid.refunds.get().stripe_refund_id.startswith("re_")

        abandoned = place((item, 1))
        checkout(abandoned)
        abandoned.refresh_from_db()  # the checkout may have moved its hold
        after_commit(services.expire_order, abandoned, now=abandoned.expires_at)
        abandoned.refresh_from_db()
        assert abandoned.state == OrderState.EXPIRED

        missed = place((item, 1))
        assert press(checkout(missed), "pay") == 303  # its webhook never arrives
        Payment.objects.filter(order=missed).update(created_at=now - timedelta(minutes=15))
        assert after_commit(services.reconcile_pending_payments) == 1

        intent = paid.payments.get().stripe_payment_intent_id
        assert stripe_gateway.retrieve_payment_intent(intent).latest_charge.amount_refunded == 1000
        refund_id = paid.refunds.get().stripe_refund_id
        assert stripe_gateway.retrieve_refund(refund_id).status == "succeeded"

        # What Stripe does later: the shapes of the events the site must survive. (The fake's
        # clock moves; the site's does not, so every checkout happens before.)
        delayed = place((item, 1))
        session_id = urlsplit(checkout(delayed)).path.rsplit("/", 1)[1]
        fake_stripe.pay_later(session_id, outcome="failed", after=3 * 86400)
        fake_stripe.next_refund("pending", then="failed", after=86400)
        dashboard_refund = fake_stripe.refund_from_dashboard(intent, amount=500)
        fake_stripe.advance(3 * 86400)
        dispute = fake_stripe.dispute(intent, reason="fraudulent")
        assert stripe_gateway.retrieve_dispute(dispute["id"]).status == "needs_response"
        fake_stripe.update_dispute(dispute["id"])
        fake_stripe.close_dispute(dispute["id"], "lost")
        fake_stripe.appeal_dispute(dispute["id"])  # the pinned version's appeals
        fake_stripe.update_dispute(dispute["id"])
        fake_stripe.close_dispute(dispute["id"], "won")
        assert stripe_gateway.retrieve_dispute(dispute["id"]).status == "won"
        fake_stripe.dispute(missed.payments.get().stripe_payment_intent_id, status="prevented")
        return dashboard_refund

    return run


def test_every_request_the_gateway_sends_is_one_stripe_describes(run_flows, fake_stripe):
    run_flows()
    requests = list(fake_stripe.requests)
    sent = {schema.endpoint(r["method"], r["path"]) for r in requests}
    assert sent >= {
        "POST /v1/checkout/sessions",
        "GET /v1/checkout/sessions/{session}",
        "POST /v1/checkout/sessions/{session}/expire",
        "POST /v1/refunds",
        "GET /v1/payment_intents/{intent}",
        "GET /v1/refunds/{refund}",
        "GET /v1/disputes/{dispute}",
    }
    for request in requests:
        where = f"{request['method']} {request['path']}"
        key = schema.endpoint(request["method"], request["path"])
        assert key is not None, f"{where}: not an endpoint of the description"
        assert request["status"] == 200, (where, request["response"])
        assert request["stripe_version"] == stripe.api_version == API_VERSION, where
        params = request["params"]
        assert schema.form_problems(schema.request_schema(key), params) == [], where
        assert typed_problems(typed_params_class(key), params) == [], where

    create = next(r for r in requests if r["path"] == "/v1/checkout/sessions")
    # The site says which payment methods it accepts, with the pinned version's parameter.
    assert create["params"]["allowed_payment_method_types"] == ["card"]
    assert create["idempotency_key"]
    refund = next(r for r in requests if r["path"] == "/v1/refunds")
    assert refund["idempotency_key"] and refund["params"]["amount"] == "1000"


def test_every_object_answered_or_sent_is_shaped_as_stripe_describes(run_flows, fake_stripe):
    dashboard_refund = run_flows()
    answered = []
    for request in fake_stripe.requests:
        body = request["response"]
        items = body["data"] if body.get("object") == "list" else [body]
        answered += [(f"{request['method']} {request['path']}", item) for item in items]
    kinds = {item["object"] for _, item in answered}
    assert kinds >= {"checkout.session", "refund", "payment_intent", "dispute"}
    for where, item in answered:
        assert schema.object_problems(item, where=where) == []

    types_sent = {event["type"] for event in fake_stripe.events}
    assert types_sent >= {
        "checkout.session.completed",
        "checkout.session.expired",
        "checkout.session.async_payment_failed",
        "charge.refunded",
        "refund.created",
        "refund.updated",
        "refund.failed",
        "charge.refund.updated",
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
    }
    statuses = {
        e["data"]["object"]["status"]
        for e in fake_stripe.events
        if e["type"].startswith("charge.dispute.")
    }
    assert statuses >= {"appeal_needs_response", "appeal_under_review", "won", "prevented"}
    for event in fake_stripe.events:
        assert schema.object_problems(event, where=event["type"]) == []
    [created] = [e for e in dashboard_refund if e["type"] == "refund.created"]
    assert created["data"]["object"]["status"] == "pending"


def test_the_checks_catch_what_stripe_would_refuse(run_flows, fake_stripe):
    """The checks above are not vacuous: each kind of mistake is caught."""
    run_flows()
    create = next(r for r in fake_stripe.requests if r["path"] == "/v1/checkout/sessions")
    described = schema.request_schema("POST /v1/checkout/sessions")
    typed = typed_params_class("POST /v1/checkout/sessions")

    gone = dict(create["params"], payment_method_types=["card"])  # removed in the pinned version
    assert [p.kind for p in schema.form_problems(described, gone)] == ["unknown"]
    assert typed_problems(typed, gone) == [
        "payment_method_types: not a parameter of " + typed.__name__
    ]
    bad_enum = dict(create["params"], locale="fr-FR")
    assert [p.param for p in schema.form_problems(described, bad_enum)] == ["locale"]
    bad_type = json.loads(json.dumps(create["params"]))
    bad_type["line_items"][0]["quantity"] = "two"
    assert [p.kind for p in schema.form_problems(described, bad_type)] == ["invalid_integer"]
    assert typed_problems(typed, bad_type) != []

    session = next(r["response"] for r in fake_stripe.requests if r is create)
    wrong = dict(session, payment_status="done", amount_total="57.49", colour="red")
    problems = schema.object_problems(wrong)
    assert any(".payment_status" in p for p in problems)
    assert any(".amount_total" in p for p in problems)
    assert any(".colour" in p for p in problems)
    event = dict(fake_stripe.events[0], type="refund.lost")
    assert any("not an event type" in p for p in schema.object_problems(event))

    # And the fake refuses such a request as Stripe does, in Stripe's error shape.
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": fake_stripe.url})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params=gone)
    error = fake_stripe.requests[-1]["response"]["error"]
    assert error["code"] == "parameter_unknown"
    assert schema.object_problems(error, "api_errors") == []


def test_the_description_says_where_it_comes_from_and_matches_the_library():
    about = schema.subset()["_about"]
    assert about["source"] == "https://github.com/stripe/openapi"
    assert about["pinned_api_version"] == stripe.api_version == API_VERSION
    assert stripe.VERSION in about["pinned_by"]
    assert "extract" in about["refresh"]


def test_the_committed_description_is_what_extract_produces():
    """Refreshing the extract from the same sources changes nothing (nobody edited it by hand)."""
    if not (extract.SHARED / "openapi-spec3.json").exists():
        pytest.skip(f"Stripe's description is not at {extract.SHARED} on this machine")
    spec = json.loads((extract.SHARED / "openapi-spec3.json").read_text(encoding="utf-8"))
    fixtures = json.loads((extract.SHARED / "fixtures3.json").read_text(encoding="utf-8"))
    fresh = extract.extract(spec, fixtures, extract.SPEC_COMMIT, extract.FIXTURES_COMMIT)
    assert json.loads(json.dumps(fresh)) == schema.subset()
