"""{% seo_meta %}: what includes/seo_head.html writes in every page's <head> (cesiq_site/seo.py)."""

from django import template
from django.utils import translation
from wagtail.models import Page

from cesiq_site import seo

register = template.Library()


@register.simple_tag(takes_context=True)
def seo_meta(context):
    request = context.get("request")
    if request is None:
        return {}
    page = context.get("page")
    from home.models import SiteSettings

    site_settings = SiteSettings.for_request(request)
    language = translation.get_language() or "fr"
    found = seo.alternates(request, page)
    return {
        "title": context.get("seo_title") or seo.title(page),
        # Views that are not pages (search) and routed views showing one item (an organisation
        # of the network) give their own.
        "description": context.get("seo_description") or seo.description(page),
        "canonical": seo.canonical(request, page),
        "alternates": [(seo.HREFLANG.get(code, code), url) for code, url in found],
        "x_default": seo.default_language_url(found),
        "image": seo.share_image(request, page, site_settings),
        "og_locale": seo.OG_LOCALE.get(language, language),
        "og_locale_alternates": [
            seo.OG_LOCALE.get(code, code) for code, _url in found if code != language
        ],
        "site_name": "CÉSIQ",
    }


@register.simple_tag(takes_context=True)
def structured_data(context):
    """[JSON-LD strings] for includes/structured_data.html: the breadcrumb trail on every page
    below the home page, the Organization on the home page."""
    from cesiq_site import structured_data as data

    request = context.get("request")
    page = context.get("page")
    if request is None or page is None:
        return []
    from cesiq_site.render_cache import keep_html
    from home.models import HomePage, SiteSettings

    # A routed view showing one item (a producer, an organisation of the network) ends the trail.
    item = context.get("producer") or context.get("organisation")

    def blocks():
        found = []
        extra = (item.name, seo.canonical(request, page)) if item is not None else None
        trail = data.breadcrumb_list(request, page, extra)
        if trail:
            found.append(data.dumps(trail))
        if isinstance(page, HomePage):
            found.append(
                data.dumps(data.organization(request, SiteSettings.for_request(request), page))
            )
        return tuple(found)

    # Saved content and the address only (the nonce is added by the template): kept per page,
    # path and item like the HTML fragments (cesiq_site/render_cache.py).
    if not isinstance(page, Page):
        return list(blocks())
    return list(keep_html(request, ("structured data", page, request.path, item), blocks))
