"""Tests that commit (browser journeys, worker tests) share one seeded database, put back after
each of them (tests/seeded_db.py): none may see what an earlier one did."""

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests import seeded_db
from tests.conftest import service_missing

# These tests follow one another in one process (`make test` runs pytest-xdist with
# --dist loadgroup): the last checks what the restore after the one before it left.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("seeded_db"),
]


@pytest.fixture
def snapshot(committed_demo_site):
    if not seeded_db.has_snapshot():
        service_missing("needs PostgreSQL (DATABASE_URL): the seeded snapshot is PostgreSQL's")
    return committed_demo_site


def change_everything(site):
    """What a journey might leave behind: edited, deleted and new rows, a cached value, an
    uploaded file."""
    from django.contrib.auth import get_user_model
    from wagtail.models import Page

    Page.objects.filter(pk=site.root_page_id).update(title="Changé par un test")
    page = Page.objects.filter(depth=3).order_by("path").last()
    page.delete()
    get_user_model().objects.create_user("leaky", "leaky@example.org", "x")
    cache.set("seeded-db-test", "still here")
    return default_storage.save("tests/leaky.txt", ContentFile(b"leak"))


def test_a_restore_puts_back_every_row_sequence_cached_value_and_file(snapshot):
    from wagtail.models import Page

    seeded_media = default_storage.listdir("")
    title = Page.objects.get(pk=snapshot.root_page_id).title
    pages = Page.objects.count()
    name = change_everything(snapshot)
    changed = seeded_db.differences()
    assert {"wagtailcore_page", "auth_user", "public.auth_user_id_seq"} <= set(changed)

    seeded_db.restore_snapshot()

    assert seeded_db.differences() == []
    assert Page.objects.get(pk=snapshot.root_page_id).title == title
    assert Page.objects.count() == pages
    assert cache.get("seeded-db-test") is None
    assert not default_storage.exists(name)
    assert default_storage.listdir("") == seeded_media


def test_a_test_that_commits_changes(snapshot):
    change_everything(snapshot)


def test_the_next_test_that_commits_starts_from_the_seed(snapshot):
    """Whatever ran before (the test above, a browser journey, a test that was flushed), this
    one sees the database exactly as seeded, sequences included."""
    assert seeded_db.differences() == []
    assert cache.get("seeded-db-test") is None
    assert not default_storage.exists("tests/leaky.txt")


def test_a_test_that_commits_changes_again(snapshot):
    change_everything(snapshot)


def test_what_it_changed_is_undone_after_it(transactional_db):
    """Without the fixture (no restore at the start of this test): the restore that followed
    the test above is what put the seed back."""
    if not seeded_db.has_snapshot():
        service_missing("needs PostgreSQL (DATABASE_URL): the seeded snapshot is PostgreSQL's")
    # The test just before in this process was that one, and a restore followed it (not
    # Django's flush, which would leave every table empty).
    assert seeded_db.last_teardown == (
        "tests/test_seeded_db.py::test_a_test_that_commits_changes_again",
        "restore",
    )
    assert seeded_db.differences() == []
    assert cache.get("seeded-db-test") is None
    assert not default_storage.exists("tests/leaky.txt")
