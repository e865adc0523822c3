"""Workers killed while they send: no email is lost, and an email is sent twice only when its
worker died between the mail server's acceptance and the outbox mark.

Two real Celery workers take the emails from a private Redis and send them over SMTP to a
server of the test's own. Twelve times, at points chosen by a seeded RNG, the server kills the
worker it is talking to with SIGKILL, four times in each phase: when the worker says DATA
(nothing accepted yet), right after accepting the message (before answering), or a moment after
answering 250 (the worker may or may not have marked the row). The test starts a new worker
each time (forked from a process that imported the site once: tests/worker_zygote.py), and
the sweep (a task, as beat sends it) sends what the dead held once their lease
runs out.
"""

import os
import random
import signal
import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction

from orders.models import OutboxEmail
from orders.outbox import queue_email
from orders.tasks import sweep_outbox as sweep
from tests import faults
from tests.faults import (
    WorkerZygote,
    process_with_local_port,
    require_postgresql,
    running,
    stop_worker,
    wait_for,
    worker_env,
    worker_output,
)

# Fixtures shared by the fault tests.
celery_on = faults.celery_on
redis_server = faults.redis_server
smtp_sink = faults.smtp_sink

BATCH = 40
KILLS = 12  # four in each phase
KILLS_DEADLINE = 300  # seconds
LEASE_SECONDS = 3
SEED = 20261202
PHASES = ("data", "stored", "answered")


def batch():
    return OutboxEmail.objects.filter(key__startswith="test:kill:")


def queue_batch(start):
    for n in range(start, start + BATCH):
        with transaction.atomic():  # dispatched to the private Redis when this commits
            queue_email(
                key=f"test:kill:{n}",
                to=f"personne{n}@example.org",
                language="fr",
                template="order_expired",
                context={"order": None},
                subject=lambda n=n: f"Essai {n}",
            )
    return start + BATCH


class Killer:
    """Called by the SMTP server at each stage of each message; carries out the plan."""

    def __init__(self, plan, workers):
        self.plan = list(plan)  # (messages to let through first, phase, pause)
        self.workers = workers
        self.lock = threading.Lock()
        self.stored = 0
        self.next_at = self.plan[0][0] if self.plan else None
        self.kills = []  # (phase, message_id, marked before the worker died)
        self.errors = []

    def __call__(self, stage, client_port, message_id):
        with self.lock:
            try:
                self.maybe_kill(stage, client_port, message_id)
            except Exception as exc:  # reported by the test, not lost in a server thread
                self.errors.append(repr(exc))
            finally:
                if stage == "stored":
                    self.stored += 1
                connection.close()

    def maybe_kill(self, stage, client_port, message_id):
        if not self.plan or self.stored < self.next_at:
            return
        _gap, phase, pause = self.plan[0]
        if stage != phase:
            return
        time.sleep(pause)
        pid = process_with_local_port(client_port, [w.pid for w in self.workers])
        if pid is None:
            return
        name = next(w.database_name for w in self.workers if w.pid == pid)
        os.killpg(pid, signal.SIGKILL)
        while running(pid):  # until dead: a zombie until the test reaps it, or reaped
            time.sleep(0.001)
        # The worker may have sent its COMMIT just before it died: PostgreSQL still applies
        # it. Whether the row was marked is only known once its connections are gone.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                    [name],
                )
                if cursor.fetchone()[0] == 0:
                    break
            time.sleep(0.005)
        marked = (
            bool(message_id)
            and batch().filter(message_id=message_id, state=OutboxEmail.State.SENT).exists()
        )
        self.kills.append((phase, message_id, marked))
        self.plan.pop(0)
        if self.plan:
            self.next_at = self.stored + self.plan[0][0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_killing_workers_while_they_send_loses_no_email(
    redis_server, celery_on, smtp_sink, tmp_path
):
    require_postgresql()
    rng = random.Random(SEED)  # the plan is the same on every run
    phases = list(PHASES) * (KILLS // len(PHASES))  # each phase as often as the others
    rng.shuffle(phases)
    plan = [(rng.randint(1, 3), phase, rng.uniform(0, 0.03)) for phase in phases]
    redis_server.start()
    queued = queue_batch(0)
    env = worker_env(
        redis_server.url(),
        CESIQ_TEST_SMTP_PORT=smtp_sink.port,
        CESIQ_TEST_OUTBOX_LEASE_SECONDS=LEASE_SECONDS,
    )
    logs = iter(range(KILLS + 10))
    # Fourteen workers in all: forked from one process that imported Django and the tasks
    # once, rather than each starting from nothing (tests/worker_zygote.py).
    zygote = WorkerZygote(env, log=tmp_path / "zygote.log")

    def new_worker():
        """A worker whose database connections carry its own name (PGAPPNAME)."""
        n = next(logs)
        name = f"cesiq-outbox-kill-{os.getpid()}-{n}"
        worker = zygote.start(name, tmp_path / f"worker-{n}.log")
        worker.database_name = name
        return worker

    workers = []  # started in the try below: stopped whatever happens
    dead = []
    killer = smtp_sink.on_event = Killer(plan, workers)
    started = time.monotonic()

    def replace_the_dead():
        for slot, worker in enumerate(workers):
            if worker.poll() is not None:
                dead.append(worker)
                workers[slot] = new_worker()
                sweep.delay(0)  # what beat does every two minutes (0: however young the row)

    def output():
        return "\n".join(worker_output(w) for w in workers + dead) + "\n".join(killer.errors)

    try:
        workers += [new_worker(), new_worker()]
        while len(killer.kills) < KILLS:
            replace_the_dead()
            if batch().filter(state=OutboxEmail.State.PENDING).count() < 10:
                queued = queue_batch(queued)  # keep the workers busy until the last kill
            # A guard against a hang, not a speed check: each kill waits for a new worker to
            # start, which takes several seconds on a loaded machine (14 kills in 90 s seen).
            if time.monotonic() - started > KILLS_DEADLINE:
                pytest.fail(f"only {len(killer.kills)} kills in {KILLS_DEADLINE} s\n{output()}")
            time.sleep(0.05)

        # Let the survivors finish; the sweep sends what the dead held once their leases expire.
        def all_sent():
            replace_the_dead()
            if batch().filter(state=OutboxEmail.State.PENDING).exists():
                sweep.delay(0)
                return False
            return True

        wait_for(all_sent, 60, lambda: "emails still pending after 60 s\n" + output(), 1)
        time.sleep(0.5)  # a late copy, if any, arrives now
    finally:
        smtp_sink.on_event = None
        for worker in workers:
            stop_worker(worker)
        zygote.close()
    elapsed = time.monotonic() - started

    assert killer.errors == []
    rows = {row.message_id: row for row in batch()}
    assert len(rows) == queued
    assert all(row.state == OutboxEmail.State.SENT and row.sent_at for row in rows.values())
    received = Counter(i for i in smtp_sink.message_ids() if i in rows)
    assert set(received) == set(rows)  # nothing lost
    duplicates = {message_id: n - 1 for message_id, n in received.items() if n > 1}
    # A copy too many exactly for each worker killed after the server accepted its message
    # and before it marked the row; none for the others.
    in_the_window = Counter(
        message_id for phase, message_id, marked in killer.kills if message_id and not marked
    )
    assert duplicates == dict(in_the_window)
    phases = Counter(phase for phase, *_ in killer.kills)
    print(
        f"\noutbox under {KILLS} SIGKILLs (at DATA: {phases['data']}, accepted but not yet "
        f"answered: {phases['stored']}, after the answer: {phases['answered']}): "
        f"{queued} emails, 0 lost, {sum(duplicates.values())} duplicate(s) (same Message-ID "
        f"received twice), all from workers killed between the acceptance and the mark; "
        f"{elapsed:.1f} s"
    )
