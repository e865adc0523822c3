"""Background work of school bookings. Every task is safe to run twice."""

from celery import shared_task


@shared_task(name="schools.remind_unpaid_invoices")
def remind_unpaid_invoices():
    """Remind schools of overdue invoices, once per interval (schools.services)."""
    from . import services

    return services.send_reminders()
