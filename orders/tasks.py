"""Background work of the money core. Every task is safe to run twice."""

import logging
from datetime import timedelta

from celery import shared_task
from django.db import transaction

from . import outbox, privacy, services

logger = logging.getLogger(__name__)

RETRY = {
    "autoretry_for": (Exception,),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 10,
}


@shared_task(name="orders.send_outbox_email", bind=True, max_retries=outbox.MAX_ATTEMPTS)
def send_outbox_email(self, email_id):
    """Send one email. A refusal is retried when the row's backoff is over (the row records
    it, so the sweep and this retry agree); other errors (database down) retry like any task."""
    try:
        return outbox.send_now(email_id)
    except outbox.SendFailed as exc:
        raise self.retry(exc=exc, countdown=exc.retry_in) from exc
    except Exception as exc:
        raise self.retry(exc=exc, countdown=RETRY["retry_backoff"]) from exc


@shared_task(name="orders.write_confirmation", **RETRY)
def write_confirmation(order_id):
    """Build a paid order's confirmation and staff notification into the outbox (once), then
    send them from this task (not a task each: see `outbox.sent_by_caller`)."""
    with outbox.sent_by_caller() as emails:
        written = services.write_confirmation(order_id)
    # Its transaction has committed (on_commit runs at once outside a transaction; in an
    # eager task inside one, after it commits, as the tasks per email would have been).
    transaction.on_commit(lambda: outbox.send_queued(emails), robust=True)
    return written


@shared_task(name="orders.apply_stripe_event", **RETRY)
def apply_stripe_event(event_pk):
    """Apply a Stripe event the webhook recorded (once, however often this runs), then write
    the confirmation of the order it paid here too, rather than in a task of its own."""
    with services.confirmations_written_by_caller() as paid:
        outcome = services.apply_stripe_event(event_pk)
    for order_id in paid:
        try:
            write_confirmation(order_id)
        except Exception as exc:  # the payment is applied: its confirmation gets its own task
            logger.warning("confirmation of order %s queued apart: %r", order_id, exc)
            services.dispatch_confirmation(order_id)
    return outcome


@shared_task(name="orders.apply_waiting_stripe_events")
def apply_waiting_stripe_events(older_than_seconds=30):
    """Apply the Stripe events recorded and still not applied half a minute later (their task
    was lost), then those kept for a payment that is now known."""
    older_than = timedelta(seconds=older_than_seconds)
    return services.apply_received_events(older_than) + services.apply_deferred_events()


@shared_task(name="orders.sweep_outbox")
def sweep_outbox(older_than_seconds=120):
    """Write the confirmations no task wrote, then send what the outbox still holds."""
    older_than = timedelta(seconds=older_than_seconds)
    services.sweep_confirmations(older_than=older_than)
    return outbox.sweep_outbox(older_than=older_than)


@shared_task(name="orders.execute_refund", **RETRY)
def execute_refund(refund_id):
    return services.execute_refund(refund_id)


@shared_task(name="orders.retry_pending_refunds")
def retry_pending_refunds(older_than_seconds=600):
    """Send refunds that are still waiting for Stripe: their task was never queued (the broker
    was down when staff asked for them) or died. Only those under 23 hours old: Stripe keeps an
    idempotency key for 24 hours, so a refund that did reach Stripe is replayed, never made
    twice. Older ones are listed as stuck for staff (orders/reports.py)."""
    from django.db.models import Q
    from django.utils import timezone

    from .models import Refund, RefundState

    now = timezone.now()
    ids = Refund.objects.filter(
        Q(stripe_refund_id__isnull=True) | Q(stripe_refund_id=""),
        state=RefundState.PENDING,
        created_at__lte=now - timedelta(seconds=older_than_seconds),
        created_at__gt=now - timedelta(hours=23),
    ).values_list("pk", flat=True)[:100]
    sent = 0
    for refund_id in ids:
        try:
            sent += bool(services.execute_refund(refund_id))
        except Exception as exc:  # Stripe down: the next run tries again
            logger.warning("refund %s still waiting for Stripe: %s", refund_id, exc)
    return sent


@shared_task(name="orders.expire_orders")
def expire_orders():
    return services.expire_stale_orders()


@shared_task(name="orders.reconcile_payments")
def reconcile_payments():
    return services.reconcile_pending_payments()


@shared_task(name="orders.purge_personal_data")
def purge_personal_data():
    """Law 25: destroy personal data once the retention period after a sale's purpose (an
    activity that took place) is over, in every app that registered its part."""
    return dict(privacy.purge_old_personal_data())
