"""The demo seeded once per `make test` run, while the test processes start, instead of once in
each of them after they have started.

Each pytest-xdist process used to seed the demo into its own test database (`seed_demo`, then
every page visited once for its image renditions: 15 s of CPU each), both at once, after the
one that came first had built the migrated database (tests/migrated_template.py) while the
other waited. Now pytest's main process starts a builder process as soon as the run begins
(`start`): it makes sure the migrated database exists, copies it into a database of this run's
own, seeds that copy, and writes the media files the seed made (held in memory by the test
settings' storage) into a folder. Meanwhile the test processes collect the tests and run those
that need no database (tests/conftest.py runs them first). When a process reaches its first test
with a database, it waits for the builder (`wait`), has its test database copied from the
seeded one, and takes the media files back (`load_media`). The seeded database is dropped when
the run ends (`finish`).

If the builder fails, each process seeds its own database as before (slower, never wrong).
Only with PostgreSQL and several test processes; otherwise nothing changes.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAME = "CESIQ_SEEDED_DATABASE"  # environment: the seeded database's name
FOLDER = "CESIQ_SEEDED_FOLDER"  # environment: the builder's folder (status, media, output)
BUILDER = "CESIQ_SEEDED_BUILDER"  # environment: the builder's process id
PREFIX = "cesiq_seeded_"
ROOT = Path(__file__).resolve().parent.parent
WAIT_AT_MOST = 900  # seconds: the builder is stuck, or killed without a word


def start():
    """In pytest's main process: start the builder, and tell the test processes (started
    next, with this environment) where to find what it makes. Returns the builder process."""
    folder = Path(tempfile.mkdtemp(prefix="cesiq-seeded-"))
    name = f"{PREFIX}{os.getpid()}_{int(time.time())}"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "PYTEST_XDIST_WORKER")}
    # The builder's cache stays in its own memory: the test processes' Redis databases are
    # theirs (some of their tests run meanwhile).
    output = open(folder / "output.txt", "wb")  # noqa: SIM115 — the child owns it
    try:
        builder = subprocess.Popen(
            [sys.executable, "-m", "tests.seeded_template", name, str(folder)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    finally:
        output.close()
    os.environ.update({NAME: name, FOLDER: str(folder), BUILDER: str(builder.pid)})
    return builder


def finish(builder):
    """In pytest's main process, at the end of the run: stop the builder if it still runs, and
    drop what it made."""
    import shutil

    if builder.poll() is None:
        builder.kill()
    builder.wait()
    name = os.environ.pop(NAME)
    shutil.rmtree(os.environ.pop(FOLDER), ignore_errors=True)
    os.environ.pop(BUILDER)
    from tests.migrated_template import _server

    try:
        with _server() as server:
            for database in (name, name + "_building"):
                server.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    except Exception as exc:  # the run's result stands; a later run's builder drops it
        sys.stderr.write(f"The seeded database {name} was not dropped: {exc}\n")


def wait():
    """In a test process: the seeded database's name once the builder has made it, or None if
    there is none (one process, SQLite) or the builder failed."""
    name, folder = os.environ.get(NAME), os.environ.get(FOLDER)
    if not name or not folder:
        return None
    from tests.faults import running

    status = Path(folder) / "status"
    deadline = time.monotonic() + WAIT_AT_MOST
    while not status.exists():
        if not running(int(os.environ[BUILDER])) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if status.exists() and status.read_text() == "ok":
        return name
    output = Path(folder) / "output.txt"
    sys.stderr.write(
        "The seeded database was not made; this process seeds its own.\n"
        + (output.read_text(errors="replace") if output.exists() else "")
    )
    return None


def load_media():
    """Put the media files the builder's seed made into this process's storage, in place of
    anything there."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from tests.seeded_db import _media_root

    root = _media_root()
    if root is not None:
        root._children = {}
    media = Path(os.environ[FOLDER]) / "media"
    for path in sorted(p for p in media.rglob("*") if p.is_file()):
        name = path.relative_to(media).as_posix()
        saved = default_storage.save(name, ContentFile(path.read_bytes()))
        assert saved == name, (saved, name)


def _write_media(folder):
    """The builder's side: every media file of its storage, into `folder`."""
    from django.core.files.storage import default_storage

    def walk(directory):
        directories, files = default_storage.listdir(directory)
        for name in files:
            path = f"{directory}/{name}" if directory else name
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            with default_storage.open(path, "rb") as source:
                target.write_bytes(source.read())
        for name in directories:
            walk(f"{directory}/{name}" if directory else name)

    walk("")


def drop_stale(server, older_than=6 * 3600):
    """Drop the seeded databases that runs killed before their end left behind (their names
    say when they were made); a run's own is long copied by then."""
    import contextlib
    import re

    for (database,) in server.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s", [PREFIX + "%"]
    ).fetchall():
        made = re.fullmatch(re.escape(PREFIX) + r"\d+_(\d+)(?:_building)?", database)
        if made and time.time() - int(made[1]) > older_than:
            with contextlib.suppress(Exception):  # in use after all: dropped another time
                server.execute(f'DROP DATABASE "{database}"')


def build(name, folder):
    """The builder process: the migrated database, copied and seeded as `name`."""
    import django

    django.setup()
    from django.db import connection

    from tests import migrated_template, seeded_db

    migrated = migrated_template.ensure()
    building = name + "_building"  # renamed once complete
    with migrated_template._server() as server:
        drop_stale(server)
        server.execute(f'CREATE DATABASE "{building}" TEMPLATE "{migrated}"')
        connection.settings_dict["NAME"] = building
        seeded_db.seed()
        seeded_db.make_renditions()
        connection.close()
        server.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    _write_media(folder / "media")


def _status(folder, text):
    """Written whole, then put in place: a test process never reads half of it."""
    (folder / "status.new").write_text(text)
    os.replace(folder / "status.new", folder / "status")


if __name__ == "__main__":
    name, folder = sys.argv[1], Path(sys.argv[2])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cesiq_site.settings.test")
    try:
        build(name, folder)
    except BaseException:
        _status(folder, "failed")
        raise
    _status(folder, "ok")
