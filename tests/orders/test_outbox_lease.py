"""The outbox claims an email with a lease before sending it, marks it sent right after the
server accepts it, and gives every email one Message-ID for all its attempts."""

import hashlib
import uuid
from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from orders import outbox
from orders.models import OutboxEmail

pytestmark = pytest.mark.django_db


class DisconnectingBackend(BaseEmailBackend):
    """A mail server that hangs up before accepting anything."""

    def send_messages(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def email(db):
    return outbox.queue_email(
        key="test:lease",
        to="awa@example.org",
        language="fr",
        template="order_expired",
        context={"order": None},
        subject=lambda: "Votre commande",
    )


def later(seconds):
    return timezone.now() + timedelta(seconds=seconds)


def test_the_message_id_is_the_senders_domain_and_is_kept_on_the_row(email, settings):
    settings.DEFAULT_FROM_EMAIL = "CÉSIQ <info@cesiq.org>"
    assert outbox.send_now(email.pk) is True
    email.refresh_from_db()
    key_hash = hashlib.sha256(b"test:lease").hexdigest()[:16]
    assert email.message_id == f"<outbox.{email.pk}.{key_hash}@cesiq.org>"
    [sent] = mail.outbox
    assert sent.message()["Message-ID"] == email.message_id
    assert (email.state, email.attempts, email.claim_token, email.claimed_until) == (
        OutboxEmail.State.SENT,
        1,
        "",
        None,
    )


def test_a_leased_email_is_left_alone_until_the_lease_runs_out(email, settings):
    settings.OUTBOX_LEASE_SECONDS = 300
    held = outbox.claim(email.pk)  # a worker took it and is sending it (or died doing so)
    assert held.claimed_until > later(290)
    assert outbox.claim(email.pk) is None
    assert outbox.send_now(email.pk) is False
    assert outbox.sweep_outbox(older_than=timedelta(0)) == 0
    assert mail.outbox == []

    OutboxEmail.objects.filter(pk=email.pk).update(claimed_until=timezone.now())  # time passes
    assert outbox.send_now(email.pk) is True
    email.refresh_from_db()
    assert (email.state, email.attempts) == (OutboxEmail.State.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_worker_killed_after_the_server_accepted_sends_one_copy_with_the_same_id(email):
    # The worker claims, the server accepts… and the worker dies before the mark.
    held = outbox.claim(email.pk)
    outbox.build_message(held).send()
    OutboxEmail.objects.filter(pk=email.pk).update(claimed_until=timezone.now())  # lease over

    assert outbox.send_now(email.pk) is True  # the sweep's retry
    first, second = mail.outbox
    assert first.message()["Message-ID"] == second.message()["Message-ID"] == held.message_id
    email.refresh_from_db()
    assert (email.state, email.attempts) == (OutboxEmail.State.SENT, 2)
    assert outbox.send_now(email.pk) is False  # and never a third time


def test_a_refused_email_waits_for_its_backoff_then_is_given_up(email, settings):
    settings.EMAIL_BACKEND = "tests.orders.test_outbox_lease.DisconnectingBackend"
    with pytest.raises(outbox.SendFailed) as failure:
        outbox.send_now(email.pk)
    assert failure.value.retry_in == 30
    email.refresh_from_db()
    assert email.state == OutboxEmail.State.PENDING
    assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert later(25) < email.claimed_until < later(35)
    assert outbox.sweep_outbox(older_than=timedelta(0)) == 0  # not before its backoff

    for attempt in range(2, outbox.MAX_ATTEMPTS + 1):
        OutboxEmail.objects.filter(pk=email.pk).update(claimed_until=timezone.now())
        with pytest.raises(outbox.SendFailed) as failure:
            outbox.send_now(email.pk)
        assert failure.value.retry_in == min(30 * 2 ** (attempt - 1), 3600)
    OutboxEmail.objects.filter(pk=email.pk).update(claimed_until=timezone.now())
    assert outbox.sweep_outbox(older_than=timedelta(0)) == 0
    email.refresh_from_db()
    assert (email.state, email.attempts) == (OutboxEmail.State.FAILED, outbox.MAX_ATTEMPTS)
    assert outbox.send_now(email.pk) is False


def test_the_celery_task_retries_a_refusal_after_the_backoff(email, settings, monkeypatch):
    from orders.tasks import send_outbox_email

    settings.EMAIL_BACKEND = "tests.orders.test_outbox_lease.DisconnectingBackend"
    countdowns = []

    def retry(exc=None, countdown=None, **kwargs):
        countdowns.append(countdown)
        return RuntimeError("retry scheduled")

    monkeypatch.setattr(send_outbox_email, "retry", retry)
    with pytest.raises(RuntimeError, match="retry scheduled"):
        send_outbox_email.run(email.pk)
    assert countdowns == [30]


def queue_for_caller(key="test:caller"):
    """An email queued by a caller that sends it itself (a confirmation task)."""
    with outbox.sent_by_caller() as emails:
        outbox.queue_email(
            key=key,
            to="awa@example.org",
            language="fr",
            template="order_expired",
            context={"order": None},
            subject=lambda: "Votre commande",
        )
    return emails


def test_an_email_its_writer_sends_is_leased_to_it_and_sent_without_a_claim(
    settings, django_assert_num_queries
):
    settings.OUTBOX_LEASE_SECONDS = 300
    [email] = queue_for_caller()
    row = OutboxEmail.objects.get(pk=email.pk)
    assert row.attempts == 1 and row.claim_token == email.claim_token != ""
    assert row.claimed_until > later(290)
    # No one else takes it while its writer holds it.
    assert outbox.send_now(email.pk) is False and mail.outbox == []

    with django_assert_num_queries(2):  # the lease renewed and the mark: no claim
        outbox.send_queued([email])
    [sent] = mail.outbox
    row.refresh_from_db()
    assert (row.state, row.attempts, row.claim_token) == (OutboxEmail.State.SENT, 1, "")
    assert sent.message()["Message-ID"] == row.message_id == outbox.message_id_for(row)


def test_an_email_whose_writer_died_before_sending_is_sent_by_the_sweep_after_the_lease():
    [email] = queue_for_caller()  # … and the worker dies here, before `send_queued`
    assert outbox.sweep_outbox(older_than=timedelta(0)) == 0
    OutboxEmail.objects.filter(pk=email.pk).update(claimed_until=timezone.now())  # time passes
    assert outbox.sweep_outbox(older_than=timedelta(0)) == 1
    row = OutboxEmail.objects.get(pk=email.pk)
    assert (row.state, row.attempts) == (OutboxEmail.State.SENT, 2)
    assert len(mail.outbox) == 1


def test_an_email_its_writer_could_not_hand_over_is_retried_after_its_backoff(settings):
    settings.EMAIL_BACKEND = "tests.orders.test_outbox_lease.DisconnectingBackend"
    [email] = queue_for_caller()
    outbox.send_queued([email])  # refused: a task is queued for after the backoff
    row = OutboxEmail.objects.get(pk=email.pk)
    assert row.state == OutboxEmail.State.PENDING and "Connection" in row.last_error
    assert row.claimed_until > later(outbox.backoff(1) - 5)
    assert row.message_id == outbox.message_id_for(row)


def test_a_writer_whose_lease_ran_out_leaves_the_email_to_whoever_took_it():
    [email] = queue_for_caller()
    OutboxEmail.objects.filter(pk=email.pk).update(claimed_until=timezone.now())  # time passes
    assert outbox.sweep_outbox(older_than=timedelta(0)) == 1  # the sweep took it and sent it
    outbox.send_queued([email])  # the writer, late: its lease is gone, it sends nothing
    assert len(mail.outbox) == 1


class DatabaseRestartingBackend(BaseEmailBackend):
    """A mail server that accepts the message while PostgreSQL restarts: the worker's
    database connection is cut between the acceptance and the « sent » mark."""

    sent = []

    def send_messages(self, messages):
        from django.db import connection, connections

        self.sent.extend(messages)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            [pid] = cursor.fetchone()
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            other.close()
        return len(messages)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_restart_after_the_server_accepted_is_marked_on_a_new_connection(
    settings, monkeypatch
):
    """Every email in flight during a restart of PostgreSQL went out twice: the mark failed
    on the cut connection, and the sweep sent it again once its lease ran out."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("cuts a PostgreSQL connection")
    monkeypatch.setattr(outbox, "MARK_RETRY_WAITS", (0.05, 0.1), raising=False)
    settings.EMAIL_BACKEND = f"{__name__}.DatabaseRestartingBackend"
    DatabaseRestartingBackend.sent = []
    # Written and sent by the caller, as the worker sends a paid order's confirmation.
    with outbox.sent_by_caller() as emails:
        email = outbox.queue_email(
            key=f"test:restart:{uuid.uuid4().hex}",  # a committed database may have others
            to="awa@example.org",
            language="fr",
            template="order_expired",
            context={"order": None},
            subject=lambda: "Votre commande",
        )
    outbox.send_queued(emails)
    email.refresh_from_db()
    assert email.state == OutboxEmail.State.SENT
    assert email.message_id and email.claim_token == ""
    OutboxEmail.objects.filter(pk=email.pk).update(claimed_until=timezone.now())
    assert outbox.sweep_outbox(older_than=timedelta(0)) == 0  # nothing left to send again
    assert len(DatabaseRestartingBackend.sent) == 1
