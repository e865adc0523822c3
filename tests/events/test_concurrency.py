"""The last places of a date, wanted by many people at once, are never oversold.

Real threads with their own PostgreSQL connections, released together; two ticket types
share the date's places, so the lock must be the date's row, not the ticket type's.
"""

import pytest
from django.db import connection

from events import services
from events.models import EventPage
from orders.models import Order
from orders.services import OrderError
from tests.orders.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workshop(request):
    from tests.conftest import service_missing

    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL (DATABASE_URL) for row locking")
    request.getfixturevalue("committed_demo_site")  # the demo as seeded, committed
    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    date = page.upcoming_dates[0]
    date.capacity = 5
    date.save()
    return page, date


def test_twenty_five_buyers_for_the_last_five_places(workshop):
    page, date = workshop
    regular, student = page.ticket_types.filter(name__in=["Régulier", "Étudiant·e"]).order_by("pk")

    def buyer(n):
        ticket = regular if n % 2 else student
        return lambda: services.register(
            page,
            date_id=date.pk,
            tickets=[(ticket, 1, None)],
            buyer_name=f"Personne {n}",
            buyer_email=f"personne{n}@example.org",
            language="fr" if n % 3 else "en",
        )

    outcomes = run_together(*[buyer(n) for n in range(25)])
    errors = [value for kind, value in outcomes if kind == "error"]
    assert all(isinstance(error, OrderError) for error in errors), errors
    placed = [value for kind, value in outcomes if kind == "ok"]
    assert len(placed) == 5
    assert len(errors) == 20
    assert date.usage().taken == 5
    assert date.seats_left() == 0
    assert Order.objects.filter(buyer_email__startswith="personne").count() == 5
