"""The Celery application. Tasks are dispatched with `transaction.on_commit`, never inside an
open transaction, so a worker never sees a row that is not committed yet."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cesiq_site.settings.dev")

app = Celery("cesiq_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
