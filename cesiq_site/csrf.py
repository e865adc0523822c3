"""Cross-site request forgery protection for a form shown on cached pages.

A page stored by the page cache (cesiq_site/pagecache.py) is the same for every anonymous
visitor, so it cannot carry a visitor's CSRF token. The one form such pages show is the
product page's "add to cart". Its view is protected by the origin of the request instead:

- browsers send `Origin` with every form POST (and `Referer` under our same-origin referrer
  policy); a POST whose origin is this site (or one of CSRF_TRUSTED_ORIGINS) is accepted;
- anything else goes through Django's usual token check, so a form that does carry a token
  (an uncached render) still works, and a forged cross-site POST is refused (403).

Besides, the session cookie is `SameSite=Lax`: a cross-site POST reaches the view without
the victim's session, so it could only fill a new, empty cart nobody owns.
"""

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt


def _origin_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def same_origin(request):
    """The POST comes from a page of this site, by its Origin (or Referer) header."""
    origin = request.META.get("HTTP_ORIGIN") or _origin_of(request.META.get("HTTP_REFERER", ""))
    if not origin or origin == "null":
        return False
    own = f"{request.scheme}://{request.get_host()}"
    return origin == own or origin in settings.CSRF_TRUSTED_ORIGINS


def origin_checked(view):
    """Accept a same-origin POST without a token; otherwise require Django's CSRF token."""

    @csrf_exempt
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not same_origin(request):
            refusal = CsrfViewMiddleware(lambda r: None).process_view(request, view, args, kwargs)
            if refusal is not None:
                return refusal
        return view(request, *args, **kwargs)

    return checked
