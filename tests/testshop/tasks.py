"""A task for the worker tests (this app is installed in test settings only)."""

import time
from pathlib import Path

from celery import shared_task


@shared_task(name="testshop.touch")
def touch(path, seconds=0):
    """Write `<path>.started`, work for `seconds`, then write `path`: the test sees when the
    task began and whether it finished."""
    Path(f"{path}.started").write_text("started")
    time.sleep(seconds)
    Path(path).write_text("done")
    return path


@shared_task(name="testshop.database_backend", autoretry_for=(Exception,), max_retries=3)
def database_backend(path):
    """Write the PostgreSQL backend's pid that served this task's query to `path`: the test
    sees whether the worker kept its connection from one task to the next. A failed query
    is retried later, as the project's tasks are."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    Path(path).write_text(str(pid))
    return pid
