"""What search engines and link previews read about a page: description, canonical address,
the same page in the other language (hreflang), the sharing image.

Addresses are absolute and built from the request, so they carry the host the visitor (or the
crawler) used, which production restricts with ALLOWED_HOSTS; the Wagtail Site's hostname
(often "localhost") is never used for them.
"""

import copy

from django.conf import settings
from django.urls import translate_url
from wagtail.images.models import SourceImageIOError
from wagtail.models import Page

DESCRIPTION_LENGTH = 160
# Open Graph's recommended size: 1.91:1, large enough for every network.
SHARE_RENDITION = "fill-1200x630|format-jpeg"
# The html lang attribute and hreflang say the same: French and English of Canada.
HREFLANG = {"fr": "fr-CA", "en": "en-CA"}
OG_LOCALE = {"fr": "fr_CA", "en": "en_CA"}


def description(page):
    """The promote tab's description, else the page's own summary or introduction, as one
    line of at most 160 characters."""
    if not isinstance(page, Page):
        return ""
    for name in ("search_description", "summary", "introduction", "hero_text"):
        value = one_line(getattr(page, name, ""))
        if value:
            return value
    return ""


def one_line(value):
    """`value` as one line of at most 160 characters, cut at a word boundary (the ellipsis
    included in the length)."""
    value = " ".join(str(value or "").split())
    if len(value) > DESCRIPTION_LENGTH:
        cut = value[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0]
        value = cut.rstrip(",;:.") + "…"
    return value


def title(page):
    if not isinstance(page, Page):
        return ""
    return page.seo_title or page.title


def absolute(request, path):
    return request.build_absolute_uri(path)


def page_path(page, request):
    """The page's path on the requested site ('/en/activities/…')."""
    parts = page.get_url_parts(request)
    return parts[2] if parts else None


def _routed_suffix(page, request):
    """The part of the request path below the page (a routable page's sub-path)."""
    path = page_path(page, request)
    if path and request.path.startswith(path):
        return path, request.path[len(path) :]
    return path, None


def home_page(request, locale, page=None):
    """The requested site's home page in `locale` (None if untranslated), looked up once per
    request (cesiq_site/request_memo.py); among `page`'s ancestors when it is there."""
    from wagtail.models import Site

    from cesiq_site.request_memo import memoized

    site = Site.find_for_request(request)
    if site is None:
        return None

    def find():
        root = site.root_page
        if root.locale_id == locale.pk:
            # Kept for other requests: not with what serving it left on it (its `.specific`).
            root = copy.copy(root)
            root.__dict__.pop("specific", None)
            return root
        if isinstance(page, Page) and page.pk is not None:
            for row in [*ancestors(page), page]:
                if (
                    row.depth == root.depth
                    and row.translation_key == root.translation_key
                    and row.locale_id == locale.pk
                ):
                    return row
        return root.get_translation_or_none(locale)

    from cesiq_site.render_cache import shared

    key = ("home", site.pk, locale.pk)
    # Kept across requests too (render_cache.py): the home page is only read (URL, menu).
    return memoized(key, lambda: shared(key, find))


def localized_home(request):
    """What `site.root_page.localized` answers (the home page in the active language if it is
    live, else the site's root page), without asking twice in a request."""
    from wagtail.models import Locale, Site

    site = Site.find_for_request(request)
    if site is None:
        return None
    try:
        home = home_page(request, Locale.get_active())
    except (Locale.DoesNotExist, LookupError):
        home = None
    return home if home is not None and home.live else site.root_page


def ancestors(page):
    """The page's ancestors, root first, as plain pages: one query per request, shared by the
    visible breadcrumbs and their structured data."""
    from cesiq_site.request_memo import memoized

    if page.pk is None:
        # A new page in the admin's preview: Wagtail gave it its place in the tree (a path).
        return list(page.get_ancestors()) if page.path else []
    from cesiq_site.render_cache import shared

    key = ("ancestors", page.pk)
    # Kept across requests too (render_cache.py): the rows are only read (paths, titles).
    return memoized(key, lambda: shared(key, lambda: list(page.get_ancestors())))


def versions(page):
    """{language code: the page's row in that language} for each of its translations, its own
    language included (the saved row, live or not: a preview shows a draft). One query, once
    per request (cesiq_site/request_memo.py)."""
    from cesiq_site.request_memo import memoized

    if page.pk is None:
        return {}

    def find():
        rows = type(page).objects.filter(translation_key=page.translation_key)
        return {row.locale.language_code: row for row in rows.select_related("locale")}

    from cesiq_site.render_cache import shared

    key = ("versions", type(page), page.pk)
    # Kept across requests too (render_cache.py): the rows are only read (URL, live).
    return memoized(key, lambda: shared(key, find))


def language_of(page):
    """The page's language code, without asking the database again."""
    for code, version in versions(page).items():
        if version.pk == page.pk:
            return code
    from cesiq_site.request_memo import language_code

    return language_code(page)


def alternates(request, page):
    """[(language code, absolute address)] of this page in every language it is live in, its
    own included, French first. Views that are not pages use their translated URL patterns."""
    found = []
    if isinstance(page, Page):
        path, suffix = _routed_suffix(page, request)
        if suffix is None:
            return []
        by_code = {}
        own = language_of(page)
        for code, version in versions(page).items():
            if code == own or not version.live:
                continue
            version_path = page_path(version, request)
            if version_path:
                by_code[code] = absolute(request, version_path + suffix)
        if path:
            by_code[own] = absolute(request, path + suffix)
        found = [(code, by_code[code]) for code, _name in settings.LANGUAGES if code in by_code]
    else:
        for code, _name in settings.LANGUAGES:
            translated = translate_url(request.path, code)
            found.append((code, absolute(request, translated)))
        # translate_url answers the same path when it cannot translate: not an alternate then.
        if len({url for _code, url in found}) != len(found):
            return []
    return found


def canonical(request, page):
    """The address this content is known by: the page's own (without filters or tracking
    parameters) or, for a routed view or a plain view, the request's path."""
    if isinstance(page, Page):
        path, suffix = _routed_suffix(page, request)
        if suffix is not None:
            return absolute(request, path + suffix)
    return absolute(request, request.path)


def _image_of(page):
    for name in ("image", "hero_image"):
        image = getattr(page, name, None)
        if image is not None:
            return image
    gallery = getattr(page, "gallery_images", None)
    if gallery is not None:
        prefetched = getattr(page, "_prefetched_objects_cache", {}).get("gallery_images")
        if prefetched is not None:  # read already, with their images (shop.models)
            first = next(iter(prefetched), None)
        else:
            first = gallery.select_related("image").first()
        if first is not None:
            return first.image
    return None


def share_image(request, page, site_settings=None):
    """(absolute URL, width, height) of the page's own image, else the site's default sharing
    image (Paramètres du site), else None."""
    image = _image_of(page) if isinstance(page, Page) else None
    if image is None and site_settings is not None:
        image = site_settings.share_image
    if image is None:
        return None
    try:
        rendition = image.get_rendition(SHARE_RENDITION)
    except (SourceImageIOError, OSError):  # a missing original: the page still renders
        return None
    return (absolute(request, rendition.url), rendition.width, rendition.height)


def default_language_url(found):
    """x-default: the French version when there is one."""
    default = settings.LANGUAGE_CODE
    for code, url in found:
        if code == default:
            return url
    return found[0][1] if found else None


def private_address(response):
    """Mark `response` as a page whose address is a secret (a receipt, a ticket, a link sent by
    email): search engines are asked not to index it, and the browser sends its address as a
    Referer to this site alone, never to another.

    Not "no-referrer": with it the browser sends "Origin: null" with the page's forms (paying
    again, confirming), and Django's CSRF check refuses them ("Origin checking failed").
    """
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"
    return response
