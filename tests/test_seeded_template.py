"""The demo seeded once per run by a process of its own (tests/seeded_template.py): each test
database has it all, media files included."""

import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from tests import seeded_template


@pytest.mark.django_db
def test_every_image_and_rendition_the_database_names_is_in_the_media_storage(request):
    from wagtail.images import get_image_model

    if request.config.getoption("reuse_db") and not request.config.getoption("create_db"):
        # The test settings keep media in memory: a kept database names the files of the run
        # that made it, gone with its process.
        pytest.skip("the database was kept from another run (--reuse-db)")

    images = list(get_image_model().objects.prefetch_related("renditions"))
    renditions = [rendition for image in images for rendition in image.renditions.all()]
    assert images and renditions  # the seed's pictures, and the sizes the pages show
    missing = [
        item.file.name for item in images + renditions if not default_storage.exists(item.file.name)
    ]
    assert missing == []


@pytest.mark.django_db
def test_in_make_test_the_database_comes_from_the_run_s_seeded_copy():
    seeded = os.environ.get(seeded_template.NAME)
    if connection.vendor != "postgresql" or not seeded:
        pytest.skip("only with PostgreSQL and several test processes (make test)")
    assert connection.settings_dict["TEST"]["TEMPLATE"] == seeded


def test_media_files_go_to_a_folder_and_come_back(tmp_path, monkeypatch):
    saved = {
        "original_images/a.jpg": b"\xff\xd8 a",
        "images/a.width-400.avif": b"avif",
        "documents/fiche.pdf": b"%PDF-1.7",
    }
    from tests import seeded_db

    before = seeded_db._media_files()  # the seed's files, put back whatever happens
    for name, content in saved.items():
        default_storage.save(name, ContentFile(content))
    try:
        seeded_template._write_media(tmp_path / "media")
        for name in saved:
            default_storage.delete(name)
        default_storage.save("left/by/a/test.txt", ContentFile(b"x"))
        monkeypatch.setenv(seeded_template.FOLDER, str(tmp_path))
        seeded_template.load_media()
        for name, content in saved.items():
            with default_storage.open(name, "rb") as file:
                assert file.read() == content
        assert not default_storage.exists("left/by/a/test.txt")
    finally:
        seeded_db._restore_media(before)


@pytest.mark.postgres
def test_seeded_databases_left_by_killed_runs_are_dropped():
    import time

    from tests.migrated_template import _server

    if connection.vendor != "postgresql":
        pytest.skip("the seeded databases are PostgreSQL's")
    now = int(time.time())
    old = f"{seeded_template.PREFIX}1_{now - 7 * 3600}"  # a killed run's, seven hours ago
    recent = f"{seeded_template.PREFIX}1_{now}"
    with _server() as server:
        try:
            for name in (old, old + "_building", recent):
                server.execute(f'CREATE DATABASE "{name}"')
            seeded_template.drop_stale(server)
            left = {
                row[0]
                for row in server.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s",
                    [seeded_template.PREFIX + "1\\_%"],
                ).fetchall()
            }
            assert left == {recent}
        finally:
            for name in (old, old + "_building", recent):
                server.execute(f'DROP DATABASE IF EXISTS "{name}"')
