"""The test databases are copies of one migrated database (tests/migrated_template.py): they
must be exactly what the migrations make, and a changed migration must make a new one."""

import os
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import migrated_template, seeded_template


@pytest.mark.django_db
def test_the_test_database_is_a_copy_with_every_migration_applied():
    if connection.vendor != "postgresql":
        pytest.skip("the template is PostgreSQL's")
    # The migrated database, or (`make test`) this run's seeded copy of it.
    assert connection.settings_dict["TEST"]["TEMPLATE"] in {
        migrated_template.PREFIX + migrated_template.digest(),
        os.environ.get(seeded_template.NAME),
    }
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []


def test_a_changed_migration_or_a_module_it_imports_makes_another_template(monkeypatch, tmp_path):
    before = migrated_template.digest()
    module = sys.modules["events.migrations.0005_quotas"]
    edited = tmp_path / "0005_quotas.py"
    edited.write_bytes(Path(module.__file__).read_bytes() + b"\n# edited\n")
    monkeypatch.setattr(module, "__file__", str(edited))
    after_migration = migrated_template.digest()
    assert after_migration != before

    purchasable = tmp_path / "purchasable.py"
    purchasable.write_text("# another version of orders/purchasable.py\n")
    real = migrated_template._project_file
    monkeypatch.setattr(
        migrated_template,
        "_project_file",
        lambda name: str(purchasable) if name == "orders.purchasable" else real(name),
    )
    assert migrated_template.digest() not in {before, after_migration}


def test_migrated_databases_unused_for_a_day_and_unfinished_builds_are_dropped():
    if connection.vendor != "postgresql":
        pytest.skip("the template is PostgreSQL's")
    import time

    prefix = migrated_template.PREFIX + "test_"
    now = time.time()
    made = {
        prefix + "old": now - 2 * 24 * 3600,
        prefix + "recent": now - 3600,
        prefix + "x_building": None,  # a build killed midway: no comment
    }
    with migrated_template._server() as server:
        try:
            for name, used in made.items():
                server.execute(f'CREATE DATABASE "{name}"')
                if used:
                    comment = f"{migrated_template.USED} {used:.0f}"
                    server.execute(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
            current = migrated_template.PREFIX + migrated_template.digest()
            migrated_template._drop_unused(server, current)
            left = {
                name
                for (name,) in server.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + "%"]
                ).fetchall()
            }
            assert left == {prefix + "recent"}
        finally:
            for name in made:
                server.execute(f'DROP DATABASE IF EXISTS "{name}"')
