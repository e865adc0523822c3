"""Receipt serial numbers never repeat and never skip, with gifts recorded at the same time
(PostgreSQL row locks; threads released together by a barrier), including a gift whose
transaction rolls back after taking a number."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from donations.models import CharitySettings, Donation, Receipt, ReceiptCounter
from donations.receipts import issue_receipt
from orders.models import Order, OrderLine
from tests.orders.test_concurrency import postgres_only, run_together  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

GIFTS = 12


class RolledBack(Exception):
    pass


def make_donation(n):
    now = timezone.now()
    order = Order.objects.create(
        kind="donation",
        state="paid",
        buyer_name=f"Donateur {n}",
        buyer_email=f"d{n}@example.org",
        language="fr",
        expires_at=now,
        paid_at=now,
        subtotal=Decimal("20.00"),
        total=Decimal("20.00"),
    )
    line = OrderLine.objects.create(
        order=order,
        content_type=ContentType.objects.get_for_model(Donation),
        object_id=1,
        description="Don",
        unit_price=Decimal("20.00"),
        quantity=1,
        tax_category="exempt",
    )
    return Donation.objects.create(
        order_line=line,
        order=order,
        amount=Decimal("20.00"),
        donor_name=f"Donateur {n}",
        donor_email=f"d{n}@example.org",
        street_address="1, rue Principale",
        city="Québec",
        province="QC",
        postal_code="G1R 2B5",
    )


def test_serials_never_repeat_nor_skip_under_concurrency():
    charity = CharitySettings.load()
    charity.registered_charity = True
    charity.registration_number = "123456789 RR0001"
    charity.address = "Québec"
    charity.signer_name = "Claire Tremblay"
    charity.save()
    donations = [make_donation(n) for n in range(GIFTS)]
    counter = ReceiptCounter.objects.filter(name="official").first()
    start = counter.next_number - 1 if counter else 0

    def issue(donation, fail=False):
        def call():
            with transaction.atomic():
                receipt = issue_receipt(donation)
                if fail:
                    raise RolledBack(receipt.serial)
                return receipt.serial

        return call

    outcomes = run_together(
        *(issue(d) for d in donations),
        issue(donations[0], fail=True),
        issue(donations[1], fail=True),
    )
    serials = [value for kind, value in outcomes if kind == "ok"]
    failures = [value for kind, value in outcomes if kind == "error"]
    assert len(failures) == 2 and all(isinstance(f, RolledBack) for f in failures)
    assert len(serials) == GIFTS
    # Unique and gapless: the rolled-back gifts gave their numbers back.
    assert sorted(serials) == list(range(start + 1, start + GIFTS + 1))
    stored = sorted(Receipt.objects.filter(serial__gt=start).values_list("serial", flat=True))
    assert stored == list(range(start + 1, start + GIFTS + 1))


def test_the_same_gift_form_sent_twice_at_once_places_one_order(committed_demo_site):
    """A gift holds no places to lock: the second sending waits on the first's order being
    written (its form's name is unique) and finds it."""
    from donations.models import DonationPage
    from orders.models import OrderKind
    from orders.services import AlreadyPlaced, Selection, place_order

    page = DonationPage.objects.get(slug="faire-un-don")

    def send():
        return place_order(
            kind=OrderKind.DONATION,
            buyer_name="Awa Diallo",
            buyer_email="awa@example.org",
            language="fr",
            selections=[Selection(item=page, quantity=1, requested_price=Decimal("25.00"))],
            submission="b" * 64,
        )

    outcomes = run_together(send, send)
    placed = [value for kind, value in outcomes if kind == "ok"]
    refused = [value for kind, value in outcomes if kind == "error"]
    assert len(placed) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], AlreadyPlaced)
    assert refused[0].order.pk == placed[0].pk
    assert Order.objects.filter(buyer_email="awa@example.org").count() == 1
