"""A worker killed while it writes a paid order's confirmation: the buyer still gets it, once.

A real Celery worker on a Redis of the test's own and the test's PostgreSQL database takes the
confirmation task of an order that Stripe's webhook just marked paid. The test holds the
order's row lock from another connection, so the task is caught in the middle (waiting to
lock the order) when the test kills the worker with SIGKILL, as a container is killed. Its
transaction dies with it: nothing is written. A new worker starts and beat's sweep runs: the
confirmation is written and sent, exactly once.
"""

import os
import signal
import threading
import time

import pytest
from django.db import connection, transaction

from orders.models import Order, OrderState, OutboxEmail
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


def waiting_for_a_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_worker_killed_while_writing_the_confirmation_loses_nothing(
    seeded, client, redis_server, celery_on, fake_stripe, tmp_path
):
    require_postgresql()
    from events.models import EventPage

    redis_server.start()
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

    # The webhook commits the payment and queues the task on Redis (no worker runs yet).
    assert (
        post_webhook(client, last_event(fake_stripe, "checkout.session.completed")).status_code
        == 200
    )
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.confirmation_queued_at is None

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
    assert order.confirmation_queued_at is None
    assert not OutboxEmail.objects.filter(order=order).exists()

    # A new worker, and beat's sweep (twice, as if two beats overlapped): one confirmation.
    worker = start_worker(env)
    try:
        sweep.delay(0)
        sweep.delay(0)
        buyer = OutboxEmail.objects.filter(order=order, to="awa@example.org")
        wait_for(
            lambda: buyer.filter(state=OutboxEmail.State.SENT).exists(),
            60,
            lambda: "the confirmation was not sent within 60 s\n" + faults.worker_output(worker),
            interval=0.2,
        )
        time.sleep(1)  # give a duplicate, if any, the time to arrive
    finally:
        stop_worker(worker)
    order.refresh_from_db()
    assert order.confirmation_queued_at is not None
    assert buyer.count() == 1
    sent = [path.read_text() for path in mail_dir.iterdir()]
    to_buyer = [text for text in sent if "To: awa@example.org" in text and order.code in text]
    assert len(to_buyer) == 1
