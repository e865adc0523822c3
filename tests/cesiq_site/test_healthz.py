import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_part(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["cache"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"] == {"ok": False, "error": "OperationalError"}


def test_healthz_stays_200_but_degraded_when_the_broker_is_down(client, settings):
    from cesiq_site.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] is False


def test_strict_healthz_is_503_when_any_part_is_down(client, settings):
    """For monitoring that reads only the status code: Redis down pages someone."""
    from cesiq_site.celery import app

    assert client.get("/healthz", {"strict": "1"}).status_code == 200
    settings.CELERY_TASK_ALWAYS_EAGER = False
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz", {"strict": "1"})
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"


def test_healthz_counts_the_emails_waiting(client):
    from orders.outbox import queue_email

    queue_email(
        key="test:healthz",
        to="awa@example.org",
        language="fr",
        template="order_expired",
        context={"order": None},
        subject=lambda: "Essai",
    )
    outbox = client.get("/healthz").json()["outbox"]
    assert outbox["pending"] >= 1
    assert outbox["oldest_pending_seconds"] >= 0
