"""Law 25: a donor's and a member's data are found, exported and erased with the rest of the
person's file; official receipts the CRA requires to be kept stay as issued."""

import json

import pytest

from donations.models import Donation, Receipt
from memberships.models import Member
from orders import privacy

pytestmark = pytest.mark.django_db


def test_a_donor_who_is_also_a_member_is_found_exported_and_erased(give, admin_user):
    order = give(amount="25.00", tribute="honour", tribute_name="Rosa Parks")
    Member.objects.create(kind="individual", name="Awa Diallo", email="awa@example.org")
    found = privacy.find_person("AWA@example.org")
    assert found.counts["donations"] == 1 and found.counts["members"] == 1
    data = privacy.export_person("awa@example.org")
    json.dumps(data, default=str)
    [gift] = data["donations"]
    assert gift["amount"] == "25.00" and gift["tribute_name"] == "Rosa Parks"
    assert gift["receipts"][0]["number"].startswith("R-")
    assert data["members"][0]["email"] == "awa@example.org"

    privacy.erase_person("awa@example.org", user=admin_user)
    member = Member.objects.get(pk=Member.objects.order_by("-pk").first().pk)
    assert member.name == "Personne anonymisée" and "awa" not in member.email
    # The receipt of this year's gift must be kept: it stays as issued.
    donation = Donation.objects.get(order=order)
    receipt = Receipt.objects.get(donation=donation)
    assert receipt.data["donor_name"] == "Awa Diallo"
    assert donation.amount == 25
