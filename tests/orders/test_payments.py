"""Paying through Stripe Checkout: the official library over HTTP to the fake Stripe, and
webhooks signed as Stripe signs them. A pending order becomes paid only through a verified
webhook, exactly once, whatever the order or number of deliveries."""

import time
import urllib.request
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core import mail

from orders import services
from orders.models import (
    Order,
    OrderState,
    OutboxEmail,
    Payment,
    PaymentState,
    Refund,
    RefundState,
    StripeEvent,
)
from tests.conftest import post_webhook

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def checkout(fake_stripe, django_capture_on_commit_callbacks):
    """Start Stripe Checkout for an order and return the hosted page's address."""

    def start(order):
        with django_capture_on_commit_callbacks(execute=True):
            return services.start_checkout(
                order,
                success_url=f"http://testserver{order.get_absolute_url()}?retour=paiement",
                cancel_url=f"http://testserver{order.get_absolute_url()}",
            )

    return start


def press(url, action):
    """The buyer presses a button on the fake Stripe's hosted page."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
    try:
        opener.open(urllib.request.Request(f"{url}/{action}", data=b""), timeout=10)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location")
    return 200, None


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    def deliver_event(event, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post_webhook(client, event, **kwargs)

    return deliver_event


def last_event(fake, type_):
    return next(e for e in reversed(fake.events) if e["type"] == type_)


def test_checkout_session_matches_the_order(place, item, taxes_on, checkout, fake_stripe):
    order = place((item, 2), language="en")
    url = checkout(order)
    assert url.startswith(fake_stripe.url + "/checkout/cs_test_")
    session = fake_stripe.sessions[urlsplit(url).path.rsplit("/", 1)[1]]
    assert session["amount_total"] == 5749 and session["currency"] == "cad"
    assert session["customer_email"] == "awa@example.org"
    assert session["locale"] == "en"
    assert session["metadata"]["order"] == order.code
    names = [i["description"] for i in fake_stripe.line_items[session["id"]]]
    assert names == [
        "Atelier (en)",
        "GST (5%) — 123456789 RT0001",
        "QST (9.975%) — 1234567890 TQ0001",
    ]
    order.refresh_from_db()
    assert session["expires_at"] == int(order.expires_at.timestamp())
    assert 30 * 60 <= session["expires_at"] - time.time() <= 24 * 3600
    # Pressing "pay" again gives the same page, not a second session.
    assert checkout(order) == url
    assert len(fake_stripe.sessions) == 1


def test_paid_only_through_the_verified_webhook_and_exactly_once(
    client, place, item, checkout, fake_stripe, deliver
):
    order = place((item, 2))
    url = checkout(order)
    status, location = press(url, "pay")
    assert status == 303
    # The success redirect never marks the order paid: it says the payment is being confirmed.
    response = client.get(urlsplit(location).path + "?" + urlsplit(location).query)
    assert "Paiement en cours de confirmation" in response.content.decode()
    assert Order.objects.get(pk=order.pk).state == OrderState.PENDING

    event = last_event(fake_stripe, "checkout.session.completed")
    assert deliver(event).status_code == 200
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert order.paid_amount == D("50.00")
    assert "Votre commande est confirmée" in client.get(order.get_absolute_url()).content.decode()

    # Stripe delivers again, twice: nothing changes, 200 each time.
    for _ in range(2):
        response = deliver(event)
        assert response.status_code == 200
        assert response.content == b"replay"
    assert order.payments.filter(state=PaymentState.PAID).count() == 1
    assert order.log_entries.filter(action="payment_received").count() == 1
    confirmations = [m for m in mail.outbox if m.subject.startswith("Confirmation")]
    assert len(confirmations) == 1
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1


def test_forged_and_stale_webhooks_are_refused_and_change_nothing(
    place, item, checkout, fake_stripe, deliver
):
    order = place((item, 1))
    press(checkout(order), "pay")
    event = last_event(fake_stripe, "checkout.session.completed")
    assert deliver(event, secret="whsec_attacker").status_code == 400
    assert deliver(event, timestamp=int(time.time()) - 600).status_code == 400
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert not StripeEvent.objects.filter(event_id=event["id"]).exists()


def test_webhook_without_signature_or_with_garbage(client):
    assert (
        client.post(
            "/payments/stripe/webhook/", data=b"{}", content_type="application/json"
        ).status_code
        == 400
    )
    assert client.get("/payments/stripe/webhook/").status_code == 405


def test_late_expired_event_does_not_undo_a_payment(place, item, checkout, fake_stripe, deliver):
    order = place((item, 1))
    url = checkout(order)
    press(url, "pay")
    completed = last_event(fake_stripe, "checkout.session.completed")
    session = dict(completed["data"]["object"], status="expired")
    expired = {
        **completed,
        "id": "evt_test_late_expiry",
        "type": "checkout.session.expired",
        "data": {"object": session},
    }
    deliver(completed)
    deliver(expired)
    order.refresh_from_db()
    assert order.state == OrderState.PAID


def test_payment_after_expiry_is_fulfilled_when_places_remain(
    place, item, checkout, fake_stripe, deliver, now
):
    order = place((item, 2))
    press(checkout(order), "pay")
    Order.objects.filter(pk=order.pk).update(expires_at=now)  # the hold ran out meanwhile
    services.expire_order(order)
    assert Order.objects.get(pk=order.pk).state == OrderState.EXPIRED
    deliver(last_event(fake_stripe, "checkout.session.completed"))
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert "places encore libres" in order.attention
    assert not order.refunds.exists()


def test_payment_after_expiry_is_refunded_when_sold_out(
    place, item, checkout, fake_stripe, deliver, now
):
    order = place((item, 2))
    press(checkout(order), "pay")
    Order.objects.filter(pk=order.pk).update(expires_at=now)
    place((item, 10))  # someone else takes every place in the meantime
    deliver(last_event(fake_stripe, "checkout.session.completed"))
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    refund = order.refunds.get()
    assert (refund.amount, refund.source, refund.state) == (D("50.00"), "automatic", "succeeded")
    assert fake_stripe.charges[next(iter(fake_stripe.charges))]["amount_refunded"] == 5000
    subjects = [e.subject for e in OutboxEmail.objects.filter(order=order)]
    assert f"Votre commande {order.code} n'a pas pu être confirmée" in subjects
    assert f"Remboursement de votre commande {order.code}" in subjects
    # Said of places and of stock alike (a shop order's products too).
    refused = OutboxEmail.objects.get(order=order, subject__contains="pas pu être confirmée")
    assert "ce que vous aviez choisi n'était plus disponible" in refused.body_text
    assert "place" not in refused.body_text
    # Stripe then tells us about the refund we made: recorded once, not twice.
    fake_stripe.wait_for_webhooks()
    deliver(last_event(fake_stripe, "charge.refunded"))
    assert order.refunds.count() == 1


def test_payment_after_expiry_is_refunded_when_its_discount_code_was_used_up(
    place, item, discount, checkout, fake_stripe, deliver, now
):
    """The expired hold gave its use of a one-use code back; someone else took it; the late
    payment cannot take it a second time."""
    discount(code="UNEFOIS", max_uses=1)
    order = place((item, 1), discount_code="unefois")
    assert order.discount_amount > 0
    press(checkout(order), "pay")
    Order.objects.filter(pk=order.pk).update(expires_at=now)
    services.expire_order(order)
    other = place((item, 1), discount_code="UNEFOIS")  # the code is free again: taken
    assert other.discount_amount > 0
    deliver(last_event(fake_stripe, "checkout.session.completed"))
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert order.refunds.get().amount == order.total
    assert "UNEFOIS" in order.log_entries.filter(action="state:cancelled").get().message
    subjects = [e.subject for e in OutboxEmail.objects.filter(order=order)]
    assert f"Votre commande {order.code} n'a pas pu être confirmée" in subjects


def test_payment_after_expiry_keeps_a_discount_code_still_free(
    place, item, discount, checkout, fake_stripe, deliver, now
):
    discount(code="UNEFOIS", max_uses=1)
    order = place((item, 1), discount_code="UNEFOIS")
    press(checkout(order), "pay")
    Order.objects.filter(pk=order.pk).update(expires_at=now)
    services.expire_order(order)
    deliver(last_event(fake_stripe, "checkout.session.completed"))
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert not order.refunds.exists()


def test_amount_mismatch_is_flagged_and_not_confirmed(place, item, checkout, fake_stripe, deliver):
    order = place((item, 2))
    press(checkout(order), "pay")
    event = last_event(fake_stripe, "checkout.session.completed")
    event["data"]["object"]["amount_total"] = 100  # 1,00 $ instead of 50,00 $
    event["id"] = "evt_test_tampered"
    deliver(event)
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert "différent du total dû" in order.attention


def test_partial_then_dashboard_refund(
    place, item, checkout, fake_stripe, deliver, admin_user, django_capture_on_commit_callbacks
):
    order = place((item, 2))
    press(checkout(order), "pay")
    deliver(last_event(fake_stripe, "checkout.session.completed"))

    with django_capture_on_commit_callbacks(execute=True):
        services.refund(order, D("20.00"), reason="Une personne ne vient pas", user=admin_user)
    refund = order.refunds.get()
    assert refund.state == RefundState.SUCCEEDED and refund.stripe_refund_id.startswith("re_")
    order.refresh_from_db()
    assert (order.state, order.refunded_amount, order.balance) == ("paid", D("20"), D("30"))
    fake_stripe.wait_for_webhooks()
    deliver(last_event(fake_stripe, "charge.refunded"))  # our own refund: already known
    assert order.refunds.count() == 1

    # Someone refunds the rest in the Stripe dashboard.
    import stripe

    stripe.StripeClient("sk_test_x", base_addresses={"api": fake_stripe.url}).v1.refunds.create(
        params={"payment_intent": order.payments.get().stripe_payment_intent_id}
    )
    fake_stripe.wait_for_webhooks()
    # `charge.refunded` comes first: its cumulative amount is more than the site knows, so it
    # waits for the refund's own event, which records the refund with Stripe's status.
    assert deliver(last_event(fake_stripe, "charge.refunded")).content == b"deferred"
    assert deliver(last_event(fake_stripe, "refund.created")).status_code == 200
    dashboard = order.refunds.get(source=Refund.Source.DASHBOARD)
    assert dashboard.amount == D("30.00")
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert order.balance == D("0")
    with pytest.raises(services.OrderError):
        services.refund(order, D("1.00"), reason="encore", user=admin_user)


def test_refund_cannot_exceed_what_was_paid(
    place, item, checkout, fake_stripe, deliver, admin_user
):
    order = place((item, 1))
    press(checkout(order), "pay")
    deliver(last_event(fake_stripe, "checkout.session.completed"))
    with pytest.raises(services.OrderError, match="plus que 25,00"):
        services.refund(order, D("25.01"), reason="trop", user=admin_user)
    with pytest.raises(services.OrderError, match="motif"):
        services.refund(order, D("5"), reason="  ", user=admin_user)
    assert not order.refunds.exists()


def test_delayed_payment_then_success_or_failure(
    client, place, make_item, checkout, fake_stripe, deliver
):
    first = place((make_item(price=D("15")), 1))
    press(checkout(first), "pay-later")
    deliver(last_event(fake_stripe, "checkout.session.completed"))
    assert first.payments.get().state == PaymentState.PENDING
    assert Order.objects.get(pk=first.pk).state == OrderState.PENDING
    press(checkout_url(first), "async-succeed")
    deliver(last_event(fake_stripe, "checkout.session.async_payment_succeeded"))
    assert Order.objects.get(pk=first.pk).state == OrderState.PAID

    second = place((make_item(price=D("15")), 1))
    press(checkout(second), "pay-later")
    deliver(last_event(fake_stripe, "checkout.session.completed"))
    press(checkout_url(second), "async-fail")
    deliver(last_event(fake_stripe, "checkout.session.async_payment_failed"))
    assert second.payments.get().state == PaymentState.FAILED
    assert OutboxEmail.objects.filter(order=second, subject__contains="pas abouti").count() == 1
    # Its hold over, the page says the debit was refused, not that time ran out.
    Order.objects.filter(pk=second.pk).update(state=OrderState.EXPIRED)
    page = client.get(second.get_absolute_url()).content.decode()
    assert "Le paiement n'a pas abouti et la réservation a été libérée." in page
    assert "Le délai de paiement est écoulé" not in page


def checkout_url(order):
    return Payment.objects.filter(order=order).last().checkout_url


def test_missed_webhook_is_caught_by_reconciliation(
    place, item, checkout, fake_stripe, now, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    order = place((item, 1))
    press(checkout(order), "pay")  # the webhook never arrives
    Payment.objects.filter(order=order).update(created_at=now - timedelta(minutes=15))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reconcile_pending_payments() == 1
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    # Running it again finds nothing left to do.
    assert services.reconcile_pending_payments() == 0


def test_abandoned_checkout_expires_the_order(place, item, checkout, fake_stripe, deliver):
    order = place((item, 3))
    url = checkout(order)
    session_id = urlsplit(url).path.rsplit("/", 1)[1]
    import stripe

    stripe.StripeClient(
        "sk_test_x", base_addresses={"api": fake_stripe.url}
    ).v1.checkout.sessions.expire(session_id)
    fake_stripe.wait_for_webhooks()
    deliver(last_event(fake_stripe, "checkout.session.expired"))
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED
    assert item.available(order.expires_at) == 10
    assert OutboxEmail.objects.filter(order=order, subject__contains="a expiré").count() == 1


def test_stripe_down_gives_a_clear_message_and_changes_nothing(place, item, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    order = place((item, 1))
    with pytest.raises(services.OrderError, match="ne répond pas"):
        services.start_checkout(order, success_url="http://x/", cancel_url="http://x/")
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert order.payments.get().state == PaymentState.FAILED


def test_a_stripe_that_hangs_is_given_up_on_after_the_timeout(
    client, place, item, fake_stripe, settings
):
    """Stripe accepting the connection and never answering held the buyer's request for the
    library's 80 s, three times over (four minutes), and eight such buyers every thread of the
    site. Each try now waits `STRIPE_TIMEOUT_SECONDS`, and the buyer is told."""
    import time

    fake_stripe.latency = 30  # far longer than anyone waits
    settings.STRIPE_TIMEOUT_SECONDS = 0.2
    order = place((item, 1))
    began = time.monotonic()
    with pytest.raises(services.OrderError, match="ne répond pas"):
        services.start_checkout(order, success_url="http://x/", cancel_url="http://x/")
    assert time.monotonic() - began < 15  # three tries of 0.2 s, not Stripe's 30 s
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert order.payments.get().state == PaymentState.FAILED
    # Its hold over: time ran out; no payment was refused (Stripe never answered).
    Order.objects.filter(pk=order.pk).update(state=OrderState.EXPIRED)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Le délai de paiement est écoulé et la réservation a été libérée." in page


@pytest.mark.parametrize("delay", [0.01, None], ids=["tests", "production"])
def test_a_call_stripe_does_not_answer_is_tried_three_times(place, item, settings, delay):
    """The stripe library retries a call twice; production keeps its backoff (half a second
    and more before each retry), the test settings wait STRIPE_RETRY_DELAY instead."""
    import stripe._http_client

    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_RETRY_DELAY = delay
    waits = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stripe._http_client.time, "sleep", waits.append)
        with pytest.raises(services.OrderError, match="ne répond pas"):
            services.start_checkout(place((item, 1)), success_url="http://x/", cancel_url="x")
    assert len(waits) == 2
    if delay is None:
        assert 0.5 <= waits[0] <= waits[1]
    else:
        assert waits == [delay, delay]


def test_a_full_refund_without_cancelling_keeps_the_places(
    place, item, checkout, fake_stripe, deliver, admin_user, django_capture_on_commit_callbacks
):
    order = place((item, 4))
    press(checkout(order), "pay")
    deliver(last_event(fake_stripe, "checkout.session.completed"))
    with django_capture_on_commit_callbacks(execute=True):
        services.refund(order, D("100.00"), reason="Geste commercial", user=admin_user)
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert item.available(order.created_at) == 6  # still held: the tickets stay valid


def test_underpayment_is_refunded_automatically(place, item, checkout, fake_stripe, deliver):
    order = place((item, 2))
    press(checkout(order), "pay")
    event = last_event(fake_stripe, "checkout.session.completed")
    event["data"]["object"]["amount_total"] = 4000  # 40,00 $ of 50,00 $
    event["id"] = "evt_test_underpaid"
    deliver(event)
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    refund = order.refunds.get()
    assert (refund.amount, refund.source) == (D("40.00"), "automatic")


def test_cancelling_while_a_partial_refund_is_pending(
    place, item, checkout, fake_stripe, deliver, admin_user, django_capture_on_commit_callbacks
):
    order = place((item, 2))
    press(checkout(order), "pay")
    deliver(last_event(fake_stripe, "checkout.session.completed"))
    services.refund(order, D("20.00"), reason="Une personne", user=admin_user)  # not sent yet
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_order(order, user=admin_user, reason="Annulation")
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert sorted(order.refunds.values_list("amount", flat=True)) == [D("20.00"), D("30.00")]


def test_cancelling_a_pending_order_closes_its_checkout_page(
    place, item, checkout, fake_stripe, django_capture_on_commit_callbacks
):
    order = place((item, 1))
    url = checkout(order)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_order(order, reason="Plus besoin")
    session = fake_stripe.sessions[urlsplit(url).path.rsplit("/", 1)[1]]
    assert session["status"] == "expired"
    assert press(url, "pay")[0] == 409


def test_reconciliation_expires_an_abandoned_checkout(
    place, item, checkout, fake_stripe, now, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    import stripe

    order = place((item, 1))
    url = checkout(order)
    session_id = urlsplit(url).path.rsplit("/", 1)[1]
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": fake_stripe.url})
    client.v1.checkout.sessions.expire(session_id)  # its webhook is lost
    Payment.objects.filter(order=order).update(created_at=now - timedelta(minutes=15))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reconcile_pending_payments() == 1
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED


def test_the_paid_webhook_records_the_event_and_leaves_the_rest_to_the_worker(
    client,
    place,
    item,
    checkout,
    fake_stripe,
    settings,
    monkeypatch,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    from orders import tasks

    order = place((item, 1))
    status, _location = press(checkout(order), "pay")
    assert status == 303
    event = last_event(fake_stripe, "checkout.session.completed")

    # With a worker (not eager): the webhook records the event in one statement, keeps the
    # order's places held until it is applied (one more), queues it and answers; the order is
    # not paid in its request.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(tasks.apply_stripe_event, "delay", queued.append)
    with django_assert_num_queries(2):
        response = post_webhook(client, event)
    assert response.status_code == 200 and response.content == b"queued"
    recorded = StripeEvent.objects.get(event_id=event["id"])
    assert queued == [recorded.pk] and recorded.status == "received"
    assert recorded.payload == event["data"]["object"]
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    settings.CELERY_TASK_ALWAYS_EAGER = True  # what the worker queues, it runs here

    # The worker applies it: the payment and the tickets it makes valid, in one transaction
    # (between the savepoint's two: the test runs in a transaction), and queues the
    # confirmation for after the commit.
    with django_capture_on_commit_callbacks() as after_commit, django_assert_num_queries(14):
        assert tasks.apply_stripe_event(recorded.pk) == "paid"
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.confirmation_queued_at is None
    recorded.refresh_from_db()
    assert (recorded.status, recorded.outcome, recorded.payload) == ("applied", "paid", None)
    assert not OutboxEmail.objects.filter(order=order).exists()
    assert not [m for m in mail.outbox if order.code in m.subject]

    # Then the confirmation, once (tasks run in process in the tests).
    for callback in after_commit:
        callback()
    order.refresh_from_db()
    assert order.confirmation_queued_at is not None
    assert OutboxEmail.objects.filter(order=order, key=f"order_confirmed:{order.code}").count() == 1

    # Applying it again, or a replay of it (two statements: recorded, not waiting), changes
    # nothing and queues nothing.
    assert tasks.apply_stripe_event(recorded.pk) == "replay"
    with django_assert_num_queries(2):
        assert post_webhook(client, event).content == b"replay"
    assert queued == [recorded.pk]
    assert order.log_entries.filter(action="payment_received").count() == 1


def test_the_page_of_a_paid_order_says_the_email_is_sent_only_once_it_is(client, place, item):
    """While the worker was down, the page said « Une confirmation vous a été envoyée » minutes
    before it was even written."""
    from django.utils import timezone

    order = place((item, 1))
    Order.objects.filter(pk=order.pk).update(state=OrderState.PAID, paid_at=timezone.now())
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Une confirmation vous sera envoyée par courriel dans quelques minutes." in page
    Order.objects.filter(pk=order.pk).update(confirmation_queued_at=timezone.now())
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Une confirmation vous a été envoyée par courriel." in page
