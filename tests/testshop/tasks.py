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
