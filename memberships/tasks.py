from celery import shared_task


@shared_task(name="memberships.send_renewal_reminders")
def send_renewal_reminders():
    from .services import send_renewal_reminders as send

    return send()
