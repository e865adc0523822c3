"""Background work of the site as a whole. Every task is safe to run twice."""

from celery import shared_task

from . import privacy


@shared_task(name="home.purge_personal_data")
def purge_personal_data():
    """Law 25: destroy attendee data once the retention period after an activity is over."""
    return privacy.purge_old_attendee_data()
