"""A Celery worker keeps its PostgreSQL connection from one task to the next, as a web process
does from one request to the next (CONN_MAX_AGE), and replaces one that broke.

Celery's Django fixup closed every connection around every task, so each task started a new
PostgreSQL backend (≈ 10 ms of the server's CPU each on this machine, bench/README.md).
"""

import pytest

from tests import faults
from tests.faults import require_postgresql, start_worker, stop_worker, wait_for, worker_env
from tests.testshop.tasks import database_backend

# Fixtures shared by the fault tests.
redis_server = faults.redis_server
celery_on = faults.celery_on


def backend_of_task(worker, path):
    database_backend.delay(str(path))
    wait_for(
        lambda: path.exists() or worker.poll() is not None,
        60,
        lambda: f"the task did not run:\n{faults.worker_output(worker)}",
        interval=0.1,
    )
    assert worker.poll() is None, faults.worker_output(worker)
    return int(path.read_text())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pool", ["prefork", "solo"])
def test_the_worker_keeps_its_connection_and_replaces_a_broken_one(
    redis_server, celery_on, tmp_path, pool
):
    require_postgresql()
    redis_server.start()
    worker = start_worker(
        worker_env(redis_server.url()),
        f"--pool={pool}",
        "--concurrency=1",
        "--without-gossip",
        "--without-mingle",
        log=str(tmp_path / "worker.log"),
    )
    try:
        first = backend_of_task(worker, tmp_path / "1")
        second = backend_of_task(worker, tmp_path / "2")
        third = backend_of_task(worker, tmp_path / "3")
        assert first == second == third  # one connection, not one per task

        # PostgreSQL ends that backend (a restart, a failover, an idle timeout): the next task
        # gets a new connection at once (health check), rather than failing and waiting for
        # its retry.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [third])
            assert cursor.fetchone()[0]
        fourth = backend_of_task(worker, tmp_path / "4")
        assert fourth != third
        assert backend_of_task(worker, tmp_path / "5") == fourth
    finally:
        stop_worker(worker)
    assert "OperationalError" not in faults.worker_output(worker)
