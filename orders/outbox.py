"""The email outbox: an email is a row written in the same transaction as the change that
causes it, and sent by Celery only after that transaction commits.

- `queue_email` is idempotent on its key, so one business event queues one email.
- `send_now` claims the row with a lease in its own committed transaction (no other worker
  takes it while the lease runs; a row written inside `sent_by_caller` is leased to its
  writer from the start, which sends it without that claim), sends it with a Message-ID that
  is the same on every attempt (made of the row's id and key), and marks it sent in its own
  committed transaction as soon as the server has accepted it. A worker killed before the
  server's acceptance loses nothing: the lease expires and the email is sent again. Killed
  between the acceptance and the mark, the email is sent twice, with the same Message-ID, so
  a duplicate can be recognised; that window is a couple of database round trips long.
- `sweep_outbox`, run periodically, sends rows left pending: the broker was down when they
  were written, a worker died holding them (expired lease), or a send failed and its backoff
  is over. After MAX_ATTEMPTS the row is given up ("failed") so that staff see it.
"""

import base64
import contextlib
import contextvars
import hashlib
import logging
import time
import uuid
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from cesiq_site.typography import french_html, french_text

from .models import OutboxEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
BACKOFF_SECONDS = 30  # first retry after 30 s, then doubling
BACKOFF_MAX_SECONDS = 3600


class SendFailed(Exception):
    """The mail server refused or could not be reached; retry after `retry_in` seconds."""

    def __init__(self, email_id, retry_in, error):
        super().__init__(f"outbox email {email_id}: {error}")
        self.retry_in = retry_in


# Inside `sent_by_caller()`: the emails queued, leased to the caller, which sends them itself
# once its transaction has committed, instead of one Celery task per email.
_sent_by_caller = contextvars.ContextVar("outbox_sent_by_caller", default=None)


@contextlib.contextmanager
def sent_by_caller():
    """Inside this block, `queue_email` leaves the dispatching to the caller: it appends each
    row to the list this yields, for the caller to pass to `send_queued` after its commit. A
    task that writes emails (a paid order's confirmation) sends them in the same task: a
    Celery task per email costs the worker more CPU than building the email does. The rows
    are written with the caller's lease, so that sending them needs no claim of its own, only
    the lease renewed (`renew`: one statement instead of a transaction of two). Nothing is lost
    if the caller dies before sending: the rows are pending, and the sweep sends them once the
    lease has run out."""
    emails = []
    token = _sent_by_caller.set(emails)
    try:
        yield emails
    finally:
        _sent_by_caller.reset(token)


def send_queued(emails):
    """Send these committed outbox rows, leased to this caller, now (see `sent_by_caller`). A
    row the mail server refused is retried by its own task after its backoff, as
    `send_outbox_email` would; after any other error (the database), the sweep sends it once
    its lease has run out. Never raises."""
    from .tasks import send_outbox_email

    for email in emails:
        try:
            if renew(email):
                send_claimed(email)
        except SendFailed as exc:
            logger.warning("outbox: %s; retried in %s s", exc, exc.retry_in)
            try:
                send_outbox_email.apply_async((email.pk,), countdown=exc.retry_in)
            except Exception as error:  # the broker is down: the sweep sends it later
                logger.warning("outbox: email %s left for the sweep: %s", email.pk, error)
        except Exception as exc:
            logger.warning("outbox: email %s left for the sweep: %s", email.pk, exc)


def queue_email(
    *, key, to, language, template, context, subject, order=None, attachments=(), headers=None
):
    """Write the email to the outbox; dispatch its sending after commit.

    `template` names `orders/email/<template>.txt` and `.html` (or is a path, with a slash);
    `subject` is a callable run in `language` so that it is translated like the body.
    `attachments` are (filename, bytes, mimetype, content_id or None) tuples; a content id
    shows an image inline. `headers` are sent as they are (List-Unsubscribe…); Message-ID is
    always the outbox's own.
    """
    existing = OutboxEmail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    with translation.override(language):
        # One line, no space at either end: it is the email's subject, <title> and heading.
        subject_text = " ".join(str(subject()).split())
        context = {**context, "language": language, "subject": subject_text}
        path = template if "/" in template else f"orders/email/{template}"
        body_text = render_to_string(f"{path}.txt", context)
        body_html = render_to_string(f"{path}.html", context)
    if language.startswith("fr"):
        # Québec typography, as on the site's pages (cesiq_site/typography.py).
        subject_text = french_text(subject_text)
        body_text = french_text(body_text)
        body_html = french_html(body_html)
    caller_sends = _sent_by_caller.get()
    lease = {}
    if caller_sends is not None:
        lease = {
            "attempts": 1,
            "claim_token": uuid.uuid4().hex,
            "claimed_until": timezone.now() + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
        }
    email = OutboxEmail.objects.create(
        **lease,
        key=key,
        order=order,
        to=to,
        language=language,
        subject=subject_text,
        body_text=body_text,
        body_html=body_html,
        attachments=[
            {
                "filename": name,
                "mimetype": mimetype,
                "content": base64.b64encode(content).decode("ascii"),
                "content_id": content_id,
            }
            for name, content, mimetype, content_id in attachments
        ],
        headers=dict(headers or {}),
    )
    if caller_sends is not None:
        caller_sends.append(email)
    else:
        transaction.on_commit(lambda: dispatch(email.pk), robust=True)
    return email


def dispatch(email_id):
    """Hand the email to Celery. If the broker is down the row stays pending for the sweep.

    Never raises and never waits long (see CELERY_BROKER_TRANSPORT_OPTIONS): it runs after a
    commit, in the request of a buyer whose registration has already succeeded.
    """
    from .tasks import send_outbox_email

    try:
        send_outbox_email.delay(email_id)
    except Exception as exc:  # the broker is down: the sweep sends it later
        logger.warning("outbox: could not dispatch email %s, the sweep will: %s", email_id, exc)
        return False
    return True


def message_id_for(email):
    """`<outbox.<pk>.<hash of the key>@<sender's domain>>`: stable across attempts and workers,
    distinct between two databases whose rows share a primary key."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(email.key.encode()).hexdigest()[:16]
    return f"<outbox.{email.pk}.{digest}@{domain}>"


def backoff(attempts):
    """Seconds to wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


def claim(email_id, now=None):
    """Take the row for this worker, in a transaction of its own. Returns the row (with its
    `claim_token`) or None when it is sent, given up, or leased to another worker."""
    now = now or timezone.now()
    with transaction.atomic():
        email = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, state=OutboxEmail.State.PENDING)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .first()
        )
        if email is None:
            return None
        if email.attempts >= MAX_ATTEMPTS:
            email.state = OutboxEmail.State.FAILED
            email.save(update_fields=["state"])
            return None
        email.attempts += 1
        email.claim_token = uuid.uuid4().hex
        email.claimed_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        email.message_id = email.message_id or message_id_for(email)
        email.save(update_fields=["attempts", "claim_token", "claimed_until", "message_id"])
    return email


def build_message(email):
    message = EmailMultiAlternatives(
        email.subject,
        email.body_text,
        to=[email.to],
        headers={**(email.headers or {}), "Message-ID": email.message_id},
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments:
        message.attach(_mime_part(attachment))
    return message


def send_now(email_id):
    """Send one outbox row if it is pending and free. Returns True when this call sent it;
    raises SendFailed (after recording the error and the time of the next attempt) when the
    mail server did not accept it."""
    email = claim(email_id)
    if email is None:  # already sent, given up, or another worker holds the lease
        return False
    return send_claimed(email)


def renew(email, now=None):
    """Whether the row is still pending and leased to this worker, its lease renewed from now
    (one statement): written leased to its writer, it may wait a while to be sent (the rest of
    the writer's work, the emails before it), and is not sent by a writer whose lease ran out
    (the sweep may have it) or whose row was rolled back."""
    until = (now or timezone.now()) + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    renewed = OutboxEmail.objects.filter(
        pk=email.pk, claim_token=email.claim_token, state=OutboxEmail.State.PENDING
    ).update(claimed_until=until)
    email.claimed_until = until
    return bool(renewed)


def send_claimed(email):
    """Send a row this worker holds the lease of (`claim`, or written inside `sent_by_caller`);
    True once the server accepted it, SendFailed otherwise (see `send_now`)."""
    email.message_id = email.message_id or message_id_for(email)
    connection = get_connection()
    try:
        connection.open()  # opened here, so that send_messages leaves it open for QUIT below
        connection.send_messages([build_message(email)])
    except Exception as exc:
        _close_quietly(connection)
        wait = backoff(email.attempts)
        # Keep the lease until the next attempt is due: the sweep leaves the row alone until
        # then, and the Celery retry (same countdown) finds it free.
        OutboxEmail.objects.filter(pk=email.pk, claim_token=email.claim_token).update(
            claimed_until=timezone.now() + timedelta(seconds=wait),
            last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
            message_id=email.message_id,
        )
        raise SendFailed(email.pk, wait, exc) from exc
    # The server has accepted it: say so at once, in a transaction of its own (autocommit).
    marked = _mark_sent(email)
    _close_quietly(connection)  # only after the mark: QUIT is one more round trip
    if not marked:
        logger.warning("outbox: email %s (%s) was sent twice", email.pk, email.message_id)
    return True


# Waits between tries of the « sent » mark when the database connection is gone, for at most
# MARK_RETRY_SECONDS in all (well within the lease, connecting included): a restart of
# PostgreSQL while the mail server took its time left every email in flight pending, and the
# sweep sent each a second time.
MARK_RETRY_WAITS = (0.2, 0.5, 1, 2, 4, 8, 15)
MARK_RETRY_SECONDS = 60


def _mark_sent(email):
    """Mark the row sent; through a lost database connection, on a new one, until the waits
    run out (then raise: the sweep will send it again, as after a killed worker). Inside a
    transaction (the tests' own) a lost connection cannot be replaced: it raises at once."""
    from django.db import InterfaceError, OperationalError
    from django.db import connection as database

    give_up_at = time.monotonic() + MARK_RETRY_SECONDS
    for wait in (*MARK_RETRY_WAITS, None):
        try:
            return OutboxEmail.objects.filter(pk=email.pk, state=OutboxEmail.State.PENDING).update(
                state=OutboxEmail.State.SENT,
                sent_at=timezone.now(),
                message_id=email.message_id,
                last_error="",
                claim_token="",
                claimed_until=None,
            )
        except (OperationalError, InterfaceError) as exc:
            # Only a connection lost (not SQLite's « database is locked »), outside a
            # transaction, and in time.
            if (
                wait is None
                or database.in_atomic_block
                or (database.connection is not None and database.is_usable())
                or time.monotonic() + wait > give_up_at
            ):
                raise
            logger.warning(
                "outbox: email %s sent, marking it failed (%s); again in %s s", email.pk, exc, wait
            )
            database.close()  # the next query opens a new connection
            time.sleep(wait)
    return 0  # not reached


def _close_quietly(connection):
    try:
        connection.close()
    except Exception as exc:  # the message is accepted (or already failed): nothing to undo
        logger.info("outbox: closing the mail connection failed: %s", exc)


def _mime_part(attachment):
    """An attachment; an image with a content id is shown inline (<img src="cid:…">)."""
    from email.mime.base import MIMEBase
    from email.mime.image import MIMEImage

    content = base64.b64decode(attachment["content"])
    maintype, _, subtype = attachment["mimetype"].partition("/")
    if attachment.get("content_id") and maintype == "image":
        part = MIMEImage(content, _subtype=subtype)
        part.add_header("Content-ID", f"<{attachment['content_id']}>")
        part.add_header("Content-Disposition", "inline", filename=attachment["filename"])
        return part
    part = MIMEBase(maintype, subtype, **({"charset": "utf-8"} if maintype == "text" else {}))
    part.set_payload(content)
    from email import encoders

    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
    return part


def sweep_outbox(older_than=timedelta(minutes=2), limit=200, budget=timedelta(seconds=90)):
    """Send rows still pending after `older_than` whose lease, if any, has run out: the broker
    was down when they were written, a worker died holding them, or their backoff is over.

    The sweep sends them itself rather than queueing a task per row: a task may still be
    queued for the same row, and sweeps that piled up while the worker was down would
    otherwise queue each row once per sweep. The lease keeps the sweep and any such task from
    both sending it. It stops after `budget` so that runs do not pile up; the next one goes on.
    Rows attempted MAX_ATTEMPTS times are given up, so that staff see them ("failed").
    Returns how many emails this run sent.
    """
    started = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=started)
    pending = OutboxEmail.objects.filter(free, state=OutboxEmail.State.PENDING)
    given_up = pending.filter(attempts__gte=MAX_ATTEMPTS).update(state=OutboxEmail.State.FAILED)
    if given_up:
        logger.error("outbox: %s email(s) failed after %s attempts", given_up, MAX_ATTEMPTS)
    ids = list(
        pending.filter(created_at__lte=started - older_than)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for email_id in ids:
        if timezone.now() - started > budget:
            break
        try:
            sent += send_now(email_id)
        except SendFailed as exc:  # recorded on the row, with the time of its next attempt
            logger.warning("outbox: %s", exc)
    return sent
