"""The page cache: public pages served to anonymous visitors from Django's cache.

Which requests. A GET from a visitor with no session and no messages cookie: no cart, no
flash message, no login can be in play, so the page is the same for every such visitor. Any
session cookie (a cart, a message, a logged-in editor) bypasses the cache both ways: such a
visitor is never served a stored page, and what they see is never stored.

Which responses are stored. Only pages Wagtail serves (home, standard pages, the activity
list and month view with any query string, activities, the shop's catalogue and products,
their routable sub-pages), answered 200, without a cookie set (but the CSRF cookie), not
marked private or no-cache.

Forms: the visitor's own token. A page with a form that carries a CSRF token (an activity's
registration form) is stored with every token of the visitor's CSRF secret replaced by a
placeholder (found by unmasking, wherever it is in the page), and each visitor it is served to
gets a token of their own, made at that moment: of their cookie's secret, or of a new one
sent with its cookie, as Django's CSRF middleware does for a rendered form. Such a page is sent
`private, no-store`: a shared cache (a CDN) cannot fill it in. (A registration form opened
from a waiting-list offer or with a code says `private` and is never stored: events/views.py.)
Forms with the time trap
(cesiq_site/antispam.py) carry the stamp of when the page was rendered, as before: older,
never younger, so a person is never "too fast". The product page's "add to cart" form carries
no token at all, so that product pages are public; `shop.views.cart_add` checks the request's
origin instead.

Exact invalidation by generation. Every entry records the "content generation" it was
rendered under; a hit is served only if that is still the current one. The generation is a
random token in the cache, replaced (after commit) whenever something a public page shows may
have changed: a page published, unpublished, moved or deleted (translations are pages),
a theme, venue or producer published or unpublished,
any save or delete of content models (home, events, shop: venues, themes, producers, site
settings; images and documents), and any change to what counts as sold or held that a page
may show: anything that may give places back (an order cancelled, expired or refunded, a hold
shortened, a quota's size) always; a sale (an order placed or paid, a hold made longer, places
offered to a waiting list) only once few enough places are left that pages say how many, and
for an order placed only when what they say changes (`places_taken_on_commit`). See
`cesiq_site/apps.py` for the signals. One global generation
rather than per-page keys: a sale changes the list, the month view, the activity page, the
home page's "next activities" and the structured data at once, and publishing changes menus
on every page; exactness matters more than keeping other pages warm.

The generation has two parts, each a token of its own: the content (`bump`) and the places
(`bump_places`: a sale once few are left, anything that may give places back). A stored page
is served only while both are the ones it was rendered under. The render cache
(cesiq_site/render_cache.py: routes, menus, kept fragments, listings) keys on the content
part alone: nothing it keeps says how many places are left (pages count them for every
request they render, as time alone changes them), so a sale renders the pages again without
making every process read and render everything else again.

Time. A hold that runs out frees its places without any write (`orders.availability`), so no
signal can announce it. Each entry therefore lives at most until the earliest expiry of a hold
that runs now (pending orders, waiting-list offers; `orders.availability.next_expiry`), and
never more than PAGE_CACHE_SECONDS (default 300 s), which bounds other changes that only time
makes (a date starting, a sale closing). We chose that over recomputing per page which holds it
shows: one indexed query per stored page, and always exact.

Headers. A stored (or storable) page is sent with `Cache-Control: public, max-age=0,
s-maxage=<its remaining lifetime, at most PAGE_CACHE_SHARED_SECONDS>`: a shared cache (a CDN)
may keep it about as long as we would (sales do not purge it, so the cap bounds how late it
shows one; publishing does, through Wagtail's frontend cache when configured), a browser
revalidates (a buyer coming back after a purchase sees the new count). Every other
HTML response gets `private, no-store` unless its view said otherwise. Entries keep the
response's headers, the Content-Security-Policy included: its nonce matches the stored HTML,
so the page's one inline script still runs; a nonce in a public page protects nothing that a
fresh render would.

One render for many visitors. When a page is not in the cache (its first visitor, or the
first after a change), the visitors asking for it at the same moment do not all render it: the
first takes a short lock in the cache (`fill_key`: the page's key and the generation) and
renders; the others wait for its entry (polling every FILL_POLL_SECONDS) and are served it,
as a hit made for them (their own CSRF token), if it is of their generation and still within
its lifetime (never an older render). They render it themselves if the lock goes without such
an entry (what it rendered was not to be kept: an error, a private page) or after
FILL_WAIT_SECONDS (it died, or renders slowly). A page found not to be kept takes no lock for
NEVER_STORED_SECONDS (receipts, tickets: never waited for). Registrations opening or a place
changing hands near the end bring tens of visitors to the same two pages at once: each of
those waves cost as many renders. (As with a hit, a visitor arriving in the instant between a
sale's commit and its bump of the generation may be served a render begun before the sale.)

The address. Campaign tags (`utm_source`, `fbclid`…) are taken off the request before
anything reads it: a link from a newsletter is served the page everyone gets, and no page
repeats the tag in its links. The other parameters make the key in order of name (`?b=2&a=1`
is `?a=1&b=2`). A page is stored only if its view asked for each parameter of its address by
name (`request.GET.get`, `getlist`, `[]`, `in`: the filter forms do), and read it as written:
made-up parameters (`?x=1`, `?x=2`…) and values a list reads as something else (`?page=2x`
read as page 1, a filter that is not one: `stored_only_as`, `not_to_store`) are rendered for
whoever asks and never stored, so that they cannot fill the cache with copies of a page.
What is stored expires (PAGE_CACHE_SECONDS at most), and Redis is run with
`maxmemory-policy volatile-lru` (docker-compose.yml): under memory pressure it drops keys that
expire, never the broker's queues, which have no expiry. (Real values stay many: each month
of the month view, each date range. The memory limit bounds them.)

A cache that is down (Redis stopped) is a miss: pages are rendered as if there were no cache.
"""

import logging
import re
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.middleware import csrf
from django.utils import timezone
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"  # content: pages, snippets, settings, images…
PLACES_KEY = "pagecache:places"  # what pages say about places and stock left
STORED_VIEW = "wagtail_serve"
MAX_KEY_PATH = 1000  # longer URLs (made-up query strings) are rendered, not stored
FILL_LOCK_SECONDS = 10  # a render that takes longer (or died) lets another one start
FILL_WAIT_SECONDS = 2.0  # how long a visitor waits for another's render, at most
FILL_POLL_SECONDS = 0.02
NEVER_STORED_SECONDS = 300  # a page not to keep takes no render lock for this long
_pause = time.sleep  # tests replace these two to play the other render's part
_clock = time.monotonic
# Campaign and click tags that analytics tools add to links; no page reads them.
TRACKING_PARAMETER = re.compile(
    r"utm_\w+|fbclid|gclid|gbraid|wbraid|dclid|msclkid|yclid|igshid|mc_cid|mc_eid|_ga|_gl",
    re.IGNORECASE,
)
CSRF_TOKEN = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{%d}(?![A-Za-z0-9])" % csrf.CSRF_TOKEN_LENGTH)


def max_seconds():
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 300))


def enabled():
    return max_seconds() > 0


def bump():
    """A public page may show other content from now: stored pages stop being served, and
    what the render cache kept is dropped (cesiq_site/render_cache.py)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def bump_places():
    """What a public page says about places or stock left may have changed: stored pages stop
    being served. The render cache keeps what it holds: none of it shows places left, which
    pages count for each request they render (time alone changes them: a hold runs out)."""
    cache.set(PLACES_KEY, uuid.uuid4().hex, None)


class _AtCommit:
    """What one transaction asked to run after its commit; knows once it has run."""

    def __init__(self):
        self.done = False

    def __call__(self):
        self.done = True
        self.run()


class _BumpAtCommit(_AtCommit):
    def run(self):
        bump()


class _PlacesBumpAtCommit(_AtCommit):
    def run(self):
        bump_places()


class _PlacesAtCommit(_AtCommit):
    """Places or units one transaction took: bump only if few enough are left to be shown."""

    def __init__(self):
        super().__init__()
        self.orders, self.quotas, self.held, self.moved = set(), set(), {}, {}
        self.counted_at = None

    def add(self, orders, quotas, held, moved, counted_at=None):
        self.orders.update(orders)
        self.quotas.update(quotas)
        for order, until in held.items():
            self.held[order] = min(until, self.held.get(order, until))
        for quota, (size, before, after) in moved.items():
            # Two orders in one transaction, one after the other under the same lock: from
            # what was left before the first to what is left after the last.
            first = self.moved.get(quota)
            self.moved[quota] = (size, first[1] if first else before, after)
        if counted_at is not None:
            self.counted_at = min(counted_at, self.counted_at or counted_at)

    def run(self):
        # An order paid (or held longer) took places only if its hold had run out by now.
        now = timezone.now()
        orders = self.orders | {order for order, until in self.held.items() if until <= now}
        if not orders and not self.quotas and not self.moved:
            return
        try:
            shown = (bool(orders or self.quotas) and places_shown(orders, self.quotas)) or (
                bool(self.moved) and shown_text_changed(self.moved, self.counted_at, now)
            )
        except Exception:  # the database gone after the commit: be exact rather than fast
            logger.exception("page cache: could not count the places left; bumping")
            shown = True
        if shown:
            bump_places()


def _asked(kind):
    """The callback of this kind the current transaction already asked for, if it still
    covers a change made now: only if every savepoint it was asked in is still open (undoing
    any of them would undo this change too). Asked in a savepoint since released or rolled
    back, it does not count: this change asks again."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        open_savepoints = set(connection.savepoint_ids)
        for savepoints, callback, _robust in connection.run_on_commit:
            if isinstance(callback, kind) and not callback.done and savepoints <= open_savepoints:
                return callback
    return None


def bump_on_commit(**kwargs):
    """Signal receiver: bump once the change is committed (a page rendered meanwhile from the
    old data keeps the old generation, so it is never served after the bump).

    Once per transaction: a payment saves its order, then its lines, and each save asks; one
    bump at the commit says it all (a call to the cache spared for each)."""
    if _asked(_BumpAtCommit) is None:
        transaction.on_commit(_BumpAtCommit(), robust=True)


def _bump_asked():
    """This transaction already asked for a bump (content or places) at its commit."""
    return _asked(_BumpAtCommit) is not None or _asked(_PlacesBumpAtCommit) is not None


def places_given_back_on_commit(**kwargs):
    """Places or units may have been given back (an order cancelled, expired or refunded, a
    hold shortened, a quota's size changed): once the change is committed, stored pages stop
    being served (once per transaction; not at all if it bumps the content anyway)."""
    if not _bump_asked():
        transaction.on_commit(_PlacesBumpAtCommit(), robust=True)


def places_taken_on_commit(orders=(), quotas=(), held=None, moved=None, counted_at=None):
    """Places or units were taken and none given back (an order placed, an order paid or its
    hold made longer, places offered to a waiting list): the places left went down or stayed.
    `held` maps orders to when their hold ran until: paid or held longer while held, they
    took nothing; they count as taking only if that time has passed at the commit.

    Public pages say nothing about the places left while many are (no badge, schema.org
    "InStock"); they say how many only from `shown_below` places down ("Plus que 3 places",
    "LimitedAvailability", "Complet", "Épuisé"). So after the commit the generation is bumped
    only if one of the quotas touched is now at or below that line. That is exact: a page
    stored while many were left said nothing that a sale leaving many changes, and a hold that
    runs out later only gives places back (still many) or was already running when the page
    was stored (the page's lifetime ends when it runs out, see `_lifetime`). Anything that may
    give places back (a cancellation, an expiry, a refund, a shorter hold) bumps always.
    During a sale, the activity page, the list and the home page stay cached until few places
    are left, instead of being rendered again for every buyer.

    `moved` ({quota id: (size, left before, left after)}, an order placed: counted under the
    quotas' locks at `counted_at`, so each sale's "before" is exactly the one before's "after",
    holds running out since excepted, which bump) is more
    exact still: the generation is bumped only if what pages say about those places changed
    (`shown_text`), so that a sale of the last fifth of the places no longer renders every
    page again for each buyer, only when "LimitedAvailability", "Plus que 5 places"… or
    "Complet" appears or changes. Pages stored under the current generation said what
    was shown when it began (each change of the text since bumped it), and places only went
    down since (anything giving some back bumps, a hold running out ends the page's life)."""
    if not enabled() or _bump_asked():
        return  # no page cache, or this transaction bumps anyway
    check = _asked(_PlacesAtCommit)
    if check is None:
        check = _PlacesAtCommit()
        check.add(orders, quotas, held or {}, moved or {}, counted_at)
        # Outside a transaction this runs now, hence the ids first.
        transaction.on_commit(check, robust=True)
    else:
        check.add(orders, quotas, held or {}, moved or {}, counted_at)


def shown_below(size, low_stock_threshold=0):
    """From how many places left a public page says how many are left: the activity page's
    badge (5), schema.org's LimitedAvailability (5, or a fifth of the places), a product's
    low-stock line (its variant's threshold); "Complet" and "Épuisé" from 0."""
    from events.models import LIMITED_PLACES, LIMITED_SHARE

    return max(LIMITED_PLACES, size * LIMITED_SHARE, low_stock_threshold)


def shown_text(left, size, low_stock_threshold=0):
    """What public pages say about `left` places of `size`: nothing while many are left,
    "limited" (schema.org's LimitedAvailability) from a fifth, and the exact number from
    LIMITED_PLACES or a product's low-stock line ("Plus que 3 places", "Complet")."""
    from events.models import LIMITED_PLACES

    left = max(left, 0)
    if left <= max(LIMITED_PLACES, low_stock_threshold):
        return left
    if left <= shown_below(size, low_stock_threshold):
        return "limited"
    return "many"


# For each quota: a product's low-stock line, and whether it shares what a page says with
# another quota (a ticket type's own places on a date: the structured data shows whichever
# of the two has fewer left, so the text of one alone does not say what changed).
QUOTA_SHOWN_SQL = """
SELECT q.id,
    COALESCE((SELECT MAX(v.low_stock_threshold) FROM {variant} v WHERE v.quota_id = q.id), 0),
    EXISTS(SELECT 1 FROM {ticket_quota} t WHERE t.quota_id = q.id)
    OR EXISTS(SELECT 1 FROM {ticket_quota} t JOIN {date} d ON d.id = t.date_id
        WHERE d.quota_id = q.id),
    EXISTS(SELECT 1 FROM {line} l JOIN {link} k ON k.orderline_id = l.id
        JOIN {order} o ON o.id = l.order_id
        WHERE k.quota_id = q.id AND o.state = %s AND o.expires_at > %s AND o.expires_at <= %s)
    OR EXISTS(SELECT 1 FROM {hold} h WHERE h.quota_id = q.id AND h.released_at IS NULL
        AND h.expires_at > %s AND h.expires_at <= %s)
FROM {quota} q WHERE q.id IN ({ids})
"""


def shown_text_changed(moved, counted_at, now=None):
    """Did an order that took places {quota: (size, left before, left after)}, counted at
    `counted_at`, change what a public page says? A quota that shares its text with another
    one: as `places_shown`, whenever few are left after. A hold on the quota that ran out
    between the count and now (a buyer waiting for the lock, the commit) gave places back
    that the count did not see: as any give-back, that bumps."""
    from django.db import connection

    from events.models import EventDate, TicketQuota
    from orders.availability import quota_tables
    from orders.models import OrderState
    from shop.models import ProductVariant

    ids = sorted(moved)
    sql = QUOTA_SHOWN_SQL.format(
        **quota_tables(),
        variant=ProductVariant._meta.db_table,
        ticket_quota=TicketQuota._meta.db_table,
        date=EventDate._meta.db_table,
        ids=", ".join(["%s"] * len(ids)),
    )
    since = connection.ops.adapt_datetimefield_value(counted_at)
    until = connection.ops.adapt_datetimefield_value(now or timezone.now())
    params = [OrderState.PENDING.value, since, until, since, until, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for quota, threshold, shared, ran_out in rows:
        size, before, after = moved[quota]
        if ran_out:
            return True
        if shared:
            if after <= shown_below(size, threshold):
                return True
        elif shown_text(before, size, threshold) != shown_text(after, size, threshold):
            return True
    return False


def places_shown(orders, quotas):
    """Is any quota of these orders' lines, or any of these quotas, now at or below the number
    of places left that public pages show?"""
    from orders.availability import usage
    from orders.models import Quota
    from shop.models import ProductVariant

    ids = set(quotas)
    if orders:
        ids.update(Quota.objects.filter(order_lines__order__in=orders).values_list("pk", flat=True))
    found = usage(ids)
    thresholds = dict(
        ProductVariant.objects.filter(quota_id__in=found).values_list(
            "quota_id", "low_stock_threshold"
        )
    )
    return any(
        used.left <= shown_below(used.size, thresholds.get(quota, 0))
        for quota, used in found.items()
    )


def _current(key):
    value = cache.get(key)
    if value is None:  # never set, or evicted: a new one (whoever adds first wins)
        cache.add(key, uuid.uuid4().hex, None)
        value = cache.get(key)
    return value


def current_generation():
    """The content generation (what the render cache keys on)."""
    return _current(GENERATION_KEY)


def page_generation(content=None, places=None):
    """What a stored page was rendered under: the content generation and the places one.
    Either read already (one round trip for the middleware) or read now. None when the cache
    cannot say (it is down): nothing is then stored nor served, and pages go out private."""
    content = content or current_generation()
    places = places or _current(PLACES_KEY)
    if content is None or places is None:
        return None
    return f"{content}:{places}"


def personal(request):
    """The visitor has a session or a pending message: nothing shared for them."""
    names = [settings.SESSION_COOKIE_NAME, "messages"]
    return any(name in request.COOKIES for name in names)


class AskedQuery(QueryDict):
    """`request.GET` that notes which parameters the view asked for by name."""

    def __init__(self, *args, **kwargs):
        self.asked = set()
        super().__init__(*args, **kwargs)
        self.asked = set()  # building it asked for each one

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self.asked.add(key)
        return super().getlist(key, default)


def _prepare_query(request):
    """Take the campaign tags off the request, and give it a `GET` that notes what the view
    asks for. Read from Django's own `GET` (the raw query string as UTF-8)."""
    query = request.GET
    if any(TRACKING_PARAMETER.fullmatch(name) for name in query):
        query = _sorted(query, keep=lambda name: not TRACKING_PARAMETER.fullmatch(name))
        request.META["QUERY_STRING"] = query.urlencode()
    asked = AskedQuery(mutable=True)
    for name, values in query.lists():
        asked.setlist(name, values)
    asked._mutable = False
    request.GET = asked


def not_to_store(request):
    """The view read a parameter as something else than it says (a filter that is not one):
    the page is rendered for this request and not stored."""
    request.page_cache_not_stored = True


def stored_only_as(request, name, used):
    """The view used `name` as `used` (`?page=2x` read as page 1): stored only if the address
    says just that, or nothing."""
    given = request.GET.get(name)
    if given is not None and given != str(used):
        not_to_store(request)


def _every_parameter_asked(request):
    return not set(request.GET) - getattr(request.GET, "asked", set())


def cache_key(request):
    """The page's address, its parameters in order of name. (Not `build_absolute_uri(path)`:
    it reads a path such as //host/page as another host's address.)"""
    address = f"{request.scheme}://{request.get_host()}{request.path}"
    if request.GET:
        address += "?" + _sorted(request.GET).urlencode()
    return "pagecache:page:" + address


def _sorted(query, keep=lambda name: True):
    ordered = QueryDict(mutable=True)
    for name, values in sorted(query.lists(), key=lambda item: item[0]):
        if keep(name):
            ordered.setlist(name, values)
    return ordered


def fill_key(key, generation):
    """The lock of the one request rendering the page `key` under `generation`."""
    return f"pagecache:filling:{generation}:{key}"


def never_stored_key(key):
    """Set for a while when the page `key` was rendered and not to be kept (a receipt, a
    ticket, an error): its next requests render at once, without the render lock."""
    return f"pagecache:never:{key}"


def _remember_never_stored(key):
    try:
        cache.set(never_stored_key(key), 1, NEVER_STORED_SECONDS)
    except Exception as exc:
        logger.warning("page cache unavailable: %s", exc)


def _release(lock):
    """Let go of a render lock if it is still this request's (a render that outlived
    FILL_LOCK_SECONDS may find another request's lock under the same key)."""
    lock_key, token = lock
    try:
        if cache.get(lock_key) == token:
            cache.delete(lock_key)
    except Exception as exc:
        logger.warning("page cache unavailable: %s", exc)


def _lifetime(now):
    """Seconds a page whose rendering started at `now` may be served: until the earliest
    hold running at that moment expires (one that ran out while the page rendered may have
    been counted), at most PAGE_CACHE_SECONDS."""
    from orders.availability import next_expiry

    seconds = max_seconds()
    expiry = next_expiry(datetime.fromtimestamp(now, tz=UTC))
    if expiry is not None:
        seconds = min(seconds, int(expiry.timestamp() - now))
    return seconds


def storable(request, response):
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return False
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name != STORED_VIEW:
        return False
    if set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
        return False
    cache_control = response.get("Cache-Control", "")
    if any(word in cache_control for word in ("private", "no-cache", "no-store")):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def _private(response):
    if not response.has_header("Cache-Control") and response.get("Content-Type", "").startswith(
        "text/html"
    ):
        patch_cache_control(response, private=True, no_store=True)
    return response


def _theirs_only(response):
    """A page holding a visitor's own values: for them alone, never kept by any cache."""
    response.headers.pop("Cache-Control", None)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _public(response, seconds):
    shared = min(max(int(seconds), 0), int(getattr(settings, "PAGE_CACHE_SHARED_SECONDS", 60)))
    response.headers.pop("Cache-Control", None)
    patch_cache_control(response, public=True, max_age=0, s_maxage=shared)
    return response


class PageCacheMiddleware:
    """Outermost middleware: a hit skips everything else (sessions, CSRF, Wagtail)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.files = tuple(
            prefix
            for prefix in (settings.STATIC_URL, settings.MEDIA_URL)
            if prefix not in ("", "/")
        )

    def __call__(self, request):
        if request.path_info.startswith(self.files):  # WhiteNoise's static files, media
            return self.get_response(request)
        if not enabled() or request.method != "GET" or personal(request):
            return _private(self.get_response(request))
        if len(request.get_full_path()) > MAX_KEY_PATH:
            return _private(self.get_response(request))
        _prepare_query(request)
        key = cache_key(request)
        generation, entry, never_stored = None, None, False
        try:
            found = cache.get_many([GENERATION_KEY, PLACES_KEY, key, never_stored_key(key)])
            entry = found.get(key)
            generation = page_generation(found.get(GENERATION_KEY), found.get(PLACES_KEY))
            never_stored = never_stored_key(key) in found
        except Exception as exc:  # a broken cache is a miss, never an error
            logger.warning("page cache unavailable: %s", exc)
        now = time.time()
        if entry and generation and entry["generation"] == generation and entry["until"] > now:
            return self._hit(entry, now, request)
        lock = None
        if generation is not None and not never_stored:
            lock, served = self._fill_or_wait(key, generation, request)
            if served is not None:
                return served
            now = time.time()  # after any wait: the page's lifetime starts with its render
        try:
            return self._render_and_store(request, key, generation, now, lock)
        finally:
            if lock is not None:
                _release(lock)

    def _fill_or_wait(self, key, generation, request):
        """(lock, None) when this request is to render the page (it holds `lock`, a
        (key, token) to release), (None, response) when another request rendered it meanwhile,
        (None, None) when this one is to render it without a lock (the other one's render was
        not kept, or took too long)."""
        lock_key, token = fill_key(key, generation), uuid.uuid4().hex
        entry = None
        try:
            if cache.add(lock_key, token, FILL_LOCK_SECONDS):
                return (lock_key, token), None
            # Another request renders it: wait for its lock to go (a few bytes a poll: the
            # page's key may still hold an older generation's entry), then read the entry once
            # (stored before the lock goes).
            deadline = _clock() + FILL_WAIT_SECONDS
            while _clock() < deadline:
                _pause(FILL_POLL_SECONDS)
                if not cache.has_key(lock_key):
                    entry = cache.get(key)
                    break
        except Exception as exc:
            logger.warning("page cache unavailable: %s", exc)
        now = time.time()
        if entry and entry["generation"] == generation and entry["until"] > now:
            return None, self._hit(entry, now, request)
        return None, None

    def _render_and_store(self, request, key, generation, now, lock):
        response = self.get_response(request)
        if not _every_parameter_asked(request) or getattr(request, "page_cache_not_stored", False):
            return _private(response)  # made-up parameters or values: this once, nothing kept
        if generation is None or not storable(request, response):
            if lock is not None:
                _remember_never_stored(key)
            return _private(response)
        content, placeholder = response.content, None
        if settings.CSRF_COOKIE_NAME in response.cookies:
            content, placeholder = _without_token(request, response)
            if placeholder is None:
                return _private(response)
        seconds = _lifetime(now)
        if seconds <= 0:
            return _theirs_only(response) if placeholder else _public(response, 0)
        if placeholder:
            _theirs_only(response)
        else:
            _public(response, seconds)
        entry = {
            "generation": generation,
            "until": now + seconds,
            "status": response.status_code,
            "headers": list(response.items()),
            "content": content,
            "token": placeholder,
        }
        try:
            cache.set(key, entry, seconds)
        except Exception as exc:
            logger.warning("page cache unavailable: %s", exc)
        response["X-Page-Cache"] = "miss"
        return response

    def _hit(self, entry, now, request):
        content = entry["content"]
        if entry.get("token"):
            content = content.replace(entry["token"], _token_for(request).encode())
        response = HttpResponse(content, status=entry["status"])
        for name, value in entry["headers"]:
            response[name] = value
        if entry.get("token"):
            # The CSRF cookie, set or renewed as the CSRF middleware does for a rendered form.
            csrf.CsrfViewMiddleware(self.get_response).process_response(request, response)
        else:
            _public(response, entry["until"] - now)
        response["X-Page-Cache"] = "hit"
        return response


def _without_token(request, response):
    """The content of a page that asked for a CSRF token (the CSRF middleware then set its
    cookie), with every token of the visitor's secret replaced by a placeholder of its own
    (random: no text of the page can be it), and that placeholder; (content, None) when the
    page holds no such token. A cookie set for another reason (a malformed one replaced) on a
    page without a form says nothing about the page: it is then not stored at all."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return response.content, None
    placeholder = f"[[csrf-token-{uuid.uuid4().hex}]]".encode()

    def token(match):
        # Django's own unmasking: a random run of letters never unmasks to the secret.
        if csrf._unmask_cipher_token(match.group().decode()) == secret:
            return placeholder
        return match.group()

    content = CSRF_TOKEN.sub(token, response.content)
    return content, placeholder if placeholder in content else None


def _token_for(request):
    """A CSRF token of the visitor's secret: their cookie's, or a new one (its cookie then goes
    with the response), as the CSRF middleware and `{% csrf_token %}` make it."""
    csrf.CsrfViewMiddleware(lambda request: None).process_request(request)
    return csrf.get_token(request)
