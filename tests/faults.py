"""Real services that fault tests start, stop and kill: a private Redis, Celery workers and an
SMTP server that records what it accepts. Each runs on its own port, so that stopping it never
disturbs the machine's own Redis or another test run."""

import contextlib
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[1]


def running(pid):
    """Whether process `pid` still runs: a dead child not yet reaped is a zombie (Linux's
    /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        # Gone, reaped: before the open, or between the open and the read (ESRCH), as when
        # another thread of the test reaps it meanwhile.
        return False


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout, message, interval=0.05):
    """Poll `predicate` until it is true; fail the test with `message` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    pytest.fail(message() if callable(message) else message)


class PrivateRedis:
    """A Redis server of the test's own, on a fixed port, so that it can be stopped and
    started again at the same address (as a Redis restart looks to the site and workers)."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.dir = tmp_path
        self.process = None

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

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
def celery_on(redis_server, settings):
    """Point this process's Celery at the private Redis, with eager mode off.

    Through Django's settings: Celery reads `CELERY_*` settings before its own `app.conf`
    assignments (Celery 5.6), so `app.conf.broker_url = …` would be ignored."""
    from cesiq_site.celery import app

    settings.CELERY_BROKER_URL = redis_server.url()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    forget_connections(app)
    yield app
    forget_connections(app)


def forget_connections(app):
    """Drop Celery's pooled connections, so that the next task goes to the broker now set."""
    app._pool = None
    app.amqp._producer_pool = None


def require_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL (DATABASE_URL): the worker shares the test database")


def worker_env(redis_url, **extra):
    """Environment of a worker process on the test database and the private Redis."""
    db = settings.DATABASES["default"]
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="cesiq_site.settings.test",
        REDIS_URL=redis_url,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        **{key: str(value) for key, value in extra.items()},
    )


def start_worker(env, *options, log=None):
    """A `celery worker` process in a process group of its own (so that the test can kill it
    with its pool processes, as a container is killed); `options` replace the defaults (solo
    pool, no gossip). Its output goes to the file `log` (a pipe nobody reads could fill up
    and block the worker) or to a pipe."""
    options = options or ("--pool=solo", "--without-gossip", "--without-mingle")
    output = open(log, "ab") if log else subprocess.PIPE  # noqa: SIM115 — the child owns it
    try:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "cesiq_site", "worker", "--loglevel=WARNING"]
            + list(options),
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        if log:
            output.close()
    worker.log = log
    return worker


class ForkedWorker:
    """A worker forked by a WorkerZygote, used as `start_worker`'s Popen is: `pid`, `poll()`,
    `terminate()`, `wait()`, `log`. Not this process's child: its end is read from /proc."""

    def __init__(self, pid, log):
        self.pid = pid
        self.log = log
        self.returncode = None

    def poll(self):
        if self.returncode is None and not running(self.pid):
            self.returncode = -signal.SIGKILL  # its status went to the zygote that reaped it
        return self.returncode

    def terminate(self):
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode


class WorkerZygote:
    """Starts Celery workers by forking a process that imported Django and the site's tasks
    once (tests/worker_zygote.py), for a test that starts many with the same environment:
    each one is the real `celery worker` all the same, ready in milliseconds of CPU instead
    of a second and a half."""

    def __init__(self, env, log):
        self.output = open(log, "ab")  # noqa: SIM115 — kept open for the zygote's life
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.worker_zygote"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.output,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            self.close()
            raise RuntimeError(f"the worker zygote did not start (see {log})")

    def start(self, name, log, *options):
        options = options or ("--pool=solo", "--without-gossip", "--without-mingle")
        self.process.stdin.write("\t".join([name, str(log), *options]) + "\n")
        self.process.stdin.flush()
        return ForkedWorker(int(self.process.stdout.readline()), log)

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()


def worker_output(worker):
    """What a worker printed (for a failure message)."""
    if worker.log:
        return Path(worker.log).read_text(errors="replace")
    if worker.poll() is None:
        return "(still running)"
    return worker.stdout.read().decode(errors="replace")


def stop_worker(worker):
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


class SmtpSink:
    """A small SMTP server on a thread that keeps every message it accepts.

    After the data of a message (and `delay` seconds, so that a send takes a realistic time),
    the sink records the message and answers 250: from then on it counts as accepted. A
    connection that drops before the final "." leaves nothing.

    `on_event(stage, client_port, message_id)`, when set, is called at each stage of a
    message: "data" (the client said DATA), "stored" (accepted, not yet answered) and
    "answered" (250 sent); a fault test uses it to kill the sending process at that point.
    """

    def __init__(self, delay=0.0):
        self.delay = delay
        self.messages = []  # raw bytes, in the order accepted
        self.lock = threading.Lock()
        self.on_event = None
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write(line.encode() + b"\r\n")

            def event(self, stage, message_id=None):
                if sink.on_event is not None:
                    sink.on_event(stage, self.client_address[1], message_id)

            def handle(self):
                self.reply("220 sink ESMTP")
                while line := self.rfile.readline():
                    verb = line[:4].upper()
                    if verb == b"EHLO":
                        self.reply("250-sink")
                        self.reply("250 8BITMIME")
                    elif verb == b"DATA":
                        self.event("data")
                        self.reply("354 end with <CRLF>.<CRLF>")
                        lines = []
                        while (data := self.rfile.readline()) != b".\r\n":
                            if not data:
                                return  # the client is gone before the end: nothing accepted
                            lines.append(data[1:] if data.startswith(b"..") else data)
                        time.sleep(sink.delay)
                        raw = b"".join(lines)
                        message_id = BytesParser(policy=policy.default).parsebytes(raw)[
                            "Message-ID"
                        ]
                        with sink.lock:
                            sink.messages.append(raw)
                        self.event("stored", message_id)
                        self.reply("250 accepted")
                        self.event("answered", message_id)
                    elif verb == b"QUIT":
                        self.reply("221 bye")
                        return
                    else:  # HELO, MAIL, RCPT, RSET, NOOP
                        self.reply("250 ok")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                pass  # a client killed mid-conversation is what the fault tests do

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def count(self):
        with self.lock:
            return len(self.messages)

    def parsed(self):
        with self.lock:
            raw = list(self.messages)
        return [BytesParser(policy=policy.default).parsebytes(data) for data in raw]

    def message_ids(self):
        return [message["Message-ID"] for message in self.parsed()]


def process_with_local_port(port, pids):
    """Which of `pids` owns the TCP socket bound to local `port` (the client side of a
    connection the test's server sees), or None."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            next(rows)
            for row in rows:
                fields = row.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inode = fields[9]
    if inode is None:
        return None
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


@pytest.fixture
def smtp_sink():
    with SmtpSink(delay=0.02) as sink:
        yield sink
