"""The last units of a variant, wanted by fifty buyers at once, are never oversold.

Real threads with their own PostgreSQL connections, released together, each placing a shop
order the way the checkout does; the variant's quota row is the lock they queue on.
"""

import pytest
from django.db import connection

from orders import services
from orders.models import Order
from orders.services import OrderError, Selection
from tests.orders.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def last_five(request):
    from tests.conftest import service_missing

    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL (DATABASE_URL) for row locking")
    request.getfixturevalue("committed_demo_site")  # the demo as seeded, committed
    from shop.models import ProductVariant

    variant = ProductVariant.objects.get(sku="CAF-PER-1KG")
    variant.stock = 5
    variant.save()
    return variant


def test_fifty_buyers_for_the_last_five_units(last_five, settings):
    # Fifty buyers queue on one row: give the lock long enough for all of them to pass.
    settings.CAPACITY_LOCK_TIMEOUT_SECONDS = 30

    def buyer(n):
        return lambda: services.place_order(
            kind="shop",
            buyer_name=f"Personne {n}",
            buyer_email=f"acheteur{n}@example.org",
            language="fr" if n % 3 else "en",
            selections=[Selection(item=last_five, quantity=1)],
        )

    outcomes = run_together(*[buyer(n) for n in range(50)])
    errors = [value for kind, value in outcomes if kind == "error"]
    assert all(isinstance(error, OrderError) for error in errors), errors
    placed = [value for kind, value in outcomes if kind == "ok"]
    assert len(placed) == 5
    assert len(errors) == 45
    assert last_five.left() == 0
    assert Order.objects.filter(buyer_email__startswith="acheteur").count() == 5
    # A cancelled order gives its unit back to the next buyer.
    services.cancel_order(placed[0], reason="test", notify=False)
    assert last_five.left() == 1
