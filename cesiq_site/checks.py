"""System checks that stop an unsafe production configuration before it serves anyone."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def payments_are_real_in_production(app_configs, **kwargs):
    if settings.DEBUG or settings.TESTING:
        return []
    errors = []
    if settings.DEMO_PAYMENTS:
        errors.append(
            Error(
                "Demo payments are on while DEBUG is off.",
                hint="Unset CESIQ_DEMO_PAYMENTS in production.",
                id="cesiq.E001",
            )
        )
    if settings.STRIPE_API_BASE:
        errors.append(
            Error(
                "STRIPE_API_BASE points the Stripe library away from Stripe while DEBUG is off.",
                hint="Unset STRIPE_API_BASE in production; it is for the fake Stripe only.",
                id="cesiq.E002",
            )
        )
    return errors


@register(Tags.security)
def live_stripe_key_only_in_production(app_configs, **kwargs):
    key = settings.STRIPE_SECRET_KEY or ""
    if key.startswith(("sk_live_", "rk_live_")) and (settings.DEBUG or settings.DEMO_PAYMENTS):
        return [
            Error(
                "A live Stripe key is set while DEBUG or demo payments are on.",
                hint="Use a test key (sk_test_…) outside production.",
                id="cesiq.E003",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def stripe_is_configured(app_configs, **kwargs):
    from django.core.checks import Warning

    missing = [
        name
        for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
        if not getattr(settings, name)
    ]
    if missing:
        return [
            Warning(
                f"{', '.join(missing)} not set: paid orders cannot be taken.",
                hint="Set them from the Stripe dashboard (API keys, webhook endpoint).",
                id="cesiq.W001",
            )
        ]
    return []


PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
SHARED_SESSION_ENGINES = (
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.signed_cookies",
)


@register(deploy=True)
def nothing_lives_in_one_process(app_configs, **kwargs):
    """Every web process (and machine) must see the same sessions, carts, page cache and rate
    limits: the cache must be shared (Redis), sessions kept in the database or that cache."""
    from django.core.checks import Warning

    warnings = []
    backend = settings.CACHES["default"]["BACKEND"]
    if backend in PROCESS_LOCAL_CACHES:
        warnings.append(
            Warning(
                "The cache is local to each process: a page published through one process is "
                "still served stale by the others, and each one counts the rate limits alone.",
                hint="Set REDIS_URL.",
                id="cesiq.W002",
            )
        )
    engine = settings.SESSION_ENGINE
    if engine not in SHARED_SESSION_ENGINES or (
        engine == "django.contrib.sessions.backends.cache"
        and settings.CACHES[settings.SESSION_CACHE_ALIAS]["BACKEND"] in PROCESS_LOCAL_CACHES
    ):
        warnings.append(
            Warning(
                f"Sessions (and so carts) may live in one process: SESSION_ENGINE={engine!r}.",
                hint="Keep Django's default database sessions.",
                id="cesiq.W003",
            )
        )
    return warnings
