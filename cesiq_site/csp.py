"""Content-Security-Policy (django-csp): what a page may load and run.

The public site gets a strict policy: scripts and styles only from the site itself or inline
with this response's nonce (`nonce="{{ request.csp_nonce }}"`), no plugins, no <base>, forms
posted only to the site and to Stripe's hosted checkout, framed only by the site itself (the
Wagtail preview).

Stripe Checkout is reached by a 303 redirect after a form post, and Chromium applies
form-action to the redirect's target as well: the checkout origin is allowed, read at each
request from STRIPE_API_BASE (the demo's and the tests' fake Stripe) or Stripe's own.

The Wagtail admin (/admin/, except its login page) gets one relaxation, for scripts and
styles only. Wagtail 8 still writes inline <script> elements from Python and its widget
templates (choosers: `BaseChooser.render`; date pickers: wagtailadmin/widgets/*.html; inline
panels), which cannot reach the request and so cannot carry its nonce; its jQuery inserts
inline scripts and styles; its templates use style attributes (wagtail#1288). Under the strict
policy Chromium blocked eleven inline scripts on an activity's editor and style attributes on
the dashboard. So the admin allows 'unsafe-inline' for script-src and style-src, without a
nonce (a nonce would switch 'unsafe-inline' off). Everything else stays as strict as on the
public site: no eval, no plugins, no <base>, forms only to the site, images only from the site
(plus data: and blob: URLs for image upload previews), no framing by another site. The login
page, the one admin page anyone can open, needs nothing and keeps the strict policy.

When uploads live on object storage (S3_BUCKET), images come from the bucket or its CDN:
that one origin is added to img-src, on the public site and in the admin alike.
"""

from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"
ADMIN_PREFIX = "/admin/"
# Admin pages anyone can open, which need no relaxation: they keep the strict policy.
ADMIN_STRICT_PATHS = ("/admin/login/",)

DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF, NONCE],
    "style-src": [SELF, NONCE],
    "img-src": [SELF, "data:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "media-src": [SELF],
    "frame-src": [SELF],
    "object-src": [NONE],
    "base-uri": [NONE],
    "form-action": [SELF],
    "frame-ancestors": [SELF],
}

ADMIN_DIRECTIVES = {
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:"],
}


def checkout_origin():
    """Where the checkout redirect goes: the fake Stripe in demo and tests, else Stripe."""
    base = getattr(settings, "STRIPE_API_BASE", "")
    if base:
        parts = urlsplit(base)
        return f"{parts.scheme}://{parts.netloc}"
    return STRIPE_CHECKOUT_ORIGIN


_media_origin = {}


def media_origin():
    """The origin images are served from when it is not the site's (a bucket, a CDN), else
    None. Read once from the storage itself, so it is exactly what <img src> will name."""
    if "origin" not in _media_origin:
        from django.core.files.storage import default_storage

        parts = urlsplit(default_storage.url("images/origin.jpg"))
        _media_origin["origin"] = f"{parts.scheme}://{parts.netloc}" if parts.netloc else None
    return _media_origin["origin"]


@receiver(setting_changed)
def _forget_media_origin(setting, **kwargs):
    if setting == "STORAGES":
        _media_origin.clear()


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the checkout origin and the admin's relaxation."""

    def get_policy_parts(self, request, response, report_only=False):
        parts: PolicyParts = super().get_policy_parts(request, response, report_only)
        parts.update = {**(parts.update or {}), "form-action": [checkout_origin()]}
        origin = media_origin()
        if origin:
            parts.update["img-src"] = [origin]
        path = request.path_info
        if path.startswith(ADMIN_PREFIX) and not path.startswith(ADMIN_STRICT_PATHS):
            parts.replace = {**ADMIN_DIRECTIVES, **(parts.replace or {})}
        return parts
