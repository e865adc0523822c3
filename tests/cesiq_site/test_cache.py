"""The Redis cache answers a miss when Redis is down, quickly, logs the outage once, and comes
back by itself."""

import logging
import time

import pytest
import redis

from cesiq_site.cache import CacheUnavailable, ResilientRedisCache
from tests import faults

redis_server = faults.redis_server  # a fixture shared by the fault tests


def make_cache(location, down_seconds=0.3):
    return ResilientRedisCache(
        location, {"KEY_PREFIX": "test", "OPTIONS": {"DOWN_SECONDS": down_seconds}}
    )


@pytest.fixture
def redis_calls(monkeypatch):
    """How many commands reach redis-py (a skipped call never gets there)."""
    calls = []
    original = redis.Redis.execute_command

    def counting(self, *args, **kwargs):
        calls.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "execute_command", counting)
    return calls


def test_a_dead_redis_is_a_cache_miss(redis_calls, caplog):
    cache = make_cache(f"redis://127.0.0.1:{faults.free_port()}/1", down_seconds=60)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="cesiq_site.cache"):
        assert cache.get("site-root-paths") is None
        assert cache.get("site-root-paths", "computed") == "computed"
        assert cache.get_or_set("menu", lambda: ["Activités"]) == ["Activités"]
        cache.set("menu", ["Activités"])
        assert cache.add("lock", 1) is False
        assert cache.get_many(["a", "b"]) == {}
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert cache.has_key("a") is False
        assert cache.delete("a") is False
        cache.delete_many(["a", "b"])
        with pytest.raises(ValueError):
            cache.incr("hits")
        for _ in range(100):
            cache.get("site-root-paths")
    assert time.monotonic() - started < 1
    # One attempt reached Redis; the others were skipped for DOWN_SECONDS; one log line.
    assert len(redis_calls) == 1
    [logged] = caplog.records
    assert logged.getMessage().startswith("cache: Redis unreachable (ConnectionError: ")
    with pytest.raises(redis.ConnectionError):
        cache.check()  # the health check asks Redis itself


def test_the_cache_comes_back_with_redis(redis_server, caplog):
    redis_server.start()
    cache = make_cache(redis_server.url(1), down_seconds=0.3)
    cache.set("greeting", "bonjour")
    assert cache.get("greeting") == "bonjour"
    cache.check()

    redis_server.stop()
    assert cache.get("greeting") is None
    with pytest.raises((redis.ConnectionError, CacheUnavailable)):
        cache.check()

    redis_server.start()  # empty: Redis keeps nothing on disk here
    time.sleep(0.35)
    with caplog.at_level(logging.WARNING, logger="cesiq_site.cache"):
        cache.set("greeting", "rebonjour")
    assert cache.get("greeting") == "rebonjour"
    assert "cache: Redis is back" in caplog.text
    cache.check()


def test_full_redis_drops_stored_pages_never_the_tasks_waiting(redis_server):
    """docker-compose.yml's Redis, at its memory limit: the policy it is given drops keys that
    expire (stored pages, `cesiq_site/pagecache.py`), never the broker's queue nor the page
    cache's generation, which have no expiry; storing a page never fails."""
    import yaml

    from tests.deploy.build_context import ROOT

    command = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["redis"][
        "command"
    ]
    assert "--maxmemory" in command
    policy = command[command.index("--maxmemory-policy") + 1]
    redis_server.start()
    server = redis.Redis.from_url(redis_server.url())
    server.config_set("maxmemory-policy", policy)
    server.config_set("maxmemory", "3mb")
    tasks = [b'{"task": "orders.send_outbox_email", "n": %d}' % n for n in range(2000)]
    server.lpush("celery", *tasks)  # kombu's queue: a list, no expiry
    cache = make_cache(redis_server.url(1))
    cache.set("pagecache:generation", "g1", None)
    for n in range(300):  # 9 MB of pages, three times the limit
        cache.set(f"pagecache:page:/activites/?page={n}", {"content": b"x" * 30_000}, 300)
    assert server.llen("celery") == 2000
    assert server.lrange("celery", 0, -1) == tasks[::-1]
    assert cache.get("pagecache:generation") == "g1"
    assert cache.get("pagecache:page:/activites/?page=299") is not None  # the newest kept
    kept = sum(cache.has_key(f"pagecache:page:/activites/?page={n}") for n in range(300))
    assert 0 < kept < 300
