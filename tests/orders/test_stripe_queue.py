"""The webhook records Stripe's events and queues them; the worker applies them.

With a worker (Celery not eager), the webhook answers "queued" once the event is recorded; the
task applies the payment and writes the confirmation. A task lost on the way (a worker killed,
this process dying before queueing it) leaves the event "received": the sweep applies it, and
so does Stripe delivering it again a while later. With the broker down, the webhook applies the
event itself. Each way, the payment is applied once. (A real worker killed mid-task:
tests/events/test_confirmation_worker_killed.py.)
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from orders import services, tasks
from orders.models import OrderState, OutboxEmail, StripeEvent
from tests.conftest import post_webhook
from tests.orders.test_stripe_truth import pay_on_checkout


@pytest.fixture
def with_a_worker(settings, monkeypatch):
    """Celery as in production (not eager); the tasks the webhook queues are kept in a list
    instead of going to a broker (the test runs them, or loses them)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(tasks.apply_stripe_event, "delay", queued.append)
    return queued


def recorded(event):
    return StripeEvent.objects.get(event_id=event["id"])


def test_a_lost_task_is_applied_by_the_sweep_and_by_a_later_delivery(
    client, place, item, fake_stripe, with_a_worker, settings, django_capture_on_commit_callbacks
):
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    assert post_webhook(client, completed).content == b"queued"
    with_a_worker.clear()  # the task is lost: its worker was killed

    # Still young: the worker may just be busy. Neither the sweep nor a delivery again (at
    # once, as a duplicate would come) queues it again.
    assert services.apply_received_events() == 0
    assert post_webhook(client, completed).content == b"replay"
    assert with_a_worker == []
    order.refresh_from_db()
    assert order.state == OrderState.PENDING

    # Half a minute later, Stripe delivers it again (its answer was lost): queued again.
    StripeEvent.objects.filter(pk=recorded(completed).pk).update(
        received_at=timezone.now() - timedelta(seconds=31)
    )
    assert post_webhook(client, completed).content == b"queued"
    assert with_a_worker == [recorded(completed).pk]

    # That task is lost too; the sweep applies it, once, whichever comes first.
    settings.CELERY_TASK_ALWAYS_EAGER = True  # what the sweep queues (the email), it runs here
    with django_capture_on_commit_callbacks(execute=True):
        assert services.apply_received_events() == 1
        assert services.apply_received_events() == 0
        assert tasks.apply_stripe_event(recorded(completed).pk) == "replay"
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.confirmation_queued_at is not None
    assert order.log_entries.filter(action="payment_received").count() == 1
    assert (recorded(completed).status, recorded(completed).payload) == ("applied", None)
    assert OutboxEmail.objects.filter(order=order, key=f"order_confirmed:{order.code}").count() == 1


def test_with_the_broker_down_the_webhook_applies_the_event_itself(
    client, place, item, fake_stripe, settings, monkeypatch, django_capture_on_commit_callbacks
):
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def broker_down(*args):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.apply_stripe_event, "delay", broker_down)
    response = post_webhook(client, completed)
    assert response.status_code == 200 and response.content == b"paid"
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert recorded(completed).status == "applied"


# As in a worker, the task's own transaction commits (what waits for its commit runs then).
@pytest.mark.django_db(transaction=True)
def test_the_task_writes_the_confirmation_of_the_order_it_paid(
    client, place, item, fake_stripe, with_a_worker, settings, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    post_webhook(client, completed)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    queued_apart = []
    monkeypatch.setattr(tasks.write_confirmation, "delay", queued_apart.append)

    assert tasks.apply_stripe_event(with_a_worker.pop()) == "paid"
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.confirmation_queued_at is not None
    assert queued_apart == []  # written in the same task, not in a task of its own
    confirmation = OutboxEmail.objects.get(order=order, key=f"order_confirmed:{order.code}")
    assert confirmation.state == OutboxEmail.State.SENT


@pytest.mark.django_db(transaction=True)
def test_a_confirmation_that_fails_in_the_task_gets_its_own_task(
    client, place, item, fake_stripe, with_a_worker, settings, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    post_webhook(client, completed)
    queued_apart = []
    monkeypatch.setattr(tasks.write_confirmation, "delay", queued_apart.append)

    def mail_templates_broken(order_id, now=None):
        raise RuntimeError("template missing")

    monkeypatch.setattr(services, "write_confirmation", mail_templates_broken)
    assert tasks.apply_stripe_event(with_a_worker.pop()) == "paid"
    order.refresh_from_db()
    assert order.state == OrderState.PAID  # the payment stays applied
    assert queued_apart == [order.pk]


def test_the_health_check_counts_the_events_still_to_apply(
    client, place, item, fake_stripe, with_a_worker, django_capture_on_commit_callbacks
):
    _order, completed = pay_on_checkout(
        place, item, fake_stripe, django_capture_on_commit_callbacks
    )
    before = client.get("/healthz").json()["outbox"]["stripe_events_to_apply"]
    post_webhook(client, completed)
    assert client.get("/healthz").json()["outbox"]["stripe_events_to_apply"] == before + 1


def test_a_buyer_waiting_on_the_receipt_gets_the_payment_applied_without_a_worker(
    client, place, item, fake_stripe, with_a_worker, settings, django_capture_on_commit_callbacks
):
    """Workers down (or far behind): the receipt page, and its quiet check, apply a payment
    Stripe reported over 10 seconds ago, rather than let the buyer wait for them."""
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    assert post_webhook(client, completed).content == b"queued"
    status_url = order.get_absolute_url() + "etat/"
    assert client.get(status_url).json()["waiting"] is True  # the worker may just be busy
    page = client.get(order.get_absolute_url(), {"retour": "paiement"}).content.decode()
    assert "Paiement en cours de confirmation" in page

    StripeEvent.objects.filter(pk=recorded(completed).pk).update(
        received_at=timezone.now() - timedelta(seconds=11)
    )
    settings.CELERY_TASK_ALWAYS_EAGER = True  # what it queues (the confirmation), it runs here
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.get(status_url).json()
    assert answer["state"] == "paid" and answer["waiting"] is False
    assert "Votre paiement est confirmé" in answer["message"]
    order.refresh_from_db()
    assert order.confirmation_queued_at is not None
    assert order.log_entries.filter(action="payment_received").count() == 1
    assert tasks.apply_stripe_event(recorded(completed).pk) == "replay"  # the lost task, late
    page = client.get(order.get_absolute_url(), {"retour": "paiement"}).content.decode()
    assert "Votre commande est confirmée" in page


def test_the_receipt_page_applies_a_waiting_payment_too(
    client, place, item, fake_stripe, with_a_worker, django_capture_on_commit_callbacks
):
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    post_webhook(client, completed)
    StripeEvent.objects.filter(pk=recorded(completed).pk).update(
        received_at=timezone.now() - timedelta(seconds=11)
    )
    page = client.get(order.get_absolute_url(), {"retour": "paiement"}).content.decode()
    assert "Votre commande est confirmée" in page
    assert recorded(completed).status == "applied"


def test_a_reported_payment_keeps_its_places_held_until_the_worker_applies_it(
    client, place, item, fake_stripe, with_a_worker, django_capture_on_commit_callbacks
):
    """Paid a few seconds before the hold ran out, applied by a busy worker after: still a
    payment made in time (not expired meanwhile, not refunded, its places never free)."""
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    now = timezone.now()
    order.__class__.objects.filter(pk=order.pk).update(expires_at=now + timedelta(seconds=5))
    assert post_webhook(client, completed).content == b"queued"
    order.refresh_from_db()
    assert order.expires_at >= now + timedelta(minutes=14)
    # The sweep a minute later leaves it alone. (Not "expires nothing": the demo's own pending
    # order, seeded half an hour before a test database reused with --reuse-db, may be due.)
    services.expire_stale_orders(now=now + timedelta(minutes=1))
    order.refresh_from_db()
    assert order.state == OrderState.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.apply_stripe_event(with_a_worker.pop()) == "paid"
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.attention == ""
    assert not order.refunds.exists()


def test_a_hold_that_ran_out_before_the_payment_was_reported_is_not_brought_back(
    client, place, item, fake_stripe, with_a_worker, django_capture_on_commit_callbacks
):
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    ran_out = timezone.now() - timedelta(seconds=1)
    order.__class__.objects.filter(pk=order.pk).update(expires_at=ran_out)
    post_webhook(client, completed)
    order.refresh_from_db()
    assert order.expires_at == ran_out  # its places may be gone: checked when applied
    with django_capture_on_commit_callbacks(execute=True):
        tasks.apply_stripe_event(with_a_worker.pop())
    order.refresh_from_db()
    assert order.state == OrderState.PAID and "après l'expiration" in order.attention


def test_what_the_database_refuses_is_kept_for_the_sweep_not_retried_as_transient(
    client, place, item, fake_stripe, with_a_worker, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import IntegrityError

    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    post_webhook(client, completed)

    def refused(order, message=""):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "confirm", refused)
    assert tasks.apply_stripe_event(with_a_worker.pop()) == "deferred: error"
    kept = recorded(completed)
    assert (kept.status, kept.outcome) == ("deferred", "error: IntegrityError")
    assert kept.payload == completed["data"]["object"]
    order.refresh_from_db()
    assert order.state == OrderState.PENDING


def test_the_receipt_page_is_shown_when_applying_the_waiting_payment_fails(
    client, place, item, fake_stripe, with_a_worker, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import OperationalError

    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    post_webhook(client, completed)
    StripeEvent.objects.filter(pk=recorded(completed).pk).update(
        received_at=timezone.now() - timedelta(seconds=11)
    )

    def database_away(pk):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "apply_stripe_event", database_away)
    response = client.get(order.get_absolute_url(), {"retour": "paiement"})
    assert response.status_code == 200
    assert "Paiement en cours de confirmation" in response.content.decode()
    assert client.get(order.get_absolute_url() + "etat/").json()["waiting"] is True


def test_a_hold_that_lasts_long_enough_is_left_as_it_is(
    client, place, item, fake_stripe, with_a_worker, django_capture_on_commit_callbacks
):
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    later = timezone.now() + services.REPORTED_PAYMENT_HOLD + timedelta(minutes=5)
    order.__class__.objects.filter(pk=order.pk).update(expires_at=later)
    post_webhook(client, completed)
    order.refresh_from_db()
    assert order.expires_at == later
