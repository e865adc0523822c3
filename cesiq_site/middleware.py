"""Response-wide middleware of the public site."""

from django.http import Http404
from django.utils import translation

from .typography import french_html


class FrenchTypographyMiddleware:
    """French HTML pages leave with Québec typography (`typography.py`): templates, messages
    and the editors' rich text alike, since the rule applies to the page as rendered. The
    admin is left as Wagtail draws it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(response, "streaming", False)
            or not response.get("Content-Type", "").startswith("text/html")
            or response.has_header("Content-Encoding")
            or request.path.startswith(("/admin/", "/django-admin/"))
            or not (translation.get_language() or "").startswith("fr")
        ):
            return response
        charset = response.charset or "utf-8"
        response.content = french_html(response.content.decode(charset)).encode(charset)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response


class SiteNotFoundPageMiddleware:
    """The demo (settings.dev, DEBUG on) answers a page not found with the site's own page, as
    visitors of the real site get it (`views.page_not_found`: translated, with the menus and a
    way home), not with Django's technical page listing the site's address patterns. Errors
    keep their tracebacks. Last in MIDDLEWARE, so that what runs around it (Wagtail's
    redirects) still sees the 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            # An address no pattern matches (« /ancienne-page.html », « /a b/ »): Django's
            # technical page was made before any view ran.
            from .views import page_not_found

            return page_not_found(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            from .views import page_not_found

            return page_not_found(request, exception)
        return None
