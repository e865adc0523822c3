from celery import shared_task


@shared_task(name="cesiq_site.ping")
def ping(token):
    """Echo a token back; used by /healthz-style checks and the worker tests."""
    from django.core.cache import cache

    cache.set(f"celery-ping:{token}", "pong", timeout=300)
    return token
