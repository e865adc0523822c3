"""Background work of the money core. Every task is safe to run twice."""

from celery import shared_task

from . import outbox, privacy, services

RETRY = {
    "autoretry_for": (Exception,),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 10,
}


@shared_task(name="orders.send_outbox_email", **RETRY)
def send_outbox_email(email_id):
    return outbox.send_now(email_id)


@shared_task(name="orders.sweep_outbox")
def sweep_outbox():
    return outbox.sweep_outbox()


@shared_task(name="orders.execute_refund", **RETRY)
def execute_refund(refund_id):
    return services.execute_refund(refund_id)


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
