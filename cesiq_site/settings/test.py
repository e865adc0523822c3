"""Test mode (`make test`): SQLite or DATABASE_URL, in-memory email, fast hashing."""

import os
import re
import sys
from urllib.parse import urlsplit, urlunsplit

# `make test` runs the suite in several processes (pytest-xdist workers gw0, gw1, …): each has
# its own test database (pytest-django adds the worker's name to it) and needs its own Redis
# databases too, or one worker's `cache.clear()`, rate-limit counters and Celery tasks would
# reach the other's. Worker N uses REDIS_URL's database + 2N for its broker and the next for its
# cache (…/0 and …/1 for gw0, …/2 and …/3 for gw1). Only the pytest worker itself shifts: the
# processes it starts (Celery workers, manage.py: no pytest in them) inherit its environment,
# the shifted REDIS_URL included, or are given their own.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if (
    "pytest" in sys.modules
    and re.fullmatch(r"gw\d+", _xdist_worker)
    and os.environ.get("REDIS_URL")
):
    # Not base's helpers: importing base here would read REDIS_URL before it is shifted.
    _url = urlsplit(os.environ["REDIS_URL"])
    _first_db = int(_url.path.strip("/") or 0)
    _broker_db = _first_db + 2 * int(_xdist_worker[2:])
    if _broker_db + 1 > 15:
        raise RuntimeError(
            f"Redis has databases 0 to 15: too many test workers for REDIS_URL "
            f"{os.environ['REDIS_URL']} (worker {_xdist_worker} would need {_broker_db + 1})"
        )
    os.environ["REDIS_URL"] = urlunsplit(_url._replace(path=f"/{_broker_db}"))

from .base import *  # noqa: E402,F401,F403

DEBUG = False
TESTING = True
SECRET_KEY = "test-only-not-secret-" + "x" * 40  # noqa: S105
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if os.environ.get("CESIQ_TEST_EMAIL_DIR"):
    # A Celery worker started by the tests writes what it sends where the test can count it.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["CESIQ_TEST_EMAIL_DIR"]
if os.environ.get("CESIQ_TEST_SMTP_PORT"):
    # ... or sends it over SMTP to a server the test runs (tests/faults.py).
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = "127.0.0.1"
    EMAIL_PORT = int(os.environ["CESIQ_TEST_SMTP_PORT"])
    EMAIL_TIMEOUT = 5
# The worker-kill test shortens the outbox lease so that a dead worker's email is taken over
# within the test.
OUTBOX_LEASE_SECONDS = int(os.environ.get("CESIQ_TEST_OUTBOX_LEASE_SECONDS", "300"))
# The stripe library still retries a failed call twice, without its backoff of half a second
# and more before each retry (orders/stripe_gateway.py): the tests of Stripe failing slept
# through about a second each.
STRIPE_RETRY_DELAY = 0.01
STORAGES = {
    # One memory for the whole run, whatever a test does to STORAGES (devtools/storage.py).
    "default": {"BACKEND": "devtools.storage.SharedInMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
DEMO_PAYMENTS = True
# Off in tests (the database rolls back between tests, a stored page would not); the page
# cache's own tests turn it on (tests/cesiq_site/test_page_cache.py).
PAGE_CACHE_SECONDS = 0
# On, as in production: a test's own writes are pending bumps, so nothing is kept while they
# are (cesiq_site/render_cache.py), and each test starts with nothing kept (tests/conftest.py).
# The tests that count an uncached page's queries turn it off.
RENDER_CACHE = True
if USING_POSTGRES:  # noqa: F405
    # A test database is thrown away: a commit need not wait for the disk. The seed, the
    # migrations, the snapshot restores and every live-server request commit, thousands of
    # times a run (≈ 2 ms each with the disk flush here, 0.1 ms without). Nothing else changes:
    # same locks, same isolation, same constraints.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405
# Tasks run in process; the worker tests switch this off and start a real worker on Redis.
CELERY_TASK_ALWAYS_EAGER = True
if CACHES["default"]["BACKEND"] == "cesiq_site.cache.ResilientRedisCache":  # noqa: F405
    # Production gives up on a Redis that takes half a second to answer and serves without the
    # cache for 5 s. A test run shares two cores with its browsers and PostgreSQL: a healthy
    # Redis answered late once under that load, and the page-cache and query-count tests of
    # the next seconds failed in that process. Redis stopped by a test still fails at once
    # (connection refused); the tests of a slow Redis set their own timeouts.
    CACHES["default"]["OPTIONS"]["socket_timeout"] = 5  # noqa: F405

# A minimal purchasable item for the orders tests (tests/testshop), and the development tools
# (fake Stripe, demo data and `seed_demo`), which production never installs.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools", "tests.testshop"]  # noqa: F405
