"""Settings shared by every mode (demo, test, production).

Everything that differs between machines is read from environment variables here or in the
mode's module; nothing secret lives in the repository.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

from cesiq_site.csp import DIRECTIVES as CSP_DIRECTIVES

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = Path(os.environ.get("CESIQ_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
TESTING = False  # True only in settings.test: relaxes the demo-payment checks
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "cesiq_site",
    "home",
    "events",
    "shop",
    "news",
    "resources",
    "localflavor",
    "orders",
    "donations",
    "schools",
    "memberships",
    "network",
    "search",
    "newsletter",
    "contact",
    "reports",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.search_promotions",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.typed_table_block",
    "wagtail.contrib.sitemaps",
    "wagtail.locales",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "csp",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # First: a stored page is answered before anything else runs (cesiq_site/pagecache.py).
    "cesiq_site.pagecache.PageCacheMiddleware",
    # Then a memo for what a request asks many times (cesiq_site/request_memo.py).
    "cesiq_site.request_memo.RequestMemoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cesiq_site.csp.SiteCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "cesiq_site.middleware.FrenchTypographyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "cesiq_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "cesiq_site.wsgi.application"

# --- Database: DATABASE_URL, or POSTGRES_* variables, else a SQLite file under var/ ---------
# POSTGRES_HOST, POSTGRES_PORT, POSTGRES_DB, POSTGRES_USER, POSTGRES_PASSWORD give the parts
# one by one, so a password with @ / : # % never has to be written (and escaped) in a URL.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if not os.environ.get("DATABASE_URL") and os.environ.get("POSTGRES_HOST"):
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ["POSTGRES_HOST"],
        "PORT": os.environ.get("POSTGRES_PORT", "5432"),
        "NAME": os.environ.get("POSTGRES_DB", "cesiq"),
        "USER": os.environ.get("POSTGRES_USER", "cesiq"),
        "PASSWORD": os.environ.get("POSTGRES_PASSWORD", ""),
        "CONN_MAX_AGE": int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
    }
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if USING_POSTGRES:
    # A database that does not answer (unreachable, not refusing) is given up on in seconds,
    # not after the system's two minutes of TCP retries (DATABASE_URL may set its own).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    INSTALLED_APPS.append("django.contrib.postgres")
else:
    # SQLite serialises writers. Taking the write lock when a transaction begins (IMMEDIATE)
    # makes a second writer wait up to `timeout` instead of failing with "database is locked"
    # when both try to upgrade a read lock (a webhook arriving during a refund, in the demo).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery: Redis when REDIS_URL is set, else local memory and eager tasks -------
REDIS_URL = os.environ.get("REDIS_URL", "")


def redis_db(url, db):
    """Return REDIS_URL pointing at another logical database (cache and broker stay apart)."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


def redis_caches(location):
    return {
        "default": {
            # Django's RedisCache, except that a Redis outage is a cache miss, never an error:
            # Wagtail keeps the site root paths here, so every page depends on it.
            "BACKEND": "cesiq_site.cache.ResilientRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "cesiq",
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5, "DOWN_SECONDS": 5},
        }
    }


def redis_db_number(url):
    """The database number REDIS_URL names (redis://host:6379/4 → 4), 0 when it names none."""
    path = urlsplit(url).path.strip("/")
    return int(path) if path.isdigit() else 0


if REDIS_URL:
    # The broker uses REDIS_URL's database and the cache the next one (0 and 1 by default), so
    # two sites, or two test runs, given REDIS_URL …/0 and …/2 on one Redis never share keys
    # (a page cache generation, rate-limit counters, a `clear()`) nor tasks.
    BROKER_DB = int(os.environ.get("REDIS_BROKER_DB", redis_db_number(REDIS_URL)))
    CACHES = redis_caches(redis_db(REDIS_URL, int(os.environ.get("REDIS_CACHE_DB", BROKER_DB + 1))))
    CELERY_BROKER_URL = redis_db(REDIS_URL, BROKER_DB)
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_TASK_ALWAYS_EAGER = True

# --- Page cache for anonymous visitors (cesiq_site/pagecache.py) and a CDN in front ----------
# How long a stored page may be served at most (0 turns the page cache off); holds that run
# out shorten it. A shared cache (CDN, proxy) is told to keep a page at most
# PAGE_CACHE_SHARED_SECONDS: sales do not purge a CDN, so that is how late it may show one.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
PAGE_CACHE_SHARED_SECONDS = int(os.environ.get("PAGE_CACHE_SHARED_SECONDS", "60"))
# What every page reads the same way (menus, site, routing…), kept per process for as long as
# the page cache's content generation lasts (cesiq_site/render_cache.py); on even when the
# page cache is off.
RENDER_CACHE = env_bool("RENDER_CACHE", True)
# Wagtail's frontend cache invalidation, off unless WAGTAIL_FRONTEND_CACHE names a backend:
# "http" (Varnish, nginx… purged with PURGE requests at WAGTAIL_FRONTEND_CACHE_LOCATION),
# "cloudflare" (CLOUDFLARE_BEARER_TOKEN, CLOUDFLARE_ZONE_ID) or "cloudfront"
# (CLOUDFRONT_DISTRIBUTION_ID; needs boto3). Publishing, unpublishing or moving a page purges
# its URLs there.
FRONTEND_CACHE_BACKENDS = {
    "http": (
        "wagtail.contrib.frontend_cache.backends.HTTPBackend",
        {"LOCATION": "WAGTAIL_FRONTEND_CACHE_LOCATION"},
    ),
    "cloudflare": (
        "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
        {"BEARER_TOKEN": "CLOUDFLARE_BEARER_TOKEN", "ZONEID": "CLOUDFLARE_ZONE_ID"},
    ),
    "cloudfront": (
        "wagtail.contrib.frontend_cache.backends.CloudfrontBackend",
        {"DISTRIBUTION_ID": "CLOUDFRONT_DISTRIBUTION_ID"},
    ),
}
FRONTEND_CACHE = os.environ.get("WAGTAIL_FRONTEND_CACHE", "").strip().lower()
if FRONTEND_CACHE:
    if FRONTEND_CACHE not in FRONTEND_CACHE_BACKENDS:
        raise ValueError(
            f"WAGTAIL_FRONTEND_CACHE={FRONTEND_CACHE!r}: "
            f"use one of {sorted(FRONTEND_CACHE_BACKENDS)}"
        )
    _backend, _options = FRONTEND_CACHE_BACKENDS[FRONTEND_CACHE]
    INSTALLED_APPS.append("wagtail.contrib.frontend_cache")
    WAGTAILFRONTENDCACHE = {
        "default": {
            "BACKEND": _backend,
            **{option: os.environ.get(variable, "") for option, variable in _options.items()},
        }
    }

CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "America/Toronto"
# Celery's Django fixup closes every database connection before and after every task unless
# this is set (then only every 2 × N tasks): a new PostgreSQL connection per task. The
# worker keeps them as web processes do instead (CONN_MAX_AGE, health checks): see
# `cesiq_site.celery.close_old_connections`, which does what Django does around a request.
CELERY_DB_REUSE_MAX = 10**9
# A worker keeps trying to reach the broker for as long as it takes (a Redis restart, an
# outage): it never gives up and exits.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A dispatch must never hang a web request when the broker is down: fail at once (refused) or
# within half a second (unreachable host); the row stays in the outbox and the sweep sends it
# later. `max_retries: 0` stops kombu from retrying the connection for
# `broker_connection_timeout` seconds (6 s per dispatch otherwise) before it gives up; the
# worker's own reconnection loop does not use it (see CELERY_BROKER_CONNECTION_MAX_RETRIES).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 0.5,
    "socket_timeout": 2,
    "max_retries": 0,
}
CELERY_TASK_PUBLISH_RETRY = False
# When the broker drops, leave running tasks alone (Celery 6 will cancel them by default):
# cancelling an email task between the SMTP server's acceptance and the outbox mark would send
# it twice, and every task is safe to run again if its message is delivered again.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Periodic clean-up and safety nets. Correctness never waits for them: an expired hold stops
# counting by itself; these tell buyers, send what was left behind and catch missed webhooks.
CELERY_BEAT_SCHEDULE = {
    "expire-orders": {"task": "orders.expire_orders", "schedule": 60.0},
    "apply-stripe-events": {"task": "orders.apply_waiting_stripe_events", "schedule": 60.0},
    "sweep-outbox": {"task": "orders.sweep_outbox", "schedule": 120.0},
    "reconcile-payments": {"task": "orders.reconcile_payments", "schedule": 600.0},
    "retry-pending-refunds": {"task": "orders.retry_pending_refunds", "schedule": 600.0},
    "event-reminders": {"task": "events.send_reminders", "schedule": 900.0},
    "waiting-lists": {"task": "events.offer_waiting_list", "schedule": 300.0},
    "purge-personal-data": {"task": "orders.purge_personal_data", "schedule": 86400.0},
    "invoice-reminders": {"task": "schools.remind_unpaid_invoices", "schedule": 3600.0},
    # Pages scheduled by editors (a go-live or expiry date) go live or offline on time.
    "publish-scheduled": {"task": "home.publish_scheduled", "schedule": 60.0},
    "membership-reminders": {"task": "memberships.send_renewal_reminders", "schedule": 3600.0},
    # A newsletter sending whose worker was killed outright goes on within a quarter hour.
    "newsletter-stalled": {"task": "newsletter.resume_stalled", "schedule": 300.0},
}

# --- Content-Security-Policy: enforced in every mode (see cesiq_site/csp.py) -----------------
CONTENT_SECURITY_POLICY = {"DIRECTIVES": CSP_DIRECTIVES}
# No Gravatar pictures in the admin: images come from the site only, and staff members' email
# hashes are not sent to a third party (Law 25). Wagtail shows initials instead.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# --- Passwords -------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages: French (Québec) first, English second ----------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# The project's catalogues, then better French for a few of Wagtail's admin strings
# (cesiq_site/locale_admin: `makemessages` writes to the first path only).
LOCALE_PATHS = [PROJECT_DIR / "locale", PROJECT_DIR / "locale_admin"]
FORMAT_MODULE_PATH = ["cesiq_site.formats"]
TIME_ZONE = "America/Toronto"
USE_I18N = True
USE_TZ = True
CURRENCY = "CAD"

# --- Static and media -------------------------------------------------------------------------
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
# cesiq_site is an app: AppDirectoriesFinder finds cesiq_site/static (listing it in
# STATICFILES_DIRS as well made collectstatic copy every file twice).
STATICFILES_DIRS = []
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"


def media_storage(environ):
    """Where uploads go (STORAGES["default"]): files under MEDIA_ROOT, or S3-compatible object
    storage when S3_BUCKET is set (cesiq_site/storage.py says which files are public).

    One machine may keep its uploads on its disk; from two web machines on they must share a
    bucket, or an image uploaded through one is missing on the other.
    """
    bucket = environ.get("S3_BUCKET", "").strip()
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options = {
        "bucket_name": bucket,
        "endpoint_url": environ.get("S3_ENDPOINT_URL", "").strip() or None,
        "region_name": environ.get("S3_REGION", "").strip() or None,
        "addressing_style": environ.get("S3_ADDRESSING_STYLE", "").strip() or None,
        "location": environ.get("S3_PREFIX", "").strip().strip("/"),
        # Signature version 4: the only one newer AWS regions (ca-central-1) accept.
        "signature_version": environ.get("S3_SIGNATURE_VERSION", "").strip() or "s3v4",
        # An upload never replaces another file of the same name (Wagtail expects that).
        "file_overwrite": False,
        # The bucket's policy decides who reads what; no per-object ACL (often disabled).
        "default_acl": None,
        "private_url_seconds": int(environ.get("S3_DOCUMENT_URL_SECONDS", "300")),
    }
    # Unset: boto3 finds credentials itself (AWS_ACCESS_KEY_ID…, an instance or task role).
    if environ.get("S3_ACCESS_KEY_ID"):
        options["access_key"] = environ["S3_ACCESS_KEY_ID"]
        options["secret_key"] = environ.get("S3_SECRET_ACCESS_KEY", "")
    # A CDN in front of the bucket: "media.cesiq.org" or "https://media.cesiq.org".
    domain = environ.get("S3_CUSTOM_DOMAIN", "").strip().rstrip("/")
    if domain:
        scheme, _sep, rest = domain.rpartition("://")
        options["custom_domain"] = rest
        options["url_protocol"] = f"{scheme or 'https'}:"
    return {"BACKEND": "cesiq_site.storage.MediaStorage", "OPTIONS": options}


MEDIA_STORAGE = media_storage(os.environ)
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if MEDIA_STORAGE["BACKEND"] != "django.core.files.storage.FileSystemStorage":
    # Documents: Wagtail's view checks the collection's privacy, then redirects to a signed
    # address on the bucket (cesiq_site/storage.py); the file never goes through gunicorn.
    WAGTAILDOCS_SERVE_METHOD = "redirect"
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Email --------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
# How long a worker owns an outbox email it is sending (orders/outbox.py). Far longer than an
# SMTP conversation can last (EMAIL_TIMEOUT bounds each step), so that a second worker only
# takes the email over when the first one is dead.
OUTBOX_LEASE_SECONDS = 300
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CÉSIQ <info@cesiq.org>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Payments (Stripe) ----------------------------------------------------------------------
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
# During a rotation of the webhook signing secret, the previous one is accepted too.
STRIPE_WEBHOOK_SECRET_PREVIOUS = os.environ.get("STRIPE_WEBHOOK_SECRET_PREVIOUS", "")
# Points the official library at the project's fake Stripe in demo and test modes only.
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# How long a call to Stripe may wait to connect and for its answer, each try (the library
# tries three times): a buyer who clicks « Payer » while Stripe hangs is told within about
# twenty seconds, and the site's threads are not all held (orders/stripe_gateway.py).
STRIPE_TIMEOUT_SECONDS = float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "6"))
DEMO_PAYMENTS = env_bool("CESIQ_DEMO_PAYMENTS", False)
# How long an order holds its places or stock while the buyer pays.
ORDER_HOLD_MINUTES = int(os.environ.get("CESIQ_ORDER_HOLD_MINUTES", "30"))

# --- Abuse limits (cesiq_site/ratelimit.py) ---------------------------------------------------
# The header in which a trusted proxy in front of the site writes the client's address, such as
# X-Forwarded-For, and how many proxies append to it. Empty: REMOTE_ADDR. Set it only behind
# such a proxy: otherwise clients choose their own address by sending the header.
CLIENT_IP_HEADER = os.environ.get("CESIQ_CLIENT_IP_HEADER", "")
TRUSTED_PROXY_COUNT = int(os.environ.get("CESIQ_TRUSTED_PROXY_COUNT", "1"))
# {scope: (requests, seconds)} overriding ratelimit.DEFAULT_LIMITS.
RATE_LIMITS = {}

# --- Wagtail ---------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "CÉSIQ"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
if USING_POSTGRES:
    # French stemming with accents folded (search/migrations/0001 creates it): the whole index
    # uses it, English pages included; English words are rarely changed by the French stemmer,
    # and index and queries always agree.
    WAGTAILSEARCH_BACKENDS["default"]["SEARCH_CONFIG"] = "cesiq_french"
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"avif": "avif", "webp": "webp"}
WAGTAILEMBEDS_RESPONSIVE_HTML = True
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILADMIN_RECENT_EDITS_LIMIT = 5
WAGTAIL_ALLOW_UNICODE_SLUGS = False

# --- Logging: one line per event on stderr, collected by the platform ------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Wagtail's own background tasks (search and reference index) log every run.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        # The stripe library logs two lines for every API call; the order's own log says
        # what was asked of Stripe (checkout_started, refunds) and errors are warnings.
        "stripe": {"level": "WARNING"},
    },
}
