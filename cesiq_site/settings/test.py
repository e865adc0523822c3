"""Test mode (`make test`): SQLite or DATABASE_URL, in-memory email, fast hashing."""

import os

from .base import *  # noqa: F401,F403

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
# Tasks run in process; the worker tests switch this off and start a real worker on Redis.
CELERY_TASK_ALWAYS_EAGER = True

# A minimal purchasable item for the orders tests (tests/testshop), and the development tools
# (fake Stripe, demo data and `seed_demo`), which production never installs.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools", "tests.testshop"]  # noqa: F405
