"""One seeded demo database for the whole test run, put back cheaply after each test that commits.

`seed_demo` takes 20–50 s on a loaded machine. Tests in a transaction roll back to the seeded
database; tests that commit (browser journeys against the live server, worker tests) used to see
it flushed and seed it again, each. On PostgreSQL (the CI database) the seeded rows are copied
once into a snapshot schema and put back after every test that commits: every table emptied
and copied back, sequences set back to where the seed left them, the caches emptied and the
media files the test wrote forgotten. Every test then starts from the database exactly as
seeded, ids included, whatever the test before it did.

On SQLite (no DATABASE_URL) those tests seed again, as before.
"""

# The SQL below is built from the database's own catalogue (table, column and sequence names),
# never from input.
# ruff: noqa: S608

import os

from django.core.management import call_command
from django.db import connection, transaction

SNAPSHOT_SCHEMA = "seed_snapshot"


class _Snapshot:
    """What `take_snapshot` saw: the tables (with the rows each held), the sequences' values
    and the media files."""

    def __init__(self):
        self.tables = {}  # table -> (quoted column list, rows)
        self.sequences = []  # (sequence name as SQL says it, last_value or None, start)
        self.media = None


_snapshot = None


def can_snapshot():
    return connection.vendor == "postgresql"


def seed():
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115


def make_renditions():
    """Make every image rendition the public pages show, once, right after the seed: each
    test that renders a page with pictures would otherwise make them again inside its own
    transaction and roll them back (a second or more for the home page or the shop, every
    time). Visiting each live page once is the one sure way to ask for exactly the sizes and
    formats its templates use."""
    from django.test import Client
    from wagtail.models import Page

    client = Client()
    for page in Page.objects.live().public().exclude(depth=1).specific():
        url = page.url
        if url:
            client.get(url)
    clear_caches()


def take_snapshot():
    """Copy every table of the (seeded) database into the snapshot schema; remember the
    sequences' values and the media files."""
    global _snapshot
    snapshot = _Snapshot()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}")
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        for (table,) in cursor.fetchall():
            # Generated columns cannot be inserted; they are computed again on the way back.
            cursor.execute(
                """SELECT column_name FROM information_schema.columns
                   WHERE table_schema = 'public' AND table_name = %s AND is_generated = 'NEVER'
                   ORDER BY ordinal_position""",
                [table],
            )
            columns = ", ".join(f'"{name}"' for (name,) in cursor.fetchall())
            cursor.execute(
                f'CREATE TABLE {SNAPSHOT_SCHEMA}."{table}" AS '
                f'SELECT {columns} FROM public."{table}"'
            )
            snapshot.tables[table] = (columns, cursor.rowcount)
        cursor.execute(
            """SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename),
                      last_value, start_value
               FROM pg_sequences WHERE schemaname = 'public'"""
        )
        snapshot.sequences = cursor.fetchall()
    snapshot.media = _media_files()
    _snapshot = snapshot


def has_snapshot():
    return _snapshot is not None


def restore_snapshot():
    """Put the database, caches and media back exactly as `take_snapshot` saw them."""
    if _snapshot is None:
        raise RuntimeError("take_snapshot() first")
    # One round trip. DELETE, not TRUNCATE: the demo is a few thousand rows, and TRUNCATE
    # makes new files for each of the ~130 tables and their indexes (seconds on a busy disk).
    statements = [
        # A live server's request still holding a table must not hang the run silently.
        "SET LOCAL lock_timeout = '60s'",
        # Rows go back as they were, in any order: no foreign key checks, no triggers.
        "SET LOCAL session_replication_role = replica",
    ]
    for table, (columns, rows) in _snapshot.tables.items():
        statements.append(f'DELETE FROM public."{table}"')
        if rows:
            statements.append(
                f'INSERT INTO public."{table}" ({columns}) OVERRIDING SYSTEM VALUE '
                f'SELECT {columns} FROM {SNAPSHOT_SCHEMA}."{table}"'
            )
    for sequence, last_value, start in _snapshot.sequences:
        sequence = "'" + sequence.replace("'", "''") + "'"
        if last_value is None:  # never used: its next value is its start
            statements.append(f"SELECT setval({sequence}, {int(start)}, false)")
        else:
            statements.append(f"SELECT setval({sequence}, {int(last_value)}, true)")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(";\n".join(statements))
    _restore_media(_snapshot.media)
    clear_caches()


def clear_caches():
    """Empty Django's caches (the Redis cache database in CI: pages, Wagtail's site root paths,
    rate limits) so nothing a test stored outlives its rows."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()


def _media_root():
    """The in-memory media storage's one root (devtools/storage.py), or None when media go
    elsewhere."""
    from django.core.files.storage import storages

    from devtools.storage import SharedInMemoryStorage

    if isinstance(storages["default"], SharedInMemoryStorage):
        return SharedInMemoryStorage._shared_root
    return None


def _copy_tree(node):
    from django.core.files.storage.memory import InMemoryDirNode

    children = {}
    for name, child in node._children.items():
        if isinstance(child, InMemoryDirNode):
            copy = InMemoryDirNode()
            copy._children = _copy_tree(child)
            child = copy
        children[name] = child
    return children


def _media_files():
    root = _media_root()
    return None if root is None else _copy_tree(root)


def _restore_media(files):
    root = _media_root()
    if root is not None and files is not None:
        # The same root object: every storage instance holds it.
        root._children = _copy_tree_from(files)


def _copy_tree_from(children):
    from django.core.files.storage.memory import InMemoryDirNode

    holder = InMemoryDirNode()
    holder._children = children
    return _copy_tree(holder)


def differences():
    """The tables whose rows differ from the snapshot's, and the sequences that moved: what a
    restore must leave empty."""
    changed = []
    with connection.cursor() as cursor:
        for table, (columns, _rows) in _snapshot.tables.items():
            cursor.execute(
                f"""SELECT EXISTS (
                      (SELECT {columns} FROM public."{table}"
                       EXCEPT ALL SELECT {columns} FROM {SNAPSHOT_SCHEMA}."{table}")
                      UNION ALL
                      (SELECT {columns} FROM {SNAPSHOT_SCHEMA}."{table}"
                       EXCEPT ALL SELECT {columns} FROM public."{table}"))"""
            )
            if cursor.fetchone()[0]:
                changed.append(table)
        for sequence, last_value, _start in _snapshot.sequences:
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            now, is_called = cursor.fetchone()
            if (now if is_called else None) != last_value:
                changed.append(sequence)
    return changed
