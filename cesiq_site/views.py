"""Small site-wide views: health check, robots.txt, documents and the error pages."""

import logging
import mimetypes

from django.conf import settings
from django.core.cache import cache
from django.db import connection, models
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

logger = logging.getLogger(__name__)


def _check_database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down" for a health check
        logger.warning("healthz: database unreachable: %s", exc)
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor}


def _check_cache():
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    try:
        if hasattr(cache, "check"):  # ResilientRedisCache: ask Redis itself, not the fallback
            cache.check()
        else:
            cache.set("healthz", "ok", timeout=10)
            if cache.get("healthz") != "ok":
                raise RuntimeError("the value written was not read back")
    except Exception as exc:
        logger.warning("healthz: cache unreachable: %s", exc)
        return {"ok": False, "error": exc.__class__.__name__, "backend": backend}
    return {"ok": True, "backend": backend}


def _check_broker():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager"}
    from cesiq_site.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=2)
    except Exception as exc:
        logger.warning("healthz: broker unreachable: %s", exc)
        return {"ok": False, "error": exc.__class__.__name__, "mode": "broker"}
    return {"ok": True, "mode": "broker"}


def _outbox_backlog():
    """Emails waiting to be sent, paid orders whose confirmation is not written yet, and Stripe
    events recorded but not applied yet (payments among them): a backlog that grows says the
    worker or the mail server is down (information only; it never changes the status code)."""
    from django.db.models import Min
    from django.utils import timezone

    from orders.models import Order, OutboxEmail, StripeEvent

    pending = OutboxEmail.objects.filter(state=OutboxEmail.State.PENDING).aggregate(
        count=models.Count("pk"), oldest=Min("created_at")
    )
    oldest = pending["oldest"]
    age = int((timezone.now() - oldest).total_seconds()) if oldest else 0
    unwritten = Order.objects.filter(
        paid_at__isnull=False, confirmation_queued_at__isnull=True
    ).count()
    return {
        "pending": pending["count"],
        "oldest_pending_seconds": age,
        "confirmations_to_write": unwritten,
        "stripe_events_to_apply": StripeEvent.objects.filter(
            status=StripeEvent.Status.RECEIVED
        ).count(),
    }


@never_cache
@require_GET
def healthz(request):
    """State of the parts the site needs, for a load balancer and for monitoring.

    - 200 `"ok"`: everything answers.
    - 200 `"degraded"`: Redis (cache and/or broker) is down. The site still serves pages,
      registrations and webhooks; emails wait in the outbox and the sweep sends them once the
      broker is back. A load balancer must keep sending traffic, hence 200.
    - 503 `"down"`: the database is unreachable; nothing works, take this instance out.
    - `?strict=1` answers 503 whenever any part is down, for monitoring that only reads the
      status code and should page someone when Redis is down.
    """
    checks = {
        "database": _check_database(),
        "cache": _check_cache(),
        "broker": _check_broker(),
    }
    healthy = all(c["ok"] for c in checks.values())
    body = {"status": "ok" if healthy else "degraded", **checks}
    status = 200
    if not checks["database"]["ok"]:
        body["status"] = "down"
        status = 503
    else:
        try:
            body["outbox"] = _outbox_backlog()
        except Exception as exc:  # a missing table must not hide the rest of the answer
            logger.warning("healthz: outbox backlog unavailable: %s", exc)
    if request.GET.get("strict") and not healthy:
        status = 503
    return JsonResponse(body, status=status)


@require_GET
def robots_txt(request):
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /django-admin/"]
    lines.append(f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@require_safe
def favicon(request):
    """/favicon.ico, which feed readers, bookmark tools and some browsers ask for whatever the
    page's <link rel="icon"> says: the site's icon rather than a Wagtail page lookup and a
    « Page introuvable » page each time. To its name without the content hash (WhiteNoise
    serves both): a redirect kept a day must not outlive the hashed file of an older deploy."""
    response = HttpResponsePermanentRedirect(settings.STATIC_URL + "img/favicon.svg")
    patch_cache_control(response, public=True, max_age=86400)
    return response


def serve_document(request, document_id, document_filename):
    """Wagtail's document view, whose answer no CDN or proxy may keep: it follows the
    collection's privacy settings, and with object storage it is a redirect to a signed
    address that stops working after a few minutes (cesiq_site/storage.py)."""
    from wagtail.documents.views.serve import serve

    response = serve(request, document_id, document_filename)
    patch_cache_control(response, private=True)
    if response.status_code in (301, 302):
        add_never_cache_headers(response)
    return response


@require_safe
def serve_image_file(request, path):
    """An image uploaded to this machine's disk (no S3_BUCKET: one web machine), served by the
    site itself, since WhiteNoise serves only the files collected at build time; a proxy in
    front may serve MEDIA_ROOT's images/ and original_images/ faster. Only images: documents
    go through Wagtail's view, which checks their collection's privacy. Uploads kept in this
    process's memory (the test settings' storage) are served the same way; uploads in a bucket
    are never fetched through here (their addresses are the bucket's or the CDN's)."""
    from django.core.files.storage import FileSystemStorage, InMemoryStorage, storages
    from django.views.static import serve

    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        response = serve(request, path, document_root=storage.location)
    elif isinstance(storage, InMemoryStorage) and storage.exists(path) and ".." not in path:
        response = FileResponse(storage.open(path), content_type=mimetypes.guess_type(path)[0])
    else:
        raise Http404
    if response.status_code == 200:
        patch_cache_control(response, public=True, max_age=86400)
    return response


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No context processors or database here: the error may come from either.
    template = loader.get_template("500.html")
    return HttpResponse(template.render({"request": request}), status=500)


def preview_404(request):
    return page_not_found(request)


def preview_500(request):
    return server_error(request)
