"""Background work of activities. Every task is safe to run twice."""

from celery import shared_task

from . import reminders


@shared_task(name="events.send_reminders")
def send_reminders():
    return reminders.send_due_reminders()
