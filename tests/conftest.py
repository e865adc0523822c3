"""Shared fixtures. A test that needs a service it cannot reach is skipped with the reason on a
developer's machine, and fails in CI (CI=true) so that a missing service never hides."""

import os
from pathlib import Path

import pytest
from django.test import TransactionTestCase

from tests import seeded_db

IN_CI = os.environ.get("CI", "").lower() == "true"

# The tests start Python processes (Celery workers, over twenty of them in the worker-kill
# tests; manage.py; gunicorn). With PYTHONDONTWRITEBYTECODE set (as on these machines) each one
# compiled Django, Wagtail and the project again, 7 s of CPU per start instead of 3: let them
# keep their bytecode (in .venv and in __pycache__ folders, which git and Docker ignore).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


# Before pytest-django's own sorting, which keeps this order within each of its groups (tests
# in a transaction first, then the tests that commit and are flushed or restored after).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """The longest tests first: the slow ones, then the browser journeys, then the rest, each
    group in its usual order. pytest-xdist hands the first tests out in turn to each process
    and the rest to whichever is free, so both finish within a few seconds of each other; a
    slow test handed out last would keep one process busy alone for minutes."""
    browser = Path(__file__).parent / "browser"

    def rank(item):
        if item.get_closest_marker("slow"):
            return 0
        return 1 if Path(str(item.fspath)).parent == browser else 2

    items.sort(key=rank)


class NoDatabaseFirst:
    """After pytest-django's sorting: the tests that need no database first. In `make test`
    the demo is seeded meanwhile, once, by a process of its own (tests/seeded_template.py)."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        def uses_database(item):
            fixtures = set(getattr(item, "fixturenames", ()))
            test_class = getattr(item, "cls", None)
            return bool(
                item.get_closest_marker("django_db")
                or fixtures & {"db", "transactional_db", "live_server"}
                or (isinstance(test_class, type) and issubclass(test_class, TransactionTestCase))
            )

        items.sort(key=uses_database)


def pytest_configure(config):
    """The tests that need no database run first; in pytest's main process, with several test
    processes and PostgreSQL, the demo is seeded meanwhile, once (tests/seeded_template.py)."""
    from django.conf import settings

    config.pluginmanager.register(NoDatabaseFirst())
    if (
        hasattr(config, "workerinput")
        or not getattr(config.option, "numprocesses", None)
        or getattr(config.option, "dist", "no") == "no"
        or (config.getoption("reuse_db") and not config.getoption("create_db"))
        or "postgresql" not in settings.DATABASES["default"]["ENGINE"]
    ):
        return
    from tests import seeded_template

    config._cesiq_seeded_builder = seeded_template.start()


def pytest_unconfigure(config):
    builder = getattr(config, "_cesiq_seeded_builder", None)
    if builder is not None:
        from tests import seeded_template

        seeded_template.finish(builder)


def service_missing(reason):
    """Skip locally, fail in CI."""
    if IN_CI:
        pytest.fail(f"CI needs this service: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, django_db_blocker):
    """Test databases are copied from one migrated database (tests/migrated_template.py)."""
    from django.db import connection

    from tests import migrated_template, seeded_template

    with django_db_blocker.unblock():
        seeded = seeded_template.wait()
        if seeded:
            connection.settings_dict["TEST"]["TEMPLATE"] = seeded
        else:
            migrated_template.use_for_test_databases()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the demo content once per test database. Tests in a transaction roll back to it;
    tests that commit start from it too: on PostgreSQL it is copied once into a snapshot that
    is put back after each of them (tests/seeded_db.py); elsewhere they are flushed as Django
    does and `committed_demo_site` seeds again."""
    from django.db import connection

    from tests import seeded_template

    with django_db_blocker.unblock():
        seeded = os.environ.get(seeded_template.NAME)
        if seeded and connection.settings_dict["TEST"].get("TEMPLATE") == seeded:
            seeded_template.load_media()  # the database came seeded
            seeded_db.clear_caches()
        else:
            seeded_db.seed()
            seeded_db.make_renditions()
        if not seeded_db.can_snapshot():
            yield
            return
        seeded_db.take_snapshot()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_teardown", _restore)
        yield


def _restore(test_case):
    """What follows every test that commits, instead of Django's flush: the seeded snapshot put
    back (tests/seeded_db.py, 30 ms), so every test starts from the demo exactly as seeded.
    Django's flush empties every table and makes the content types and permissions again (half
    a second), and left the next test an empty database or a seeded one depending on what ran
    before it."""
    seeded_db.restore_snapshot()


@pytest.fixture
def committed_demo_site(transactional_db):
    """The demo content exactly as seeded, committed so that the live server's thread or a
    worker sees it; what the test commits is undone after it."""
    from wagtail.models import Site

    if not seeded_db.has_snapshot():
        seeded_db.seed()  # SQLite: Django's flush follows the test, each one seeds again
    return Site.objects.get(is_default_site=True)


class _StillClock:
    """The rate limits' clock in tests: 30 s into a window of every period they use (60 s and
    600 s), and standing still."""

    @staticmethod
    def time():
        return 3_600_000 + 30


@pytest.fixture(autouse=True)
def fresh_rate_limits(monkeypatch):
    """Every test starts with no request counted against the rate limits (all its requests
    come from the same test address), and their clock stands still: a test whose eleventh
    request must be refused would otherwise, now and then on a busy machine, see a new window
    begin after its tenth and the count start again. A test about windows passing sets the
    clock itself."""
    from cesiq_site import ratelimit

    ratelimit.reset()
    monkeypatch.setattr(ratelimit, "time", _StillClock)


@pytest.fixture(autouse=True)
def cache_not_marked_down():
    """Each test starts with Redis taken as up: a test that stopped it (or found it slow) left
    its process serving without the cache for a few seconds (cesiq_site/cache.py), and the
    page-cache tests that came next in that process failed."""
    from cesiq_site import cache

    cache._down_until.clear()


@pytest.fixture(autouse=True)
def fresh_render_cache():
    """Each test starts with nothing kept by the render cache (cesiq_site/render_cache.py), on
    as in production: what an earlier test's requests kept came from rows it rolled back."""
    from cesiq_site import render_cache

    render_cache.clear()


@pytest.fixture
def demo_site(db):
    """The demo content exactly as `make run` shows it (French and English pages)."""
    from wagtail.models import Site

    return Site.objects.get(is_default_site=True)


@pytest.fixture
def home_fr(demo_site):
    return demo_site.root_page.specific


@pytest.fixture
def home_en(home_fr):
    from wagtail.models import Locale

    return home_fr.get_translation(Locale.objects.get(language_code="en")).specific


WEBHOOK_SECRET = "whsec_test_cesiq"  # noqa: S105 — test-only signing secret


@pytest.fixture
def fake_stripe(settings):
    """The project's fake Stripe on a free port; the site's Stripe calls go to it over HTTP.

    Webhooks are not sent by the fake here: tests deliver its events to the site themselves
    (`deliver`), so they can replay, reorder or drop them.
    """
    from devtools.fake_stripe import FakeStripe

    with FakeStripe(webhook_secret=WEBHOOK_SECRET) as fake:
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_SECRET_KEY = "sk_test_cesiq"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        yield fake


def post_webhook(client, event, *, secret=WEBHOOK_SECRET, timestamp=None):
    """POST an event to the site's webhook the way Stripe does, signed with `secret`."""
    import json

    from devtools.fake_stripe import sign_payload

    payload = json.dumps(event).encode()
    return client.post(
        "/payments/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign_payload(payload, secret, timestamp),
    )


@pytest.fixture(autouse=True)
def french_by_default():
    """Each test starts in French, the site's default, whatever language an earlier test left
    active (a request in English activates English for the rest of the thread)."""
    from django.utils import translation

    translation.activate("fr")
    yield
    translation.activate("fr")


def plain(text):
    """`text` with the non-breaking spaces of Québec typography (cesiq_site/typography.py) read
    as plain spaces: for tests about what a sentence says, not about how it is spaced."""
    return str(text).replace("\u00a0", " ").replace("\u202f", " ")


class Clock:
    """A clock that stands still until told to move: the spam time trap's, in tests."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    """The spam protection's clock (cesiq_site/antispam.py) fixed at one moment."""
    from cesiq_site import antispam

    fixed = Clock(1_800_000_000)
    monkeypatch.setattr(antispam, "now", fixed)
    return fixed


@pytest.fixture
def shown(clock):
    """The hidden fields of a spam-protected form as it was shown 10 seconds ago (a person
    typing): `shown(FormClass, **kwargs)`."""
    from cesiq_site import antispam

    def fields(form_class, **kwargs):
        form = form_class(**kwargs)
        data = {
            antispam.HONEYPOT_FIELD: "",
            antispam.TIME_FIELD: form[antispam.TIME_FIELD].value(),
        }
        clock.advance(10)
        return data

    return fields
