"""Demo mode (`make run`): SQLite under var/, eager Celery, emails as files, demo payments."""

import os

from .base import *  # noqa: F401,F403
from .base import (
    DATABASES,
    INSTALLED_APPS,
    MEDIA_STORAGE,
    MIDDLEWARE,
    USING_POSTGRES,
    VAR_DIR,
    env_bool,
)

DEBUG = True
# A page not found is the site's own page, as in production (DEBUG would show Django's).
MIDDLEWARE = [*MIDDLEWARE, "cesiq_site.middleware.SiteNotFoundPageMiddleware"]

# Development tools (fake Stripe, demo data, `seed_demo`, `rundemo`): never in production.
INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]

if not USING_POSTGRES:
    # The demo's SQLite file: a write-ahead log, synced at checkpoints rather than at every
    # commit (a crash can lose the last commits of a demo, never corrupt it). Migrating and
    # seeding a new demo database, about 300 transactions, then spend no time waiting on the
    # disk. Demo only: the test settings keep SQLite's defaults, production is PostgreSQL.
    DATABASES["default"]["OPTIONS"]["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "demo-only-not-secret-" + "x" * 40
ALLOWED_HOSTS = ["*"]

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"

DEMO_PAYMENTS = True

STORAGES = {
    # Files under var/media, or a bucket when S3_BUCKET is set (to try a MinIO, say).
    "default": MEDIA_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Demo payments: the project's fake Stripe, started by `manage.py rundemo` (`make run`).
# These values are public placeholders, not secrets.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "http://127.0.0.1:12111")
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "sk_test_demo")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_demo_only")

# The demo enforces the same Content-Security-Policy as production, so what works here works
# there. CESIQ_CSP_REPORT_ONLY=true only reports violations (browser console), to explore.
if env_bool("CESIQ_CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY  # noqa: F405
    CONTENT_SECURITY_POLICY = None

# The fake Stripe keeps its objects here, beside the demo database, so that a payment made by
# `seed_demo` can still be refunded after `make run` restarts.
FAKE_STRIPE_STATE_FILE = VAR_DIR / "fake-stripe.json"
