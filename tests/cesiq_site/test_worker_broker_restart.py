"""A Celery worker rides out a Redis restart in the middle of a task.

Celery 5.7.0's worker died when the broker dropped while it held an unacknowledged message (a
late-acked task running in its pool): on the connection error it closed the connection a second
time after `collect()` had already detached the transport, the Redis channel tried to restore
the unacked message with no connection details left, and "AttributeError: 'NoneType' object
has no attribute 'hostname'" was an "Unrecoverable error". The project pins Celery 5.6.3, which
reconnects; this test keeps it so. The worker runs as in production (prefork pool of two,
gossip, mingle and heartbeats on).
"""

import time

import pytest
from celery.exceptions import OperationalError

from tests import faults
from tests.faults import start_worker, stop_worker, wait_for, worker_env, worker_output
from tests.testshop.tasks import touch

# Fixtures shared by the fault tests.
redis_server = faults.redis_server
celery_on = faults.celery_on


def send(task, *args):
    """Dispatch, as the sweep would again if the first try hits a connection Redis dropped."""
    for _attempt in range(5):
        try:
            return task.delay(*args)
        except OperationalError:
            time.sleep(0.5)
    pytest.fail("could not dispatch the task to the restarted Redis")


@pytest.mark.slow
def test_the_worker_survives_a_redis_restart_mid_task(redis_server, celery_on, tmp_path):
    redis_server.start()
    worker = start_worker(
        worker_env(redis_server.url()),
        "--pool=prefork",
        "--concurrency=2",
        log=str(tmp_path / "worker.log"),
    )
    try:

        def alive():
            assert worker.poll() is None, "the worker died:\n" + worker_output(worker)
            return True

        ready, slow, after = (str(tmp_path / name) for name in ("ready", "slow", "after"))
        send(touch, ready)
        wait_for(lambda: alive() and (tmp_path / "ready").exists(), 60, "the worker never started")

        send(touch, slow, 4)  # acknowledged late: unacked while it runs
        wait_for(lambda: (tmp_path / "slow.started").exists(), 30, "the slow task never began")
        redis_server.stop()
        wait_for(  # the worker notices, and tries to reconnect
            lambda: alive() and noticed(worker_output(worker)),
            30,
            lambda: "the worker never noticed Redis was gone:\n" + worker_output(worker),
            interval=0.1,
        )
        redis_server.start()

        send(touch, after)
        wait_for(
            lambda: alive() and (tmp_path / "after").exists(),
            60,
            lambda: "no task ran after Redis came back:\n" + worker_output(worker),
            interval=0.2,
        )
        wait_for(lambda: (tmp_path / "slow").exists(), 10, "the task in flight never finished")
        assert alive()
    finally:
        stop_worker(worker)
    log = worker_output(worker)
    assert noticed(log), log
    assert "Unrecoverable error" not in log, log


def noticed(log):
    return "Connection to broker lost" in log or "Cannot connect to redis" in log
