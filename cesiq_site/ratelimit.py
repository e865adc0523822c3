"""Rate limits per client on what an anonymous visitor can repeat cheaply: registration
POSTs, waiting-list joins, searches, the public forms (contact, newsletter, others).

A form's scope counts the forms it accepts (an order placed, a message sent): a person
correcting mistakes is not stopped by their own mistakes. Every POST of a public form, refused
or not, also counts against one wider scope, "posts", which stops a robot flooding the forms.
Views call `check(request, "posts")` first, then `check(request, scope)` once the form is
valid, before acting on it. Every request that carries a discount or member code, accepted or
not, counts against "codes": the answer says whether a code exists, so trying codes is what
that limit stops.

The client is its address: REMOTE_ADDR, or when `CLIENT_IP_HEADER` is set (the site is behind
a proxy that writes it, such as X-Forwarded-For), the address that proxy saw, counted
`TRUSTED_PROXY_COUNT` entries from the right so that a client cannot choose its own address
by sending the header itself. IPv6 clients are counted by their /64, which one home or phone
usually has to itself. Only a keyed hash of the address is used as a counter name.

Counting is a fixed window per scope. The shared count lives in the cache (Redis in
production), so every web process sees it. Each process also counts for itself, and the
larger of the two decides: when the cache is unreachable (Redis down) the limit falls back to
the per-process count instead of failing open, at the price of being N times looser with N
processes for the length of the outage. A database counter would survive that too, but would
add a write to every search exactly when the site is under load.
"""

import ipaddress
import logging
import secrets
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.template.response import TemplateResponse
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

# scope: (requests allowed, per this many seconds)
DEFAULT_LIMITS = {
    # Every POST of the public forms below, refused or not.
    "posts": (50, 600),
    # Every request carrying a discount or member code (registration, shop checkout).
    "codes": (20, 600),
    # The forms each accepts.
    "register": (10, 600),
    "checkout": (10, 600),  # the shop's orders
    "waiting_list": (10, 600),
    "search": (60, 60),
    # Public forms (cesiq_site/antispam.py): contact, newsletter sign-up, other forms.
    "contact": (5, 600),
    "newsletter": (5, 600),
    "form": (10, 600),
    # Gifts and member codes (donations/, memberships/).
    "donate": (10, 600),
    "member_code": (10, 600),
}

_local = {}
_local_lock = threading.Lock()
# Part of every key, renewed by reset(): counts left in a shared cache by an earlier test run
# (or before a reset) are never read again.
_generation = [secrets.token_hex(4)]
LOCAL_MAX_KEYS = 50_000


@dataclass(frozen=True)
class Limited:
    scope: str
    retry_after: int  # seconds until the window ends


def limits():
    return {**DEFAULT_LIMITS, **getattr(settings, "RATE_LIMITS", {})}


def client_address(request):
    """The client's address as this site can trust it (see the module's docstring)."""
    address = request.META.get("REMOTE_ADDR", "")
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        value = request.headers.get(header, "")
        hops = [part.strip() for part in value.split(",") if part.strip()]
        count = max(int(getattr(settings, "TRUSTED_PROXY_COUNT", 1)), 1)
        if len(hops) >= count:
            address = hops[-count]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_key(request):
    """A short keyed hash of the client's address: what orders and counters store."""
    return salted_hmac("cesiq.client", client_address(request), algorithm="sha256").hexdigest()[:32]


def _shared_count(key, period):
    """Count one hit in the shared cache; None when the cache cannot count."""
    cache = caches[getattr(settings, "RATE_LIMIT_CACHE", "default")]
    try:
        if cache.add(key, 1, timeout=period + 1):
            return 1
        count = cache.incr(key)
    except Exception as exc:  # Redis down, timeouts, a key evicted in between
        logger.warning("rate limit: shared count unavailable (%s), counting per process", exc)
        return None
    return count if isinstance(count, int) else None


def _local_count(key, window):
    with _local_lock:
        if len(_local) > LOCAL_MAX_KEYS:
            for old in [k for k, (w, _n) in _local.items() if w < window]:
                del _local[old]
            if len(_local) > LOCAL_MAX_KEYS:
                _local.clear()
        seen_window, count = _local.get(key, (window, 0))
        count = count + 1 if seen_window == window else 1
        _local[key] = (window, count)
        return count


def hit(request, scope, now=None):
    """Count this request against `scope`; return Limited when it is over the limit."""
    allowed, period = limits()[scope]
    now = time.time() if now is None else now
    window = int(now // period)
    key = f"ratelimit:{_generation[0]}:{scope}:{client_key(request)}:{window}"
    counts = [_local_count(key, window), _shared_count(key, period)]
    count = max(c for c in counts if c is not None)
    if count <= allowed:
        return None
    return Limited(scope=scope, retry_after=max(int((window + 1) * period - now), 1))


def check(request, scope):
    """Count this request against `scope`: the 429 answer when it is over the limit, else None."""
    limited = hit(request, scope)
    return None if limited is None else too_many(request, limited)


def too_many(request, limited):
    """The answer to a client over its limit: 429, what happened and when to try again."""
    minutes = max((limited.retry_after + 59) // 60, 1)
    # Registering several people one by one: the answer says one registration takes them all.
    forms = ("/inscription", "/register", "/liste-attente", "/waiting-list")
    path = request.path.rstrip("/")
    registering = limited.scope in ("register", "waiting_list") or path.endswith(forms)
    response = TemplateResponse(
        request,
        "429.html",
        {"retry_minutes": minutes, "scope": limited.scope, "group_hint": registering},
        status=429,
    )
    response["Retry-After"] = str(limited.retry_after)
    return response


def reset(*, local_only=False):
    """Forget the counts (tests). `local_only`: forget this process's counts only, as another
    process would not know them; otherwise the shared keys are left behind, never read again."""
    with _local_lock:
        _local.clear()
        if not local_only:
            _generation[0] = secrets.token_hex(4)
