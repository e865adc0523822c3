"""The email outbox with a real Celery worker on Redis and PostgreSQL.

An email written while the broker is down stays in the outbox; once the broker is back the
sweep hands it to the worker, which sends it exactly once.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from orders.models import OutboxEmail
from orders.outbox import queue_email, sweep_outbox
from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A Redis server of the test's own, so that it can be stopped and started again."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        service_missing("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def celery_on(redis_server):
    """Point this process's Celery at the private Redis, with eager mode off."""
    from cesiq_site.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url = redis_server.url
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    yield app
    app.conf.broker_url, app.conf.task_always_eager = saved
    app._pool = None
    app.amqp._producer_pool = None


def start_worker(redis_url, mail_dir):
    db = settings.DATABASES["default"]
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="cesiq_site.settings.test",
        REDIS_URL=redis_url,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        CESIQ_TEST_EMAIL_DIR=str(mail_dir),
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cesiq_site",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.django_db(transaction=True)
def test_email_written_while_the_broker_is_down_is_sent_once_it_is_back(
    redis_server, celery_on, tmp_path
):
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL (DATABASE_URL): the worker shares the test database")
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()

    # The broker is down: the email is written with the change, its dispatch fails quietly.
    with transaction.atomic():
        email = queue_email(
            key="test:broker-down",
            to="awa@example.org",
            language="fr",
            template="order_expired",
            context={"order": None},
            subject=lambda: "Essai",
        )
    email.refresh_from_db()
    assert email.state == OutboxEmail.State.PENDING

    redis_server.start()
    worker = start_worker(redis_server.url, mail_dir)
    try:
        # The sweep picks it up (twice, as if two beats overlapped): sent once.
        assert sweep_outbox(older_than=timedelta(0)) == 1
        assert sweep_outbox(older_than=timedelta(0)) in (0, 1)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            email.refresh_from_db()
            if email.state == OutboxEmail.State.SENT:
                break
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.2)
        else:
            pytest.fail("the worker did not send the email within 60 s")
        time.sleep(1)  # give a duplicate, if any, the time to arrive
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    assert email.attempts == 1
    sent = list(mail_dir.iterdir())
    assert len(sent) == 1
    assert "Subject: Essai" in sent[0].read_text()
