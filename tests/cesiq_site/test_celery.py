"""Background tasks: dispatched after commit, and run by a real worker on Redis in CI."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import transaction

from cesiq_site.tasks import ping
from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]


def test_eager_task_runs_in_process():
    token = uuid.uuid4().hex
    # EagerResult.result, not .get(): Celery's "inside a task" flag is process-wide, and eager
    # tasks run from concurrent threads (the PostgreSQL concurrency tests) can leave it set, so
    # get() would refuse to run. The task itself is what this test checks.
    assert ping.delay(token).result == token
    assert cache.get(f"celery-ping:{token}") == "pong"


@pytest.mark.django_db(transaction=True)
def test_task_is_dispatched_only_after_commit():
    token = uuid.uuid4().hex
    with transaction.atomic():
        transaction.on_commit(lambda: ping.delay(token))
        assert cache.get(f"celery-ping:{token}") is None
    assert cache.get(f"celery-ping:{token}") == "pong"


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        service_missing("REDIS_URL is not set: no Redis for a real Celery worker")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {url} is unreachable: {exc}")
    return url


@pytest.fixture
def celery_worker(redis_url, settings):
    """A real `celery worker` process on Redis, with the test settings."""
    # Through Django's settings: Celery 5.6 reads CELERY_* settings before app.conf changes.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Whatever broker connection an earlier test of this process left pooled (a fault test's
    # own Redis) is dropped: the task goes to the broker the worker reads. And the tasks that
    # earlier tests of this process queued there with eager mode off (a confirmation, a
    # waiting-list offer) are dropped: the worker would run them first, on a database it does
    # not have (seen once: a minute of failing confirmations and their retries before the ping).
    from cesiq_site.celery import app
    from tests.faults import forget_connections

    forget_connections(app)
    app.control.purge()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="cesiq_site.settings.test")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cesiq_site",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def test_real_worker_runs_a_task_from_redis(celery_worker):
    token = uuid.uuid4().hex
    ping.delay(token)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if cache.get(f"celery-ping:{token}") == "pong":
            break
        assert celery_worker.poll() is None, celery_worker.stdout.read().decode()
        time.sleep(0.2)
    else:
        celery_worker.terminate()
        output = celery_worker.communicate(timeout=20)[0].decode(errors="replace")
        pytest.fail(f"the worker did not run the task within 60 s; it said:\n{output}")
