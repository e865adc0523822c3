"""The test databases are copied from one migrated database instead of each being migrated.

Running the 240 migrations takes 25 s of CPU (Django renders its model states again at nearly
every step), and each pytest-xdist process of `make test` did it for its own test database,
both at once on two cores. On PostgreSQL the migrations now run once, into a database named
after everything that decides its schema (`cesiq_migrated_<digest>`): the migration files of
every installed app, the project modules they import, the lock file (other packages' versions)
and the settings module. Each test database is then created from it (`TEST["TEMPLATE"]`, a
copy of the files: about a second) and Django's `migrate` finds nothing left to apply. It still
runs, so a migration the digest did not see would still be applied, never skipped.

The first process to need it builds it while the others wait (an advisory lock); it is kept
for the next run of the same code, and another is built when any of those files change. One
that no run has used for a day is dropped. On SQLite nothing changes.
"""

import contextlib
import hashlib
import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

PREFIX = "cesiq_migrated_"
# Any fixed number: both test processes (and other runs on the same server) take this lock.
LOCK_KEY = 4_815_162_342
ROOT = Path(settings.BASE_DIR)
USED = "CESIQ migrated test database, last used at"  # then seconds since 1970
UNUSED_FOR = 24 * 3600
_IMPORT = re.compile(r"^\s*(?:from|import)\s+([\w.]+)", re.MULTILINE)


def digest():
    """A digest of the files that decide the migrated schema."""
    from django.db.migrations.loader import MigrationLoader

    sha = hashlib.sha256(settings.SETTINGS_MODULE.encode())
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for module in sorted({m.__module__ for m in loader.disk_migrations.values()}):
        source = Path(sys.modules[module].__file__).read_bytes()
        sha.update(module.encode())
        sha.update(source)
        for module in _IMPORT.findall(source.decode()):
            origin = _project_file(module)
            if origin:
                sha.update(Path(origin).read_bytes())
    sha.update((ROOT / "requirements-dev.lock").read_bytes())
    return sha.hexdigest()[:16]


def _project_file(module):
    """The file of `module` if it is the project's own (not Django's, nor a package's)."""
    if module.split(".")[0] not in {p.name for p in ROOT.iterdir() if p.is_dir()}:
        return None
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    origin = spec.origin if spec else None
    return origin if origin and origin.startswith(str(ROOT)) else None


def use_for_test_databases():
    """Make sure the migrated database exists, and have the test database copied from it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    connection.settings_dict["TEST"]["TEMPLATE"] = ensure()


def ensure():
    """The migrated database's name, once it exists (built now if need be)."""
    name = PREFIX + digest()
    with _server() as server:
        server.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            if not _exists(server, name):
                _build(server, name)
            server.execute(f"COMMENT ON DATABASE \"{name}\" IS '{USED} {time.time():.0f}'")
            _drop_unused(server, name)
        finally:
            server.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    return name


def _server():
    """A connection to the server's maintenance database, outside any transaction."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params["dbname"] = "postgres"
    return psycopg.connect(**params, autocommit=True)


def _exists(server, name):
    return server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()


def _build(server, name):
    building = name + "_building"  # renamed once complete: a run killed midway leaves no template
    server.execute(f'DROP DATABASE IF EXISTS "{building}"')
    server.execute(f'CREATE DATABASE "{building}"')
    env = {**os.environ, **_database_env(building)}
    env.pop("PYTEST_XDIST_WORKER", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')


def _drop_unused(server, name):
    """Drop the migrated databases of other code that no run has used for a day (another
    branch's, used today, stays: a run may be about to copy it), and any build left unfinished
    by a killed run (builds happen under the lock: none is under way)."""
    for other, comment in server.execute(
        """SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database
           WHERE datname LIKE %s AND datname <> %s""",
        [PREFIX + "%", name],
    ).fetchall():
        used = (comment or "").removeprefix(USED).strip()
        if used.isdigit() and time.time() - int(used) < UNUSED_FOR:
            continue
        with contextlib.suppress(Exception):  # in use after all: dropped another time
            server.execute(f'DROP DATABASE "{other}"')


def _database_env(database):
    """The environment that points the settings at another database of the same server."""
    from urllib.parse import urlsplit, urlunsplit

    if "DATABASE_URL" in os.environ:
        url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + database)
        return {"DATABASE_URL": urlunsplit(url)}
    return {"POSTGRES_DB": database}  # cesiq_site/settings/base.py's POSTGRES_* variables


@contextlib.contextmanager
def database_at(targets):
    """For a migration's test: inside the block, the default connection's database is at
    `targets`; yields the apps as they are there.

    On PostgreSQL it is a new, empty database migrated forward to `targets` only (5–6 s: the
    apps those need, up to there) and dropped after, instead of the test database taken back to
    them (every later migration of every app undone, then done again: 30–40 s). Elsewhere the
    test database is taken back, and forward again after the block."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    if connection.vendor != "postgresql":
        try:
            yield migrate(targets)
        finally:
            migrate()
        return
    test_database = connection.settings_dict["NAME"]
    name = f"{test_database}_migration"
    with _server() as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        connection.settings_dict["NAME"] = name
        ContentType.objects.clear_cache()
        try:
            yield migrate(targets)
        finally:
            connection.close()
            connection.settings_dict["NAME"] = test_database
            ContentType.objects.clear_cache()
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def latest(*apps):
    """The last migration of each of `apps`: a target that leaves the other apps where they are
    (only what those migrations depend on is applied with them)."""
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    return [node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] in apps]


def migrate(targets=None):
    """Migrate the default connection's database to `targets`, or to the latest state of every
    app (None); returns the apps as they are there."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps
