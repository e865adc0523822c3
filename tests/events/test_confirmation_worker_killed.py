"""A worker killed while it applies a payment: the buyer's order is still paid, and the buyer
gets the confirmation, once.

Stripe's webhook records the event and queues it on a Redis of the test's own; a real Celery
worker on it and the test's PostgreSQL database takes the task. The test holds the order's row
lock from another connection, so the task is caught in the middle (waiting to lock the order)
when the test kills the worker with SIGKILL, as a container is killed. Its transaction dies
with it: nothing is written, the event waits. A new worker starts and beat's sweep runs: the
payment is applied and the confirmation written and sent, each exactly once.
"""

import os
import signal
import threading
import time

import pytest
from django.db import connection, transaction

from orders.models import Order, OrderState, OutboxEmail, StripeEvent
from orders.tasks import apply_waiting_stripe_events as apply_waiting
from orders.tasks import sweep_outbox as sweep
from tests import faults
from tests.conftest import post_webhook
from tests.events.conftest import registration_data
from tests.faults import require_postgresql, start_worker, stop_worker, wait_for, worker_env
from tests.orders.test_payments import last_event, press

redis_server = faults.redis_server
celery_on = faults.celery_on


@pytest.fixture
def seeded(committed_demo_site):
    """The demo site, committed (the worker reads it)."""


class OrderLockedElsewhere:
    """Holds the order's row lock from another connection (a thread) until released."""

    def __init__(self, order_id):
        self.order_id = order_id
        self.taken = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        from django.db import connections

        try:
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=self.order_id)
                self.taken.set()
                self.release.wait(60)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.taken.wait(10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(10)


def paid_on_stripe(client):
    """An order for a workshop place, paid on the fake Stripe's page (its event not sent)."""
    from events.models import EventPage

    activity = EventPage.objects.get(
        slug="atelier-consommation-equitable", locale__language_code="fr"
    )
    regular = activity.ticket_types.get(name="Régulier")
    client.post(
        activity.url + "inscription/",
        registration_data(activity, **{f"quantity_{regular.pk}": 1}),
    )
    order = Order.objects.get(buyer_email="awa@example.org")
    assert press(order.payments.get().checkout_url, "pay")[0] == 303
    return order


def paid_and_confirmed_once(order, event, mail_dir):
    """The payment applied once, the event marked applied, one confirmation in the outbox and
    one sent to the buyer."""
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.confirmation_queued_at is not None
    assert order.log_entries.filter(action="payment_received").count() == 1
    assert StripeEvent.objects.get(event_id=event["id"]).status == "applied"
    assert OutboxEmail.objects.filter(order=order, to="awa@example.org").count() == 1
    sent = [path.read_text() for path in mail_dir.iterdir()]
    to_buyer = [text for text in sent if "To: awa@example.org" in text and order.code in text]
    assert len(to_buyer) == 1


def waiting_for_a_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


def wait_until_confirmed(order, worker, interval):
    """Until the buyer's confirmation of `order` is sent (60 s at most)."""
    buyer = OutboxEmail.objects.filter(order=order, to="awa@example.org")
    wait_for(
        lambda: buyer.filter(state=OutboxEmail.State.SENT).exists(),
        60,
        lambda: "the confirmation was not sent within 60 s\n" + faults.worker_output(worker),
        interval=interval,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_worker_killed_while_applying_a_payment_loses_nothing(
    seeded, client, redis_server, celery_on, fake_stripe, tmp_path
):
    require_postgresql()
    redis_server.start()
    order = paid_on_stripe(client)

    # The webhook records the event and queues its task on Redis (no worker runs yet).
    event = last_event(fake_stripe, "checkout.session.completed")
    response = post_webhook(client, event)
    assert response.status_code == 200 and response.content == b"queued"
    order.refresh_from_db()
    assert order.state == OrderState.PENDING

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = worker_env(redis_server.url(), CESIQ_TEST_EMAIL_DIR=mail_dir)
    with OrderLockedElsewhere(order.pk):
        worker = start_worker(env)
        try:
            wait_for(
                waiting_for_a_lock,
                60,
                lambda: "the worker never took the task\n" + faults.worker_output(worker),
                interval=0.1,
            )
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    order.refresh_from_db()
    assert order.state == OrderState.PENDING and order.confirmation_queued_at is None
    assert StripeEvent.objects.get(event_id=event["id"]).status == "received"
    assert not OutboxEmail.objects.filter(order=order).exists()

    # A new worker, and beat's sweeps (the payments' sweep twice, one after the other, as two
    # beats would send it; the worker runs them in turn): the payment applied once, one
    # confirmation.
    worker = start_worker(env)
    try:
        apply_waiting.delay(0)
        apply_waiting.delay(0)
        sweep.delay(0)
        wait_until_confirmed(order, worker, interval=0.2)
        time.sleep(1)  # give a duplicate, if any, the time to arrive
    finally:
        stop_worker(worker)
    paid_and_confirmed_once(order, event, mail_dir)


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_real_worker_applies_the_payment_the_webhook_queued_and_confirms_it(
    seeded, client, redis_server, celery_on, fake_stripe, tmp_path
):
    """The usual way, with real parts: the webhook answers "queued"; a Celery worker on Redis
    applies the payment and sends the confirmation, in one task; a replay changes nothing."""
    require_postgresql()
    redis_server.start()
    order = paid_on_stripe(client)

    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    worker = start_worker(worker_env(redis_server.url(), CESIQ_TEST_EMAIL_DIR=mail_dir))
    try:
        event = last_event(fake_stripe, "checkout.session.completed")
        response = post_webhook(client, event)
        assert response.status_code == 200 and response.content == b"queued"
        wait_until_confirmed(order, worker, interval=0.1)
        assert post_webhook(client, event).content == b"replay"
        time.sleep(0.5)  # give a duplicate, if any, the time to arrive
    finally:
        stop_worker(worker)
    paid_and_confirmed_once(order, event, mail_dir)
