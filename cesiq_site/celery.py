"""The Celery application. Tasks are dispatched with `transaction.on_commit`, never inside an
open transaction, so a worker never sees a row that is not committed yet."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cesiq_site.settings.dev")

app = Celery("cesiq_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_old_connections(sender=None, **kwargs):
    """A worker's database connections live as a web process's do: around each task, as
    around each request, Django closes those older than CONN_MAX_AGE or left unusable by an
    error, and checks the others before their next use (CONN_HEALTH_CHECKS).

    Celery's own Django fixup would close every connection before and after every task
    (`CELERY_DB_REUSE_MAX` unset), so each task opened a new PostgreSQL connection: a
    backend started, authenticated and its catalogue caches filled again, several
    milliseconds of CPU per task in the worker and in PostgreSQL (bench/README.md). The
    settings' CELERY_DB_REUSE_MAX turns that off; this takes its place. An eager task runs
    inside a request or a test, whose connection is not the task's to close."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return
    from django.db import close_old_connections as close

    close()
