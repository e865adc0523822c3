"""A Redis cache that never takes the site down.

Django's `RedisCache` raises as soon as Redis is unreachable, and Wagtail keeps each site's
root paths in the default cache, so a stopped Redis turned every page, free registration and
Stripe webhook into a 500. `ResilientRedisCache` is the same backend with three changes:

- every Redis error is logged and answered as a cache miss (`get` returns the default,
  `set` does nothing, `add` answers False…): the site computes what it needs from the
  database instead;
- a dead Redis costs milliseconds: short socket timeouts and a single immediate retry (the
  retry only heals a pooled connection that a Redis restart broke);
- after a failure the cache is skipped for a few seconds (`DOWN_SECONDS`, per process), so a
  page that reads the cache twenty times does not wait twenty times, and the log gets one
  line per outage rather than one per call.

We chose this over django-redis's `IGNORE_EXCEPTIONS`: it keeps Django's own backend (no new
dependency) and adds the pause after a failure, which django-redis does not have.
`/healthz` calls `check()`, which talks to Redis even while the cache is skipped.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

# Shared by the threads of a process: Django gives each thread its own cache object.
_down_until = {}
_lock = threading.Lock()


class CacheUnavailable(Exception):
    """Raised inside the client when the cache is being skipped after a failure."""


class ResilientRedisCacheClient(RedisCacheClient):
    def __init__(self, servers, *, down_seconds, **options):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        options.setdefault("socket_connect_timeout", 0.25)
        options.setdefault("socket_timeout", 0.5)
        options.setdefault("retry", Retry(NoBackoff(), 1))
        super().__init__(servers, **options)
        self._errors = (redis.RedisError, OSError, CacheUnavailable)
        self._key = ",".join(servers)
        self._down_seconds = down_seconds

    def get_client(self, key=None, *, write=False):
        """Django builds a new `redis.Redis` around the pool for every operation, and each
        copies redis-py's table of ~170 response callbacks (≈ 0.2–0.4 ms; a page makes a
        few): one client per pool, which redis-py allows to share between threads."""
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None or client.connection_pool is not pool:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def _guard(self, operation, fallback, *args):
        if _down_until.get(self._key, 0) > time.monotonic():
            return fallback
        try:
            value = operation(*args)
        except self._errors as exc:
            self._mark_down(exc)
            return fallback
        if self._key in _down_until:
            with _lock:
                if _down_until.pop(self._key, None) is not None:
                    logger.warning("cache: Redis is back (%s)", self._key)
        return value

    def _mark_down(self, exc):
        with _lock:
            first = self._key not in _down_until
            _down_until[self._key] = time.monotonic() + self._down_seconds
        if first:
            logger.warning(
                "cache: Redis unreachable (%s: %s); serving without the cache and trying "
                "again every %s s",
                exc.__class__.__name__,
                exc,
                self._down_seconds,
            )

    def check(self, key):
        """Write and read a key, ignoring the pause: raise if Redis does not answer."""
        super().set(key, b"ok", 10)
        if super().get(key, None) != b"ok":
            raise CacheUnavailable("the value written was not read back")

    # Each operation answers what a cache miss would answer.
    def add(self, key, value, timeout):
        return self._guard(super().add, False, key, value, timeout)

    def get(self, key, default):
        return self._guard(super().get, default, key, default)

    def set(self, key, value, timeout):
        self._guard(super().set, None, key, value, timeout)

    def touch(self, key, timeout):
        return self._guard(super().touch, False, key, timeout)

    def delete(self, key):
        return self._guard(super().delete, False, key)

    def get_many(self, keys):
        return self._guard(super().get_many, {}, keys)

    def has_key(self, key):
        return self._guard(super().has_key, False, key)

    def incr(self, key, delta):
        missing = object()
        value = self._guard(super().incr, missing, key, delta)
        if value is missing:  # what a missing key raises, so callers handle one case
            raise ValueError(f"Key '{key}' not found (cache unavailable).")
        return value

    def set_many(self, data, timeout):
        failed = list(data)
        return [] if self._guard(super().set_many, failed, data, timeout) is None else failed

    def delete_many(self, keys):
        self._guard(super().delete_many, None, keys)

    def clear(self):
        return self._guard(super().clear, False)


class ResilientRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` that degrades instead of raising.

    OPTIONS are those of RedisCache (passed to redis-py's connection pool), plus
    `DOWN_SECONDS` (default 5): how long the cache is skipped after a failure.
    """

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        down_seconds = float(options.pop("DOWN_SECONDS", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self._options = {**self._options, "down_seconds": down_seconds}
        self._class = ResilientRedisCacheClient

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        """Like RedisCache.set_many, but returns the keys not stored when Redis is down."""
        if not data:
            return []
        keys = {self.make_and_validate_key(key, version=version): key for key in data}
        failed = self._cache.set_many(
            {made: data[original] for made, original in keys.items()},
            self.get_backend_timeout(timeout),
        )
        return [keys[made] for made in failed]

    def check(self):
        """Raise unless Redis answers now (used by /healthz, which must not trust the pause)."""
        self._cache.check(self.make_and_validate_key("healthz"))
