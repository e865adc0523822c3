"""Places billed by invoice count like paid ones: schools paying by invoice and buyers paying
by card, all at once for the last places, never oversell them, and the invoices they get are
numbered without a gap or a repeat.

Real threads with their own PostgreSQL connections, released together.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from events import services
from events.models import EventPage
from orders.models import Order, OrderState
from orders.services import OrderError
from schools.models import Invoice
from tests.orders.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workshop(request):
    from tests.conftest import service_missing

    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL (DATABASE_URL) for row locking")
    request.getfixturevalue("committed_demo_site")  # the demo as seeded, committed
    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    page.allow_invoice = True
    page.save_revision().publish()
    page.refresh_from_db()
    date = page.upcoming_dates[0]
    date.capacity = 8
    date.save()
    return page, date


def test_schools_by_invoice_and_buyers_by_card_never_oversell(workshop):
    page, date = workshop
    regular = page.ticket_types.get(name="Régulier")

    def buyer(n):
        invoice = (
            {
                "school": f"École {n}",
                "school_board": "CSS de la Capitale",
                "email": f"secretariat{n}@ecole.example",
                "purchase_order_number": f"BC-{n}",
            }
            if n % 2
            else None
        )
        return lambda: services.register(
            page,
            date_id=date.pk,
            tickets=[(regular, 3, None)],
            buyer_name=f"Personne {n}",
            buyer_email=f"personne{n}@example.org",
            language="fr",
            invoice=invoice,
        )

    outcomes = run_together(*[buyer(n) for n in range(12)])
    errors = [value for kind, value in outcomes if kind == "error"]
    assert all(isinstance(error, OrderError) for error in errors), errors
    placed = [value for kind, value in outcomes if kind == "ok"]
    # 8 places, 3 a group: two orders, never a third.
    assert len(placed) == 2
    assert date.usage().taken == 6
    assert date.seats_left() == 2
    orders = Order.objects.filter(buyer_email__startswith="personne")
    assert orders.count() == 2
    assert all(o.state == OrderState.PENDING for o in orders)
    # Each order billed by invoice has its invoice; their numbers are all different.
    billed = Invoice.objects.filter(order__buyer_email__startswith="personne")
    assert billed.count() == sum(1 for o in placed if Invoice.objects.filter(order=o).exists())
    numbers = list(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))
    # Two hours later a card hold has run out, an invoice's places are still held.
    later = timezone.now() + timedelta(hours=2)
    assert date.seats_left(later) == 8 - 3 * billed.count()
