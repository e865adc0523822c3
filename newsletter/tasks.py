"""Background work of the newsletter. Every task is safe to run twice."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(
    name="newsletter.send_batch",
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=10,
)
def send_batch(sending_id):
    """Queue one batch of an issue to the outbox, then the next batch as a task of its own."""
    from . import services

    if services.send_next_batch(sending_id):
        dispatch_batch(sending_id)


@shared_task(name="newsletter.resume_stalled")
def resume_stalled(idle_seconds=600):
    """Start again each sending whose chain of batches stopped: unfinished, and no batch for
    `idle_seconds` (a worker killed outright keeps its task in the broker for an hour). Its
    next batch goes on from its cursor; nobody receives the issue twice (the outbox's keys)."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import NewsletterSending

    stalled = list(
        NewsletterSending.objects.filter(
            finished_at__isnull=True,
            updated_at__lt=timezone.now() - timedelta(seconds=idle_seconds),
        ).values_list("pk", flat=True)
    )
    for sending_id in stalled:
        logger.warning("newsletter: sending %s had stopped; resumed", sending_id)
        dispatch_batch(sending_id)
    return len(stalled)


def dispatch_batch(sending_id):
    """Hand the next batch to Celery; with the broker down, log it (staff see the sending
    unfinished and can press "resume")."""
    try:
        send_batch.delay(sending_id)
    except Exception as exc:
        logger.warning("newsletter: could not dispatch sending %s: %s", sending_id, exc)
        return False
    return True
