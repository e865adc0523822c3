"""Law 25: donors' personal data are purged once past the retention period, but the CRA's
rules come first: a receipted gift keeps its donor's name and address, and its receipt stays
as issued, until the end of the second year after the year of the gift; then they go too.
Amounts, dates and serial numbers stay for the accounting."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from donations.models import Donation, Receipt
from orders import privacy, services
from orders.models import OrderLogEntry
from orders.privacy.base import ANONYMOUS_NAME
from orders.services import Selection

pytestmark = pytest.mark.django_db


def gift(page, amount, email, received):
    """A paid gift, received on `received` (a date in the past)."""
    with transaction.atomic():
        order = services.place_order(
            kind="donation",
            buyer_name="Awa Diallo",
            buyer_email=email,
            language="fr",
            selections=[
                Selection(
                    item=page,
                    quantity=1,
                    requested_price=Decimal(amount),
                    details={
                        "donor_name": "Awa Diallo",
                        "street_address": "12, rue des Érables",
                        "city": "Québec",
                        "province": "QC",
                        "postal_code": "G1R 2B5",
                    },
                )
            ],
        )
        services.confirm(order, message="test")
    when = timezone.make_aware(datetime(received.year, received.month, received.day, 12))
    Donation.objects.filter(order=order).update(received_at=when)
    type(order).objects.filter(pk=order.pk).update(created_at=when, paid_at=when)
    return Donation.objects.get(order=order)


def years_ago(n, month=6):
    return datetime(timezone.localdate().year - n, month, 1)


def test_a_receipted_gift_past_the_cra_years_is_purged_but_its_accounting_stays(page):
    donation = gift(page, "80.00", "ancien@example.org", years_ago(4))
    receipt = donation.receipts.get()
    serial = receipt.serial
    privacy.purge_old_personal_data()
    donation.refresh_from_db()
    receipt.refresh_from_db()
    assert donation.donor_name == ANONYMOUS_NAME
    assert donation.street_address == donation.city == donation.postal_code == ""
    assert "ancien" not in donation.donor_email
    assert donation.amount == Decimal("80.00")
    assert receipt.serial == serial and receipt.data["amount"] == "80.00"
    assert receipt.data["donor_name"] != "Awa Diallo" and receipt.data["donor_address"] == []
    assert OrderLogEntry.objects.filter(order=donation.order, action="personal_data_purged")
    # The order's line kept what the form asked: gone too, the province (no one's) stays.
    details = donation.order_line.details
    assert not {"donor_name", "street_address", "city", "postal_code"} & set(details)
    assert "Awa" not in str(details) and "Érables" not in str(details)


def test_a_receipted_gift_still_under_the_cra_obligation_is_kept_as_issued(page):
    # Past the retention period (24 months), but the CRA asks its receipt be kept until the
    # end of the second year after the gift's.
    donation = gift(page, "50.00", "recent@example.org", years_ago(2, month=1))
    privacy.purge_old_personal_data()
    donation.refresh_from_db()
    receipt = Receipt.objects.get(donation=donation)
    assert donation.donor_name == "Awa Diallo" and donation.city == "Québec"
    assert receipt.data["donor_name"] == "Awa Diallo"
    assert receipt.status == Receipt.Status.ISSUED and receipt.data["donor_address"]
    assert donation.order.buyer_email == "recent@example.org"


def test_a_gift_without_receipt_goes_after_the_retention_period(page, not_a_charity):
    old = gift(page, "20.00", "sansrecu@example.org", years_ago(2, month=1))
    new = gift(page, "20.00", "nouveau@example.org", years_ago(0, month=1))
    assert not old.receipts.exists()
    privacy.purge_old_personal_data()
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.donor_name == ANONYMOUS_NAME and old.amount == Decimal("20.00")
    assert new.donor_name == "Awa Diallo"
    # Safe to run again: nothing more to do.
    assert privacy.purge_old_personal_data().get("donations", 0) == 0
