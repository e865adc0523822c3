"""The fake Stripe, exercised through the official ``stripe`` library over real HTTP.

If the library accepts what the fake answers (objects, errors, webhook signatures), the site's
payment code, which uses the same library, can trust it in tests and in the demo.
"""

import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from devtools.fake_stripe import DAY, FakeStripe, StateFileBusy, decode_form, sign_payload

SECRET = "whsec_test_fake_secret"


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((body, self.headers.get("Stripe-Signature")))
        if self.server.on_event:
            self.server.on_event(json.loads(body))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    """A stand-in for the site's webhook endpoint, recording what it is sent."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received, server.status, server.on_event = [], 200, None
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}/payments/stripe/webhook/"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake(receiver):
    with FakeStripe(webhook_url=receiver.url, webhook_secret=SECRET) as fake:
        yield fake


@pytest.fixture
def client(fake):
    return stripe.StripeClient("sk_test_fake", base_addresses={"api": fake.url})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def browse(url, post=False):
    """GET or POST like a browser without following redirects: (status, headers, body)."""
    request = urllib.request.Request(url, data=b"" if post else None)
    try:
        with _OPENER.open(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def verified_events(receiver):
    """Every webhook received, checked the way the site checks them."""
    return [stripe.Webhook.construct_event(body, sig, SECRET) for body, sig in receiver.received]


def new_session(client, idempotency_key=None, **extra):
    params = {
        "mode": "payment",
        "success_url": "https://cesiq.example/merci/?session_id={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://cesiq.example/panier/",
        "customer_email": "marie@example.com",
        "client_reference_id": "ORD-42",
        "locale": "fr-CA",
        "metadata": {"order": "ABC"},
        "payment_intent_data": {"metadata": {"order": "ABC"}},
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "cad",
                    "unit_amount": 1250,
                    "product_data": {"name": "Billet — Atelier"},
                },
            },
            {
                "quantity": 2,
                "price_data": {
                    "currency": "cad",
                    "unit_amount": 625,
                    "product_data": {"name": "Café équitable"},
                },
            },
        ],
        **extra,
    }
    options = {"idempotency_key": idempotency_key} if idempotency_key else {}
    return client.v1.checkout.sessions.create(params=params, options=options)


def test_decode_form_matches_the_library_encoding():
    body = (
        "line_items[0][price_data][unit_amount]=1250&line_items[0][quantity]=1"
        "&line_items[1][quantity]=2&metadata[order]=ABC&metadata[0]=kept"
        "&payment_method_types[0]=card&expand[]=line_items"
    )
    assert decode_form(body) == {
        "line_items": [{"price_data": {"unit_amount": "1250"}, "quantity": "1"}, {"quantity": "2"}],
        "metadata": {"order": "ABC", "0": "kept"},
        "payment_method_types": ["card"],
        "expand": ["line_items"],
    }


def test_create_and_retrieve_a_session(client, fake):
    session = new_session(client)
    assert re.fullmatch(r"cs_test_[0-9A-Za-z]{58}", session.id)
    assert session.object == "checkout.session"
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert (session.amount_total, session.currency) == (2500, "cad")
    assert session.metadata.to_dict() == {"order": "ABC"}
    assert session.client_reference_id == "ORD-42"
    assert session.url == f"{fake.url}/checkout/{session.id}"
    assert session.payment_intent is None
    assert session.expires_at - session.created == 24 * 3600

    again = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["line_items"]})
    assert again.id == session.id
    items = again.line_items.data
    assert [(i.description, i.quantity, i.amount_total) for i in items] == [
        ("Billet — Atelier", 1, 1250),
        ("Café équitable", 2, 1250),
    ]
    listed = client.v1.checkout.sessions.line_items.list(session.id)
    assert [i.price.unit_amount for i in listed.data] == [1250, 625]


@pytest.mark.parametrize("offset", [29 * 60, 24 * 3600 + 120])
def test_expires_at_out_of_range_is_rejected(client, fake, offset):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        new_session(client, expires_at=int(fake.clock()) + offset)
    assert caught.value.param == "expires_at"
    assert new_session(client, expires_at=int(fake.clock()) + 31 * 60).status == "open"


def test_invalid_line_items_are_rejected(client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        new_session(client, line_items=[{"quantity": 0, "price_data": {"currency": "cad"}}])
    assert caught.value.param == "line_items[0][price_data][unit_amount]"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        new_session(client, mode="subscription")
    assert caught.value.param == "mode"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        new_session(client, sucess_url="typo")
    assert caught.value.param == "sucess_url"


def test_a_missing_or_wrong_key_is_refused(fake):
    for key in ("", "pk_test_public", "sk_live_real"):
        bad = stripe.StripeClient(key, base_addresses={"api": fake.url})
        with pytest.raises(stripe.AuthenticationError):
            bad.v1.checkout.sessions.retrieve("cs_test_x")
    status, _, body = browse(f"{fake.url}/v1/checkout/sessions/cs_test_x")
    assert status == 401
    assert json.loads(body)["error"]["type"] == "invalid_request_error"


def test_idempotency_key_replays_and_guards_parameters(client, fake):
    params = {
        "mode": "payment",
        "success_url": "https://cesiq.example/merci/",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "cad",
                    "unit_amount": 500,
                    "product_data": {"name": "T"},
                },
            }
        ],
    }
    first = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "ord-1"})
    replay = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "ord-1"})
    assert replay.id == first.id
    assert replay.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(fake.sessions) == 1

    params["line_items"][0]["quantity"] = 2
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "ord-1"})
    other = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "ord-2"})
    assert other.id != first.id


def test_a_refusal_by_the_endpoint_is_replayed_for_its_key(client, fake):
    """Stripe keeps what an endpoint answered for the key, a refusal included (only a request
    refused by validation may be tried again with the same key): the same refund asked again
    once the dispute is won gets the same refusal, marked replayed; a new key is a new try."""
    intent = pay(fake, client)
    dispute = fake.dispute(intent)
    key = {"idempotency_key": "refund-1"}
    with pytest.raises(stripe.InvalidRequestError) as first:
        client.v1.refunds.create(params={"payment_intent": intent}, options=key)
    assert first.value.code == "refund_disputed_payment"
    fake.close_dispute(dispute["id"], "won")
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create(params={"payment_intent": intent}, options=key)
    assert again.value.code == "refund_disputed_payment"
    assert again.value.headers["Idempotent-Replayed"] == "true"
    assert fake.refunds == {}
    refund = client.v1.refunds.create(
        params={"payment_intent": intent}, options={"idempotency_key": "refund-2"}
    )
    assert refund.status == "succeeded"
    # A request refused by validation is not kept: the same key works once it is right.
    other, key = pay(fake, client), {"idempotency_key": "refund-3"}
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": other, "amout": 100}, options=key)
    assert caught.value.code == "parameter_unknown"
    refund = client.v1.refunds.create(params={"payment_intent": other, "amount": 100}, options=key)
    assert refund.amount == 100 and "Idempotent-Replayed" not in refund.last_response.headers


def test_a_session_below_the_minimum_charge_is_refused(client):
    """Stripe refuses a Checkout Session under its minimum charge (0,50 $ CAD)."""
    line = {
        "quantity": 1,
        "price_data": {"currency": "cad", "unit_amount": 25, "product_data": {"name": "T"}},
    }
    with pytest.raises(stripe.InvalidRequestError) as caught:
        new_session(client, line_items=[line])
    assert caught.value.code == "amount_too_small"
    assert "$0.50 cad" in caught.value.user_message
    line["price_data"]["unit_amount"] = 50
    assert new_session(client, line_items=[line]).amount_total == 50


def test_events_are_listed_page_by_page(client, fake):
    for _ in range(3):
        client.v1.checkout.sessions.expire(new_session(client).id)
    every = [e["id"] for e in reversed(fake.events)]
    assert len(every) >= 3
    first = client.v1.events.list(params={"limit": 2})
    assert [e.id for e in first.data] == every[:2] and first.has_more
    pages = client.v1.events.list(params={"limit": 2}).auto_paging_iter()
    paged = [e.id for e in itertools.islice(pages, len(every) + 1)]  # a loop would not end
    assert paged == every
    before = client.v1.events.list(params={"limit": 1, "ending_before": every[2]})
    assert [e.id for e in before.data] == [every[1]] and before.has_more
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.events.list(params={"limit": 101})


def test_unknown_ids_and_paths_are_404(client, fake):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.retrieve("cs_test_nope")
    assert (caught.value.code, caught.value.param, caught.value.http_status) == (
        "resource_missing",
        "id",
        404,
    )
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.retrieve("pi_test_nope")
    status, _, body = browse(f"{fake.url}/nowhere")
    assert status == 404
    assert "Unrecognized request URL" in json.loads(body)["error"]["message"]


def test_hosted_page_is_labelled_demo_and_shows_the_total(client):
    session = new_session(client)
    status, headers, page = browse(session.url)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert '<html lang="fr">' in page
    assert "MODE DÉMO — aucun paiement réel" in page
    assert '<span lang="en">DEMO MODE — no real payment</span>' in page
    assert "25,00\u00a0$" in page
    assert "Café équitable" in page
    for action in ("pay", "decline", "pay-later", "cancel"):
        assert f'action="/checkout/{session.id}/{action}"' in page
    assert "<script" not in page


def test_pay_sends_a_signed_completed_event_then_redirects(client, fake, receiver):
    session = new_session(client)
    status, headers, _ = browse(f"{fake.url}/checkout/{session.id}/pay", post=True)
    assert status == 303
    assert headers["Location"] == f"https://cesiq.example/merci/?session_id={session.id}"

    [event] = verified_events(receiver)
    assert event.type == "checkout.session.completed"
    assert re.fullmatch(r"evt_[0-9A-Za-z]{24}", event.id)
    paid = event.data.object
    assert (paid.id, paid.payment_status, paid.status) == (session.id, "paid", "complete")
    assert paid.metadata["order"] == "ABC"

    intent = client.v1.payment_intents.retrieve(paid.payment_intent)
    assert (intent.status, intent.amount_received, intent.currency) == ("succeeded", 2500, "cad")
    assert re.fullmatch(r"ch_[0-9A-Za-z]{24}", intent.latest_charge)
    assert intent.metadata["order"] == "ABC"
    assert fake.deliveries[-1]["status"] == 200

    # A second payment of the same session is refused, and the page says it is over.
    status, _, page = browse(f"{fake.url}/checkout/{session.id}/pay", post=True)
    assert status == 409
    assert "Payer</button>" not in page
    assert len(receiver.received) == 1


def test_forged_or_stale_signatures_fail_verification(client, fake, receiver):
    new_session(client)
    body = json.dumps({"id": "evt_forged", "object": "event", "type": "x", "data": {}})
    good = sign_payload(body.encode(), SECRET)
    assert stripe.Webhook.construct_event(body, good, SECRET).id == "evt_forged"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, sign_payload(body, "whsec_other"), SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, sign_payload(body, SECRET, timestamp=1), SECRET)


def test_pay_later_then_async_success(client, fake, receiver):
    session = new_session(client)
    status, headers, _ = browse(f"{fake.url}/checkout/{session.id}/pay-later", post=True)
    assert status == 303
    assert session.id in headers["Location"]
    waiting = client.v1.checkout.sessions.retrieve(session.id)
    assert (waiting.status, waiting.payment_status) == ("complete", "unpaid")
    assert client.v1.payment_intents.retrieve(waiting.payment_intent).status == "processing"

    status, _, page = browse(f"{fake.url}/checkout/{session.id}/async-succeed", post=True)
    assert status == 200
    completed, succeeded = verified_events(receiver)
    assert (completed.type, completed.data.object.payment_status) == (
        "checkout.session.completed",
        "unpaid",
    )
    assert succeeded.type == "checkout.session.async_payment_succeeded"
    assert succeeded.data.object.payment_status == "paid"
    intent = client.v1.payment_intents.retrieve(waiting.payment_intent)
    assert (intent.status, intent.amount_received) == ("succeeded", 2500)
    assert intent.latest_charge in fake.charges


def test_pay_later_then_async_failure(client, fake, receiver):
    session = new_session(client)
    browse(f"{fake.url}/checkout/{session.id}/pay-later", post=True)
    browse(f"{fake.url}/checkout/{session.id}/async-fail", post=True)
    types = [event.type for event in verified_events(receiver)]
    assert types == ["checkout.session.completed", "checkout.session.async_payment_failed"]
    failed = client.v1.checkout.sessions.retrieve(session.id)
    assert failed.payment_status == "unpaid"
    intent = client.v1.payment_intents.retrieve(failed.payment_intent)
    assert (intent.status, intent.latest_charge) == ("requires_payment_method", None)
    status, _, _ = browse(f"{fake.url}/checkout/{session.id}/async-succeed", post=True)
    assert status == 409


def test_hosted_page_speaks_english_when_the_site_asks_for_it(client, fake):
    """Real Stripe shows its page in the session's `locale`: an English buyer read « Payer »."""
    session = new_session(client, locale="en")
    status, _, page = browse(session.url)
    assert status == 200
    assert '<html lang="en">' in page
    assert "DEMO MODE — no real payment" in page
    assert '<span lang="fr">MODE DÉMO — aucun paiement réel</span>' in page
    assert "$25.00" in page and "25,00" not in page
    for label in (">Pay<", ">Decline the card<", ">Cancel<"):
        assert label in page
    assert ">Payer<" not in page
    status, _, page = browse(f"{fake.url}/checkout/{session.id}/decline", post=True)
    assert status == 402 and "Your card was declined." in page
    # A French session stays French once paid (its page of simulations after the payment).
    french = new_session(client)
    browse(f"{fake.url}/checkout/{french.id}/pay", post=True)
    status, _, page = browse(french.url)
    assert '<html lang="fr">' in page and "Ce paiement est terminé" in page


def test_decline_keeps_the_session_open_and_sends_nothing(client, fake, receiver):
    session = new_session(client)
    status, _, page = browse(f"{fake.url}/checkout/{session.id}/decline", post=True)
    assert status == 402
    assert "Votre carte a été refusée." in page
    assert 'role="alert"' in page
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert receiver.received == []
    assert fake.events == []


def test_cancel_goes_back_to_the_site_and_keeps_the_session_open(client, fake):
    session = new_session(client)
    status, headers, _ = browse(f"{fake.url}/checkout/{session.id}/cancel", post=True)
    assert (status, headers["Location"]) == (303, "https://cesiq.example/panier/")
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_expire_sends_an_event_and_blocks_payment(client, fake, receiver):
    session = new_session(client)
    expired = client.v1.checkout.sessions.expire(session.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert fake.wait_for_webhooks()  # API-triggered events follow the response, as at Stripe
    [event] = verified_events(receiver)
    assert (event.type, event.data.object.id) == ("checkout.session.expired", session.id)

    status, _, page = browse(f"{fake.url}/checkout/{session.id}/pay", post=True)
    assert status == 409
    assert "expiré" in page
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(session.id)
    assert fake.wait_for_webhooks()
    assert len(receiver.received) == 1


def test_sessions_expire_on_their_own_when_time_passes(client, fake, receiver):
    session = new_session(client, expires_at=int(fake.clock()) + 3600)
    fake.clock = lambda: session.expires_at
    [event] = fake.expire_overdue()
    assert event["type"] == "checkout.session.expired"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    assert [e.type for e in verified_events(receiver)] == ["checkout.session.expired"]


def test_refunds_are_cumulative_and_bounded(client, fake, receiver):
    session = new_session(client)
    browse(f"{fake.url}/checkout/{session.id}/pay", post=True)
    intent_id = client.v1.checkout.sessions.retrieve(session.id).payment_intent

    partial = client.v1.refunds.create(
        params={"payment_intent": intent_id, "amount": 1000, "reason": "requested_by_customer"}
    )
    assert (partial.object, partial.status, partial.amount) == ("refund", "succeeded", 1000)
    assert re.fullmatch(r"re_[0-9A-Za-z]{24}", partial.id)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 1501})
    assert caught.value.param == "amount"
    rest = client.v1.refunds.create(params={"payment_intent": intent_id})
    assert rest.amount == 1500
    assert client.v1.refunds.retrieve(rest.id).charge == partial.charge
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"charge": partial.charge, "amount": 1})
    assert caught.value.code == "charge_already_refunded"

    assert fake.wait_for_webhooks()
    refunds = [e for e in verified_events(receiver) if e.type == "charge.refunded"]
    charges = [e.data.object for e in refunds]
    assert [(c.amount_refunded, c.refunded) for c in charges] == [(1000, False), (2500, True)]
    assert {(c.id, c.payment_intent, c.amount, c.currency) for c in charges} == {
        (partial.charge, intent_id, 2500, "cad")
    }


def test_resend_delivers_the_same_event_again(client, fake, receiver):
    session = new_session(client)
    browse(f"{fake.url}/checkout/{session.id}/pay", post=True)
    receiver.status = 500
    record = fake.resend(fake.events[0]["id"])
    assert record["status"] == 500
    first, second = verified_events(receiver)
    assert first.id == second.id == fake.events[0]["id"]
    assert [d["status"] for d in fake.deliveries] == [200, 500]


def test_an_unreachable_endpoint_is_recorded_not_fatal(client, fake):
    fake.webhook_url = "http://127.0.0.1:9/unreachable/"
    session = new_session(client)
    status, _, _ = browse(f"{fake.url}/checkout/{session.id}/pay", post=True)
    assert status == 303
    assert fake.deliveries[-1]["status"] is None
    assert fake.deliveries[-1]["error"]


def test_the_webhook_handler_may_call_back_into_the_fake(client, fake, receiver):
    """The site's handler re-reads the session from Stripe: the fake must not hold its lock."""
    seen = []
    receiver.on_event = lambda event: seen.append(
        client.v1.checkout.sessions.retrieve(event["data"]["object"]["id"]).payment_status
    )
    session = new_session(client)
    status, _, _ = browse(f"{fake.url}/checkout/{session.id}/pay", post=True)
    assert (status, seen) == (303, ["paid"])


def test_a_key_still_in_flight_is_idempotency_key_in_use_and_the_library_retries(fake):
    """Stripe answers 409 idempotency_key_in_use while the first request with a key runs; the
    library (as the site configures it, with retries) waits and gets the first answer."""
    fake.latency = 0.6  # Stripe takes its time over the first request
    once = stripe.StripeClient(
        "sk_test_fake", base_addresses={"api": fake.url}, max_network_retries=0
    )
    patient = stripe.StripeClient(
        "sk_test_fake", base_addresses={"api": fake.url}, max_network_retries=2
    )
    first = {}
    thread = threading.Thread(target=lambda: first.update(s=new_session(once, "same")))
    thread.start()
    time.sleep(0.2)
    with pytest.raises(stripe.APIError) as caught:
        new_session(once, idempotency_key="same")
    error = caught.value
    assert error.http_status == 409
    assert (error.error.type, error.error.code) == (
        "invalid_request_error",
        "idempotency_key_in_use",
    )
    assert "another in-progress request" in error.error.message
    retried = new_session(patient, idempotency_key="same")
    thread.join()
    assert retried.id == first["s"].id
    assert len(fake.sessions) == 1


def test_a_parameter_the_pinned_version_lacks_is_parameter_unknown(client, fake):
    """stripe 16.1.0 pins 2026-10-28.endive, where Checkout Session create has
    allowed_payment_method_types and no longer payment_method_types."""
    with pytest.raises(stripe.InvalidRequestError) as caught:
        new_session(client, payment_method_types=["card"])
    error = caught.value
    assert (error.http_status, error.code, error.param) == (
        400,
        "parameter_unknown",
        "payment_method_types",
    )
    assert error.user_message == "Received unknown parameter: payment_method_types"
    assert error.error.doc_url == "https://stripe.com/docs/error-codes/parameter-unknown"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        new_session(
            client,
            line_items=[
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "cad",
                        "unit_amount": 100,
                        "product_data": {"name": "T", "colour": "red"},
                    },
                }
            ],
        )
    assert caught.value.param == "line_items[0][price_data][product_data][colour]"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        new_session(client, locale="fr-FR")
    assert caught.value.param == "locale"
    assert fake.sessions == {}

    session = new_session(client, allowed_payment_method_types=["card"])
    assert session.payment_method_types == ["card"]


def pay(fake, client, receiver=None):
    session = new_session(client)
    fake.pay(session.id)
    return client.v1.checkout.sessions.retrieve(session.id).payment_intent


def test_a_refund_can_stay_pending_then_fail(client, fake, receiver):
    intent = pay(fake, client)
    fake.next_refund("pending", then="failed", after=5 * DAY, failure_reason="lost_or_stolen_card")
    refund = client.v1.refunds.create(params={"payment_intent": intent, "amount": 1000})
    assert (refund.status, refund.amount) == ("pending", 1000)
    assert fake.wait_for_webhooks()
    charge = client.v1.charges.retrieve(refund.charge)
    assert (charge.amount_refunded, charge.refunded) == (1000, False)  # Stripe counts it already

    assert fake.advance(4 * DAY) == []
    events = fake.advance(DAY)
    assert [e["type"] for e in events] == [
        "refund.failed",
        "refund.updated",
        "charge.refund.updated",
    ]
    failed = client.v1.refunds.retrieve(refund.id)
    assert (failed.status, failed.failure_reason) == ("failed", "lost_or_stolen_card")
    assert events[1]["data"]["previous_attributes"]["status"] == "pending"
    assert client.v1.charges.retrieve(refund.charge).amount_refunded == 0  # the money came back
    received = [e.type for e in verified_events(receiver)]
    assert received == [
        "checkout.session.completed",
        "charge.refunded",
        "refund.created",
        "refund.failed",
        "refund.updated",
        "charge.refund.updated",
    ]


def test_a_pending_refund_succeeds_when_the_test_says(client, fake):
    intent = pay(fake, client)
    fake.next_refund("requires_action")
    refund = client.v1.refunds.create(params={"payment_intent": intent})
    assert refund.status == "requires_action"
    assert refund.next_action.type == "display_details"
    events = fake.settle_refund(refund.id, "succeeded")
    assert [e["type"] for e in events] == ["refund.updated", "charge.refund.updated"]
    assert events[1]["data"]["object"]["status"] == "succeeded"
    assert client.v1.charges.retrieve(refund.charge).refunded is True
    assert client.v1.refunds.retrieve(refund.id).status == "succeeded"
    # Without a plan, refunds succeed at once, as most card refunds do.
    second = pay(fake, client)
    assert client.v1.refunds.create(params={"payment_intent": second}).status == "succeeded"


def test_a_dispute_withdraws_the_money_and_blocks_refunds_until_closed(client, fake):
    intent = pay(fake, client)
    dispute = fake.dispute(intent, reason="product_not_received")
    assert (dispute["status"], dispute["amount"], dispute["reason"]) == (
        "needs_response",
        2500,
        "product_not_received",
    )
    assert [e["type"] for e in fake.events[-2:]] == [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
    ]
    assert client.v1.charges.retrieve(dispute["charge"]).disputed is True
    assert client.v1.disputes.retrieve(dispute["id"]).payment_intent == intent
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": intent})
    assert caught.value.code == "refund_disputed_payment"

    [updated] = fake.update_dispute(dispute["id"])
    assert updated["type"] == "charge.dispute.updated"
    assert updated["data"]["previous_attributes"]["status"] == "needs_response"
    [closed] = fake.close_dispute(dispute["id"], "lost")
    assert closed["type"] == "charge.dispute.closed"
    assert closed["data"]["object"]["status"] == "lost"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create(params={"payment_intent": intent})
    assert caught.value.code == "charge_disputed"

    other = pay(fake, client)
    won = fake.dispute(other, amount=1000, reason="fraudulent")
    events = fake.close_dispute(won["id"], "won")
    assert [e["type"] for e in events] == [
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
    ]
    assert client.v1.refunds.create(params={"payment_intent": other}).status == "succeeded"


def test_a_delayed_payment_fails_days_later_on_the_fakes_clock(client, fake, receiver):
    session = new_session(client)
    fake.pay_later(session.id, outcome="failed", after=3 * DAY)
    waiting = client.v1.checkout.sessions.retrieve(session.id)
    assert (waiting.status, waiting.payment_status) == ("complete", "unpaid")
    assert fake.advance(2 * DAY) == []
    [failed] = fake.advance(DAY)
    assert failed["type"] == "checkout.session.async_payment_failed"
    intent = client.v1.payment_intents.retrieve(waiting.payment_intent)
    assert intent.status == "requires_payment_method"
    assert [e.type for e in verified_events(receiver)] == [
        "checkout.session.completed",
        "checkout.session.async_payment_failed",
    ]

    later = new_session(client)
    fake.pay_later(later.id, outcome="succeeded", after=DAY)
    [succeeded] = fake.advance(DAY)
    assert succeeded["type"] == "checkout.session.async_payment_succeeded"
    assert succeeded["data"]["object"]["payment_status"] == "paid"


def test_events_can_be_held_then_sent_out_of_order_and_twice(client, fake, receiver):
    fake.hold_events()
    session = new_session(client)
    fake.pay(session.id)
    intent = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    client.v1.refunds.create(params={"payment_intent": intent, "amount": 500})
    assert fake.wait_for_webhooks()
    assert receiver.received == []
    assert [e["type"] for e in fake.held] == [
        "checkout.session.completed",
        "charge.refunded",
        "refund.created",
    ]
    fake.release([1, 0, 1])  # the refund before the payment, and the refund twice
    assert [e.type for e in verified_events(receiver)] == [
        "charge.refunded",
        "checkout.session.completed",
        "charge.refunded",
    ]
    assert [e["type"] for e in fake.held] == ["refund.created"]
    fake.release()
    fake.hold_events(False)
    assert fake.held == []
    assert len(receiver.received) == 4


def test_events_can_arrive_late_or_duplicated(client, fake, receiver):
    fake.delay_events(3600)
    session = new_session(client)
    fake.pay(session.id)
    assert receiver.received == []
    fake.advance(3599)
    assert receiver.received == []
    fake.advance(1)
    assert [e.type for e in verified_events(receiver)] == ["checkout.session.completed"]

    fake.delay_events(0)
    fake.duplicate_events(2)
    client.v1.checkout.sessions.expire(new_session(client).id)
    assert fake.wait_for_webhooks()
    first, second = verified_events(receiver)[1:]
    assert first.id == second.id and first.type == "checkout.session.expired"


def test_events_name_the_request_that_caused_them(client, fake):
    session = new_session(client)
    client.v1.checkout.sessions.expire(session.id, options={"idempotency_key": "exp-1"})
    expired = fake.last_event("checkout.session.expired")
    assert expired["request"]["id"].startswith("req_")
    assert expired["request"]["idempotency_key"] == "exp-1"
    fake.pay(new_session(client).id)  # the buyer, not an API request
    assert fake.last_event("checkout.session.completed")["request"] == {
        "id": None,
        "idempotency_key": None,
    }
    listed = client.v1.events.list(params={"type": "checkout.session.expired"})
    assert [e.id for e in listed.data] == [expired["id"]]
    assert fake.requests[-1]["path"] == "/v1/events"
    assert fake.requests[0]["params"]["metadata"] == {"order": "ABC"}
    assert fake.requests[0]["stripe_version"] == stripe.api_version


def test_the_state_file_keeps_payments_across_restarts(tmp_path):
    state = tmp_path / "var" / "fake-stripe.json"
    with FakeStripe(state_file=state) as first:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": first.url})
        intent = pay(first, client)
        with pytest.raises(StateFileBusy):  # one process per state file
            FakeStripe(state_file=state).start()
    assert state.exists()
    with FakeStripe(state_file=state) as restarted:  # another port, as after `make run` again
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": restarted.url})
        refund = client.v1.refunds.create(params={"payment_intent": intent, "amount": 700})
        assert refund.status == "succeeded"
    with FakeStripe(state_file=state) as again:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": again.url})
        assert client.v1.refunds.retrieve(refund.id).amount == 700
        assert len([e for e in again.events if e["type"] == "charge.refunded"]) == 1


def test_without_a_state_file_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with FakeStripe() as fake:
        pay(fake, stripe.StripeClient("sk_test_x", base_addresses={"api": fake.url}))
    assert list(tmp_path.iterdir()) == []


def test_the_paid_page_offers_the_later_outcomes_in_demo_mode(client, fake, receiver):
    session = new_session(client)
    fake.pay(session.id)
    status, _, page = browse(f"{fake.url}/checkout/{session.id}")
    assert status == 200
    assert "MODE DÉMO — aucun paiement réel" in page
    assert "Après le paiement" in page
    for action in ("refund-plan-fail", "refund-plan-succeed", "dispute"):
        assert f'action="/checkout/{session.id}/{action}"' in page

    browse(f"{fake.url}/checkout/{session.id}/refund-plan-fail", post=True)
    intent = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    refund = client.v1.refunds.create(params={"payment_intent": intent, "amount": 500})
    assert refund.status == "pending"
    _, _, page = browse(f"{fake.url}/checkout/{session.id}")
    assert "en attente" in page and 'action="/checkout/' + session.id + '/refund-fail"' in page
    fake.advance(60)
    assert client.v1.refunds.retrieve(refund.id).status == "failed"

    status, _, page = browse(f"{fake.url}/checkout/{session.id}/dispute", post=True)
    assert status == 200
    assert "réponse attendue" in page
    browse(f"{fake.url}/checkout/{session.id}/dispute-lost", post=True)
    assert fake.last_event("charge.dispute.closed")["data"]["object"]["status"] == "lost"
    # A lost dispute may be appealed (the pinned API version's appeal statuses), then won.
    _, _, page = browse(f"{fake.url}/checkout/{session.id}")
    assert f'action="/checkout/{session.id}/dispute-appeal"' in page
    status, _, page = browse(f"{fake.url}/checkout/{session.id}/dispute-appeal", post=True)
    assert status == 200 and "en appel : réponse attendue" in page
    assert fake.last_event("charge.dispute.updated")["data"]["object"]["status"] == (
        "appeal_needs_response"
    )
    browse(f"{fake.url}/checkout/{session.id}/dispute-review", post=True)
    assert fake.last_event("charge.dispute.updated")["data"]["object"]["status"] == (
        "appeal_under_review"
    )
    browse(f"{fake.url}/checkout/{session.id}/dispute-won", post=True)
    assert fake.last_event("charge.dispute.funds_reinstated")["data"]["object"]["status"] == "won"

    status, _, index = browse(f"{fake.url}/")
    assert status == 200 and "MODE DÉMO — aucun paiement réel" in index
    assert f'href="/checkout/{session.id}"' in index


def _luminance(hex_color):
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a, b):
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_demo_checkout_focus_ring_contrasts_with_the_page(client, fake):
    """WCAG 1.4.11: the focus ring of the demo checkout's buttons and links stands out at
    3:1 at least from the page's background (it was orange on light grey: 2.14:1)."""
    import re

    session = new_session(client)
    status, _, page = browse(f"{fake.url}/checkout/{session.id}")
    assert status == 200
    [ring] = re.findall(r":focus-visible\{[^}]*outline:\s*\d+px solid (#[0-9a-fA-F]{6})", page)
    background = re.search(r"body\{[^}]*background:(#[0-9a-fA-F]{6})", page)[1]
    assert _contrast(ring, background) >= 3, (ring, background)
    assert _contrast(ring, "#ffffff") >= 3
