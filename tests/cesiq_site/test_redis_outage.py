"""A Redis outage (cache and broker) does not take the site down.

With the project's Redis cache configuration pointed at a Redis server of the test's own, the
test stops Redis and checks what a visitor, a buyer and Stripe see: pages render, a free
registration is confirmed, a signed webhook is applied, each quickly; `/healthz` says the cache
and the broker are down (200 "degraded", 503 with `?strict=1`). The confirmations wait, not
yet written, on their paid orders. Redis comes back, a real worker starts, beat's sweep runs: the
confirmations are written and sent.
"""

import time

import pytest

from events.models import EventPage
from orders.models import Order, OrderState, OutboxEmail
from orders.tasks import sweep_outbox as sweep
from tests import faults
from tests.conftest import post_webhook
from tests.events.conftest import registration_data
from tests.faults import require_postgresql, start_worker, stop_worker, wait_for, worker_env
from tests.orders.test_payments import press

# Fixtures shared by the fault tests.
redis_server = faults.redis_server
celery_on = faults.celery_on

# A dead Redis must cost milliseconds, not the seconds of a connection timeout and retries
# (kombu's retries held every registration for 6 s); generous for a loaded CI machine.
QUICK = 3.0


@pytest.fixture
def seeded(committed_demo_site):
    """The demo site, committed (the worker reads it)."""


@pytest.fixture
def site_on_redis(seeded, settings, redis_server, celery_on, fake_stripe):
    """The demo site with the project's Redis cache configuration and the Celery broker on the
    test's own Redis server."""
    from cesiq_site.settings.base import redis_caches

    redis_server.start()
    settings.CACHES = redis_caches(redis_server.url(1))
    settings.CACHES["default"]["OPTIONS"]["DOWN_SECONDS"] = 0.5
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # As in production: what pages share is kept per content generation, read from Redis.
    settings.RENDER_CACHE = True
    return redis_server


def timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    return response, time.monotonic() - started


def page(slug):
    return EventPage.objects.get(slug=slug, locale__language_code="fr")


def register(client, activity, **quantities):
    data = registration_data(
        activity,
        buyer_email=f"{activity.slug}@example.org",
        **{f"quantity_{activity.ticket_types.get(name=n).pk}": q for n, q in quantities.items()},
    )
    return timed(client.post, activity.url + "inscription/", data)


@pytest.mark.slow
def test_a_redis_outage_keeps_the_site_up_and_the_outbox_catches_up(
    site_on_redis, client, fake_stripe, tmp_path
):
    talk, workshop = page("conference-justice-climatique"), page("atelier-consommation-equitable")
    assert client.get("/").status_code == 200  # the cache is warm
    assert client.get("/healthz").json()["status"] == "ok"

    site_on_redis.stop()

    # Pages render, each quickly.
    for url in ("/", "/en/", "/activites/", "/activites/?vue=mois", talk.url, workshop.url):
        response, took = timed(client.get, url)
        assert response.status_code == 200, url
        assert took < QUICK, f"{url} took {took:.1f} s"

    # A free registration is confirmed; its email waits in the outbox.
    response, took = register(client, talk, **{"Entrée libre": 2})
    free = Order.objects.get(buyer_email="conference-justice-climatique@example.org")
    assert response.status_code == 302 and response["Location"] == free.get_absolute_url()
    assert took < QUICK
    assert free.state == OrderState.PAID
    assert "Votre commande est confirmée" in client.get(free.get_absolute_url()).content.decode()

    # A paid registration goes to Stripe; Stripe's signed webhook is applied.
    response, took = register(client, workshop, **{"Régulier": 1})
    paid = Order.objects.get(buyer_email="atelier-consommation-equitable@example.org")
    assert response.status_code == 302 and took < QUICK
    assert press(paid.payments.get().checkout_url, "pay")[0] == 303
    event = next(
        e for e in reversed(fake_stripe.events) if e["type"] == "checkout.session.completed"
    )
    response, took = timed(post_webhook, client, event)
    assert response.status_code == 200 and took < QUICK
    paid.refresh_from_db()
    assert paid.state == OrderState.PAID

    # Their confirmations could not be queued: each paid order waits for the sweep, unwritten.
    free.refresh_from_db()
    assert free.confirmation_queued_at is None and paid.confirmation_queued_at is None
    waiting = OutboxEmail.objects.filter(order__in=[free, paid], to__endswith="@example.org")
    assert not waiting.exists()

    # The health check says what is down, with a status a load balancer keeps serving on.
    response = client.get("/healthz")
    assert response.status_code == 200
    health = response.json()
    assert health["status"] == "degraded"
    assert health["database"]["ok"] is True
    assert health["cache"] == {
        "ok": False,
        "error": "ConnectionError",
        "backend": "ResilientRedisCache",
    }
    assert health["broker"]["ok"] is False
    assert health["outbox"]["confirmations_to_write"] >= 2
    assert client.get("/healthz", {"strict": "1"}).status_code == 503

    # Redis comes back: the health check says so, and beat's sweep sends what waited.
    site_on_redis.start()
    assert client.get("/healthz").json()["status"] == "ok"
    require_postgresql()  # the worker shares the test database
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    worker = start_worker(worker_env(site_on_redis.url(), CESIQ_TEST_EMAIL_DIR=mail_dir))
    try:
        sweep.delay(0)
        wait_for(
            lambda: (
                waiting.count() == 2
                and not waiting.filter(state=OutboxEmail.State.PENDING).exists()
            ),
            60,
            lambda: "the emails were not sent within 60 s\n" + faults.worker_output(worker),
            interval=0.2,
        )
    finally:
        stop_worker(worker)
    sent = [path.read_text() for path in mail_dir.iterdir()]
    for order in (free, paid):
        assert any(f"To: {order.buyer_email}" in text and order.code in text for text in sent), (
            order.buyer_email
        )
    backlog = client.get("/healthz").json()["outbox"]
    assert backlog["pending"] == 0 and backlog["confirmations_to_write"] == 0
