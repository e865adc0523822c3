"""What every public page reads the same way between two edits, read once per process:
the locales, the site, the private sections, the main menu, the site settings, a page's
translations, which page answers a URL.

Keyed on the page cache's content generation (`pagecache.current_generation()`), which is
replaced whenever any content a public page shows may have changed (a page published,
unpublished, moved or saved, a snippet, the site settings…): an answer kept under a
generation is only ever given to a request that read that same generation, and it was
computed after that generation was read, so it can never be older than what the page cache
would serve. Sales and give-backs replace only the page cache's places generation: nothing
kept here may say how many places or units are left (pages count them for each request).
Unlike the page cache, it also serves the pages that can never be stored (a registration
form with its CSRF token, a visitor with a cart).

When the answer is computed afresh:
- outside a request (a Celery task, a command) and when RENDER_CACHE is off (the tests that
  count an uncached page's queries);
- when the cache is down (no generation): pages then render as if there were no cache;
- when this request's transaction has changed something a public page shows and not yet
  committed (a bump is pending): the kept answers would be older than what it wrote (the
  admin saves and renders in the same request; a test writes in a transaction never
  committed).

The answers live in this process only (no network round trip, no pickling) and are dropped
as soon as a request brings a newer generation, and at the latest after MAX_AGE_SECONDS:
what no signal announces (an `update()` in a shell, renditions purged by a command) shows
within that time, as with the page cache. Values are shared between requests and
threads: callers treat them as read-only (see each use).
"""

import time

from django.conf import settings
from django.db import transaction

MAX_ENTRIES = 5000  # a bound against made-up URLs; dropping everything is always correct
MAX_AGE_SECONDS = 300

_store = {"generation": None, "since": 0.0, "values": {}}


def clock():
    return time.monotonic()


def enabled():
    return getattr(settings, "RENDER_CACHE", True)


def _read_generation():
    from . import pagecache

    try:
        return pagecache.current_generation()
    except Exception:  # a cache that is down: nothing shared
        return None


def generation():
    """This request's content generation (read once per request), None outside a request."""
    from .request_memo import in_request, memoized

    if not in_request():
        return None
    return memoized("render cache generation", _read_generation)


def change_pending():
    """This connection's transaction changed what a public page shows, not yet committed."""
    from .pagecache import _BumpAtCommit

    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        isinstance(callback, _BumpAtCommit) and not callback.done
        for _savepoints, callback, _robust in connection.run_on_commit
    )


def shared(key, compute, still_true=None):
    """compute(), kept for every request of the same content generation (see above).

    `still_true(value)`, when given, says whether a kept value still holds (what time alone
    changes: a listing until its next date starts or ends); if not, it is computed afresh and
    kept in its place."""
    global _store
    if not enabled():
        return compute()
    current = generation()
    if current is None or change_pending():
        return compute()
    store = _store
    now = clock()
    if store["generation"] != current or now - store["since"] > MAX_AGE_SECONDS:
        store = {"generation": current, "since": now, "values": {}}
        _store = store
    values = store["values"]
    try:
        value = values[key]
    except KeyError:
        pass
    else:
        if still_true is None or still_true(value):
            return value
    value = compute()
    if len(values) >= MAX_ENTRIES:
        values.clear()
    values[key] = value
    return value


def clear():
    """Forget everything (tests)."""
    global _store
    _store = {"generation": None, "since": 0.0, "values": {}}


def _copy(instance):
    """A model instance of the store as the request's own: Wagtail and our views set
    attributes on the site, the settings and the pages they serve."""
    import copy

    return copy.copy(instance)


def share_wagtail_lookups():
    """Wagtail reads the site of every request and walks the page tree one level at a time
    (two queries per level of the URL); keep both answers across requests."""
    _share_sites()
    _share_routes()
    _share_pictures()


def _share_sites():
    """`Site.find_for_request` asks the database on every request (wagtail.models.sites)."""
    from wagtail.models import sites

    if getattr(sites.get_site_for_hostname, "shared", False):
        return
    uncached = sites.get_site_for_hostname

    def get_site_for_hostname(hostname, port):
        site = _copy(shared(("site", hostname, port), lambda: uncached(hostname, port)))
        root = site._state.fields_cache.get("root_page")
        if root is not None:
            site._state.fields_cache["root_page"] = _copy(root)
        return site

    get_site_for_hostname.shared = True
    get_site_for_hostname.__doc__ = uncached.__doc__
    sites.get_site_for_hostname = get_site_for_hostname


def _route_of(site, result, components):
    """Which page answered `components`, as (model label, pk, how many components are its
    own path); None when that cannot be said from the tree alone."""
    if result is None:
        return None
    page = result[0]
    start = site.root_page.localized
    consumed = page.depth - start.depth
    if not 0 <= consumed <= len(components):
        return None
    if page.url_path != start.url_path + "".join(f"{slug}/" for slug in components[:consumed]):
        return None
    return page._meta.label_lower, page.pk, consumed


def _share_routes():
    """Wagtail routes a URL from the home page down, reading each level's child by its slug and
    then its specific row. The answer (which page, and which part of the URL is that page's
    own sub-route) only changes with the tree, so it is kept per content generation; a
    request then reads that one page and asks it to route the rest, as Wagtail would have
    (a RoutablePageMixin's sub-routes, a page not live: a 404). Intermediate pages' own
    `route` is skipped on a kept answer: none of ours overrides it in a way that depends on
    anything but the path and the tree."""
    from django.apps import apps
    from django.core.exceptions import ObjectDoesNotExist
    from django.http import Http404
    from django.utils import translation
    from wagtail.models import Page, Site

    if getattr(Page.route_for_request, "shared", False):
        return
    uncached = Page.route_for_request

    def route_for_request(request, path):
        if hasattr(request, "_wagtail_route_for_request") or not enabled():
            return uncached(request, path)
        site = Site.find_for_request(request)
        if site is None:
            return uncached(request, path)
        components = tuple(component for component in path.split("/") if component)
        routed = {}

        def find():
            routed["result"] = result = uncached(request, path)
            return _route_of(site, result, components)

        key = ("route", site.pk, translation.get_language(), components)
        where = shared(key, find)
        if "result" in routed:
            return routed["result"]
        if where is None:
            return uncached(request, path)
        label, pk, consumed = where
        try:
            page = apps.get_model(label)._default_manager.get(pk=pk)
            result = page.route(request, list(components[consumed:]))
        except (ObjectDoesNotExist, Http404):
            result = None
        request._wagtail_route_for_request = result
        return result

    route_for_request.shared = True
    route_for_request.__doc__ = uncached.__doc__
    Page.route_for_request = staticmethod(route_for_request)


def _share_pictures():
    """`{% picture image format-{avif,webp,jpeg} fill-480x270 … %}` looks up (or makes) each
    rendition and writes a <picture> with its sources: ≈ 1–2 ms per card of a listing. The
    HTML only depends on the image's row (a save starts a new generation), the filters and
    the attributes, so it is kept; renditions made afresh by a command show within
    MAX_AGE_SECONDS, as with the page cache. `{% picture … as name %}` is left to Wagtail."""
    from wagtail.images.templatetags.wagtailimages_tags import PictureNode

    if getattr(PictureNode.render, "shared", False):
        return
    uncached = PictureNode.render

    def render(self, context):
        image = None if self.output_var_name else self.validate_image(context)
        if image is None or image.pk is None:
            return uncached(self, context)
        attrs = tuple(
            sorted((name, str(value.resolve(context))) for name, value in self.attrs.items())
        )
        key = ("picture", image.pk, image.file.name, tuple(self.filter_specs), attrs)
        return shared(key, lambda: uncached(self, context))

    render.shared = True
    PictureNode.render = render


class _NotKept(Exception):
    """A fragment that asked for a CSRF token while rendering: given to this request only."""

    def __init__(self, html):
        self.html = html


def _key_part(value):
    """A model row by its table and id (its content is the generation's business); anything
    else must be hashable as it is, so that two different values never share a key."""
    from django.db.models import Model

    if isinstance(value, Model):
        return (value._meta.label_lower, value.pk)
    hash(value)  # a TypeError here is a template asking to key on something unkeyable
    return value


def keep_html(request, key, render):
    """render() (a piece of HTML), kept per language for the content generation like the rest.

    `key` must name everything the HTML shows that is not content saved in the database
    (which the generation covers): the page or row shown, and whatever time or a hold that
    runs out can change without a save (the next date of an activity, "Épuisé"). What
    depends on the visitor (cart, user, search words, a CSRF token, the CSP nonce) must stay
    outside: as a guard, a fragment that asked for a CSRF token is never kept."""
    from django.utils import translation

    if request is not None and getattr(request, "is_preview", False):
        return render()  # a draft shown to its editor: same page, other content

    def compute():
        if request is None:
            return render()
        # Django's get_token() sets this flag each time it hands out a token: cleared while
        # the fragment renders to see whether the fragment asked for one, then put back.
        asked_before = request.META.get("CSRF_COOKIE_NEEDS_UPDATE", False)
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        try:
            html = render()
            asked = request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        finally:
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = asked_before or request.META.get(
                "CSRF_COOKIE_NEEDS_UPDATE", False
            )
        if asked:
            raise _NotKept(html)
        return html

    # The address asked for: links and absolute URLs are written for the requested site.
    where = (request.scheme, request.get_host()) if request is not None else None
    full_key = ("html", translation.get_language(), where, *(_key_part(part) for part in key))
    try:
        return shared(full_key, compute)
    except _NotKept as not_kept:
        return not_kept.html
