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


@pytest.fixture
def broker_down(settings):
    from cesiq_site.celery import app
    from tests.faults import forget_connections

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    forget_connections(app)
    yield
    forget_connections(app)


def test_healthz_stays_200_but_degraded_when_the_broker_is_down(client, broker_down):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"]["ok"] is False


def test_strict_healthz_is_200_when_everything_answers(client):
    assert client.get("/healthz", {"strict": "1"}).status_code == 200


def test_strict_healthz_is_503_when_any_part_is_down(client, broker_down):
    """For monitoring that reads only the status code: Redis down pages someone."""
    response = client.get("/healthz", {"strict": "1"})
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
