from celery import shared_task
from django.core.management import call_command


@shared_task(name="home.publish_scheduled")
def publish_scheduled():
    """Publish the pages and snippets whose go-live time has come, and unpublish the expired
    ones (Wagtail's `publish_scheduled` command), every minute from Celery beat."""
    call_command("publish_scheduled", verbosity=0)
