"""The email outbox with a real Celery worker on Redis and PostgreSQL.

An email written while the broker is down stays in the outbox; once the broker is back the
sweep hands it to the worker, which sends it exactly once.
"""

import time

import pytest
from django.db import transaction

from orders.models import OutboxEmail
from orders.outbox import queue_email
from orders.tasks import sweep_outbox as sweep
from tests import faults
from tests.faults import require_postgresql, start_worker, stop_worker, worker_env

# Fixtures shared by the fault tests.
celery_on = faults.celery_on
redis_server = faults.redis_server


@pytest.mark.django_db(transaction=True)
def test_email_written_while_the_broker_is_down_is_sent_once_it_is_back(
    redis_server, celery_on, tmp_path
):
    require_postgresql()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()

    # The broker is down: the email is written with the change, its dispatch fails quietly.
    with transaction.atomic():
        email = queue_email(
            key="test:broker-down",
            to="awa@example.org",
            language="fr",
            template="order_expired",
            context={"order": None},
            subject=lambda: "Essai",
        )
    email.refresh_from_db()
    assert email.state == OutboxEmail.State.PENDING

    redis_server.start()
    worker = start_worker(worker_env(redis_server.url(), CESIQ_TEST_EMAIL_DIR=mail_dir))
    try:
        # Beat's sweep picks it up (twice, as if two beats overlapped): sent once.
        sweep.delay(0)
        sweep.delay(0)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            email.refresh_from_db()
            if email.state == OutboxEmail.State.SENT:
                break
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.2)
        else:
            pytest.fail("the worker did not send the email within 60 s")
        time.sleep(1)  # give a duplicate, if any, the time to arrive
    finally:
        stop_worker(worker)
    assert email.attempts == 1
    sent = list(mail_dir.iterdir())
    assert len(sent) == 1
    assert "Subject: Essai" in sent[0].read_text()
