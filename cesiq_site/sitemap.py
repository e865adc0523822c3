"""sitemap.xml: every live, public page of the requested site in both languages, each with
its translations as `xhtml:link` alternates (and x-default, the French one) and `lastmod`.

Addresses use the request's host (as robots.txt does), not the Wagtail Site's hostname, which
is "localhost" on many installations. Wagtail's own sitemap lists one language only and knows
nothing of translations, hence this view.
"""

from django.conf import settings
from django.db.models import Q
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET
from wagtail.models import Page, Site

from cesiq_site import seo


def site_pages(request):
    """Live, public pages under the site's root page and its translations."""
    site = Site.find_for_request(request)
    if site is None:
        return Page.objects.none()
    roots = [site.root_page, *site.root_page.get_translations()]
    under = Q()
    for root in roots:
        under |= Q(path__startswith=root.path)
    return Page.objects.live().public().filter(under).select_related("locale").order_by("path")


def entries(request):
    pages = list(site_pages(request))
    by_key = {}
    for page in pages:
        path = seo.page_path(page, request)
        if path is None:
            continue
        page.sitemap_url = request.build_absolute_uri(path)
        by_key.setdefault(page.translation_key, []).append(page)
    order = [code for code, _name in settings.LANGUAGES]
    found = []
    for page in pages:
        if not hasattr(page, "sitemap_url"):
            continue
        versions = sorted(
            by_key[page.translation_key],
            key=lambda p: (
                order.index(p.locale.language_code)
                if p.locale.language_code in order
                else len(order)
            ),
        )
        alternates = [
            (seo.HREFLANG.get(v.locale.language_code, v.locale.language_code), v.sitemap_url)
            for v in versions
        ]
        default = [
            v.sitemap_url for v in versions if v.locale.language_code == settings.LANGUAGE_CODE
        ]
        found.append(
            {
                "loc": page.sitemap_url,
                "lastmod": page.last_published_at or page.latest_revision_created_at,
                "alternates": alternates if len(alternates) > 1 else [],
                "x_default": default[0] if default and len(alternates) > 1 else None,
            }
        )
        if hasattr(page.specific_class, "sitemap_subpages"):
            found.extend(subpage_entries(page, versions))
    return found


def subpage_entries(page, versions):
    """The routed pages below `page` (a network organisation's page) that its model lists
    with `sitemap_subpages()`: [(path below the page, translation key, last published)]. The
    same item under each language's page is an alternate."""
    by_item = {}
    for version in versions:
        for suffix, key, lastmod in version.specific.sitemap_subpages():
            code = version.locale.language_code
            by_item.setdefault(key, {})[code] = (version.sitemap_url + suffix, lastmod)
    found = []
    for suffix, key, lastmod in page.specific.sitemap_subpages():
        languages = by_item[key]
        alternates = [
            (seo.HREFLANG.get(code, code), languages[code][0])
            for code, _name in settings.LANGUAGES
            if code in languages
        ]
        default = languages.get(settings.LANGUAGE_CODE)
        found.append(
            {
                "loc": page.sitemap_url + suffix,
                "lastmod": lastmod,
                "alternates": alternates if len(alternates) > 1 else [],
                "x_default": default[0] if default and len(alternates) > 1 else None,
            }
        )
    return found


@require_GET
def sitemap(request):
    body = render_to_string("sitemap.xml", {"urls": entries(request)})
    return HttpResponse(body, content_type="application/xml; charset=utf-8")
