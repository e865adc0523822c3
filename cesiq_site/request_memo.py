"""What one request asks the database many times, asked once: a memo that lives for the
request and nowhere else.

A public page asks "which locale is active" a dozen times (the menus, the language links,
Wagtail's routing, every `.localized`), its translations twice (the language links and the
hreflang alternates), its language's home page three times. Each answer is the same for the
whole request, so `memoized(key, compute)` computes it once per request.

Nothing is kept across requests here: what a memo holds cannot outlive an edit made by
another request. (What is also the same from one request to the next, for as long as the page
cache's content generation lasts, is kept per process by `render_cache.py`, underneath some
of these memos.) Within a request, any save or delete of a row, and a page published, unpublished or
moved, empties the memo (the admin saves and renders in the same request). Outside a
request (a Celery task, a management command), there is no memo: every call computes.

`RequestMemoMiddleware` opens the memo; it sits just after the page cache, before anything
that may ask. Two of Wagtail's lookups go through it (see `memoize_wagtail_lookups`):
`Locale.objects.get_for_language` (behind `Locale.get_active()`, `get_default()` and every
`.localized`), the private sections behind every `.public()` queryset and the view
restrictions checked before a page is served.
"""

from contextvars import ContextVar

_memo = ContextVar("cesiq_request_memo", default=None)


class RequestMemoMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)


def in_request():
    return _memo.get() is not None


def memoized(key, compute):
    """compute(), once per request for this key (every time outside a request). An exception
    is not remembered."""
    memo = _memo.get()
    if memo is None:
        return compute()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = compute()
        return value


def forget(**kwargs):
    """Signal receiver: something was written, the memo may be stale."""
    memo = _memo.get()
    if memo:
        memo.clear()


def locale_of(obj):
    """The Locale of a translatable object (a page, a snippet) without reading its row again:
    the one read with it, else from all the locales, read once per request."""
    if "locale" in obj._state.fields_cache or _memo.get() is None:
        return obj.locale
    from wagtail.models import Locale

    for locale in _all_locales(Locale.objects).values():
        if locale.pk == obj.locale_id:
            return locale
    return obj.locale


def language_code(obj):
    """The language code of a translatable object (see `locale_of`)."""
    return locale_of(obj).language_code


def _all_locales(manager):
    """{language code: Locale}, all of them in one query, once per request (there are as many
    as the site's languages)."""
    from .render_cache import shared

    key = ("locales", manager.model)
    # Kept across requests too (render_cache.py): Locale rows are only read.
    return memoized(
        key, lambda: shared(key, lambda: {row.language_code: row for row in manager.all()})
    )


def memoize_wagtail_lookups():
    """Wagtail asks these without any cache; within a request, ask once. The answers are the
    rows Wagtail would have read; a row saved or deleted empties the memo."""
    _memoize_locales()
    _memoize_private_sections()
    _memoize_view_restrictions()


def restricted_pages():
    """The pages that carry a view restriction (private sections), once per request."""
    from wagtail.models import PageViewRestriction

    from .render_cache import shared

    def find():
        return [r.page for r in PageViewRestriction.objects.select_related("page")]

    # Kept across requests too (render_cache.py): only their paths are read.
    return memoized("restricted pages", lambda: shared("restricted pages", find))


def _memoize_view_restrictions():
    """Serving a page reads its ancestors, then the restrictions on them and on itself
    (`Page.get_view_restrictions`, two queries). Within a request, answer from the private
    sections (read once, shared with `.public()`) and the page's ancestors (read once, shared
    with the breadcrumbs): when none of them is restricted, that is no restriction, and no
    query. Otherwise, or when an alias is involved, ask Wagtail."""
    from wagtail.models import Page, PageViewRestriction

    if getattr(Page.get_view_restrictions, "memoized", False):
        return
    uncached = Page.get_view_restrictions

    def get_view_restrictions(self):
        if _memo.get() is None or self.pk is None or self.alias_of_id:
            return uncached(self)
        from cesiq_site.seo import ancestors

        if any(page.alias_of_id for page in ancestors(self)):
            return uncached(self)
        if any(self.path.startswith(page.path) for page in restricted_pages()):
            return uncached(self)
        return PageViewRestriction.objects.none()

    get_view_restrictions.memoized = True
    get_view_restrictions.__doc__ = uncached.__doc__
    Page.get_view_restrictions = get_view_restrictions


def _memoize_private_sections():
    """`PageQuerySet.public()` reads every view restriction each time it is called (three
    times on an article's page): read them once per request."""
    from django.db.models import Q
    from wagtail.query import PageQuerySet

    if getattr(PageQuerySet.private_q, "memoized", False):
        return
    uncached = PageQuerySet.private_q

    def private_q(self):
        if _memo.get() is None:
            return uncached(self)
        q = Q()
        for page in restricted_pages():
            q |= self.descendant_of_q(page, inclusive=True)
        # do not match any page if no private section exists (as Wagtail does).
        return q if q else Q(pk__in=[])

    private_q.memoized = True
    private_q.__doc__ = uncached.__doc__
    PageQuerySet.private_q = private_q


def _memoize_locales():
    """Locales by language code (wagtail.models.i18n): all of them in one query, once."""
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models.i18n import LocaleManager

    if getattr(LocaleManager.get_for_language, "memoized", False):
        return
    uncached = LocaleManager.get_for_language

    def get_for_language(self, language_code):
        if _memo.get() is None:
            return uncached(self, language_code)
        locales = _all_locales(self)
        try:
            return locales[get_supported_content_language_variant(language_code)]
        except KeyError:
            raise self.model.DoesNotExist(f"No locale for {language_code!r}") from None

    get_for_language.memoized = True
    get_for_language.__doc__ = uncached.__doc__
    LocaleManager.get_for_language = get_for_language
