"""Tests that commit (browser journeys, worker tests) share one seeded database, put back after
each of them (tests/seeded_db.py): none may see what an earlier one did."""

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests import seeded_db
from tests.conftest import service_missing

# Each test stands alone: `make test` hands tests out one at a time to whichever process is
# free, so none may count on another running before it in the same process. (pytest-xdist's
# `xdist_group` cannot keep them together: with pytest 9.2 its group suffix no longer reaches
# the node ids it schedules by.)
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
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


def test_a_test_that_commits_without_asking_for_the_demo_changes_it_too():
    """A test that commits without `committed_demo_site` (a worker's test, a concurrency
    test) is put back the same way: Django's flush would leave the next test empty tables."""
    from wagtail.models import Site

    if not seeded_db.has_snapshot():
        service_missing("needs PostgreSQL (DATABASE_URL): the seeded snapshot is PostgreSQL's")
    change_everything(Site.objects.get(is_default_site=True))


def test_the_next_test_that_commits_starts_from_the_seed(snapshot):
    """Whatever ran before (the tests above, a browser journey, a worker's test), this one sees
    the database exactly as seeded, sequences included."""
    assert seeded_db.differences() == []
    assert cache.get("seeded-db-test") is None
    assert not default_storage.exists("tests/leaky.txt")


def test_a_test_that_commits_without_asking_for_the_demo_starts_from_the_seed_too():
    if not seeded_db.has_snapshot():
        service_missing("needs PostgreSQL (DATABASE_URL): the seeded snapshot is PostgreSQL's")
    assert seeded_db.differences() == []


def test_a_test_that_commits_changes_again(snapshot):
    change_everything(snapshot)


def test_what_a_test_changed_is_undone_after_it(snapshot):
    """The teardown Django runs after every test that commits (replaced in tests/conftest.py)
    puts the seed back: not Django's flush, which would leave every table empty."""
    from django.test import TransactionTestCase

    from tests.conftest import _restore

    assert TransactionTestCase._fixture_teardown is _restore
    change_everything(snapshot)
    assert seeded_db.differences() != []

    TransactionTestCase._fixture_teardown(None)  # what follows this test, run now

    assert seeded_db.differences() == []
    assert cache.get("seeded-db-test") is None
    assert not default_storage.exists("tests/leaky.txt")
