"""The email outbox: an email is a row written in the same transaction as the change that
causes it, and sent by Celery only after that transaction commits.

- `queue_email` is idempotent on its key, so one business event queues one email.
- `send_outbox_email` sends a row at most once: it takes the row's lock, checks that it is
  still pending, sends and marks it sent in one transaction.
- `sweep_outbox`, run periodically, picks up rows left pending when the broker was down or a
  worker died.
"""

import base64
import logging
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutboxEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12


def queue_email(*, key, to, language, template, context, subject, order=None, attachments=()):
    """Write the email to the outbox; dispatch its sending after commit.

    `template` names `orders/email/<template>.txt` and `.html` (or is a path, with a slash);
    `subject` is a callable run in `language` so that it is translated like the body.
    `attachments` are (filename, bytes, mimetype, content_id or None) tuples; a content id
    shows an image inline.
    """
    existing = OutboxEmail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    with translation.override(language):
        context = {**context, "language": language}
        path = template if "/" in template else f"orders/email/{template}"
        body_text = render_to_string(f"{path}.txt", context)
        body_html = render_to_string(f"{path}.html", context)
        subject_text = str(subject())
    email = OutboxEmail.objects.create(
        key=key,
        order=order,
        to=to,
        language=language,
        subject=" ".join(subject_text.split()),
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
    )
    transaction.on_commit(lambda: dispatch(email.pk), robust=True)
    return email


def dispatch(email_id):
    """Hand the email to Celery. If the broker is down the row stays pending for the sweep."""
    from .tasks import send_outbox_email

    try:
        send_outbox_email.delay(email_id)
    except Exception as exc:  # the broker is down: the sweep sends it later
        logger.warning("outbox: could not dispatch email %s: %s", email_id, exc)


def send_now(email_id):
    """Send one outbox row if it is still pending. Returns True when this call sent it."""
    with transaction.atomic():
        email = (
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, state=OutboxEmail.State.PENDING)
            .first()
        )
        if email is None:  # already sent, or another worker holds it right now
            return False
        email.attempts += 1
        message = EmailMultiAlternatives(email.subject, email.body_text, to=[email.to])
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        for attachment in email.attachments:
            message.attach(_mime_part(attachment))
        try:
            message.send()
        except Exception as exc:
            # Keep the attempt count and error, then let Celery retry with backoff.
            OutboxEmail.objects.filter(pk=email.pk).update(
                attempts=email.attempts, last_error=f"{exc.__class__.__name__}: {exc}"[:2000]
            )
            raise
        email.state = OutboxEmail.State.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["state", "sent_at", "attempts", "last_error"])
    return True


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


def sweep_outbox(older_than=timedelta(minutes=2), limit=200):
    """Dispatch rows still pending after `older_than` (broker down, worker killed)."""
    cutoff = timezone.now() - older_than
    # An address refused again and again is given up, so that staff see it (state "failed").
    OutboxEmail.objects.filter(state=OutboxEmail.State.PENDING, attempts__gte=MAX_ATTEMPTS).update(
        state=OutboxEmail.State.FAILED
    )
    ids = list(
        OutboxEmail.objects.filter(state=OutboxEmail.State.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for email_id in ids:
        dispatch(email_id)
    return len(ids)
