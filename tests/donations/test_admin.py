"""Staff and gifts: the list with its CSV export, a receipt corrected by voiding and replacing
it, the kept copies, a donor's yearly summary; and who may do what."""

import csv
import io
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core import mail

from donations.models import Donation, Receipt
from tests.conftest import plain

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def login(client, demo_site):
    def as_user(username):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return as_user


def attachments(email):
    return [(p.get_filename(), p.get_payload(decode=True)) for p in email.attachments]


def test_staff_list_and_export_gifts(give, login):
    give(amount="25.00")
    give(
        amount="autre", other_amount="60", donor_name="Bob Tremblay", donor_email="bob@example.org"
    )
    client = login("administration")
    response = client.get("/admin/donations/")
    assert response.status_code == 200
    page = plain(response.content.decode())
    assert "Awa Diallo" in page and "Bob Tremblay" in page and "60,00 $" in page
    export = client.get("/admin/donations/?export=csv")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    header, *data = rows
    assert "Montant admissible" in header and "Reçu officiel" in header
    amounts = sorted(row[header.index("Montant")] for row in data)
    assert amounts == ["25.00", "60.00"]
    numbers = [row[header.index("Reçu officiel")] for row in data]
    assert all(n.startswith("R-") for n in numbers)

    # As the office opens it (tests/cesiq_site/test_spreadsheet_exports.py): Excel reads it as
    # UTF-8, a donor's name is never a formula, the moment is Québec's.
    from datetime import UTC, datetime

    Donation.objects.filter(donor_name="Bob Tremblay").update(
        donor_name="=1+1", received_at=datetime(2026, 3, 11, 2, 30, tzinfo=UTC)
    )
    content = b"".join(client.get("/admin/donations/?export=csv").streaming_content).decode()
    assert content.startswith("\ufeff")
    header, *data = csv.reader(io.StringIO(content.removeprefix("\ufeff")))
    bob = next(row for row in data if row[header.index("Montant")] == "60.00")
    assert bob[header.index("Nom du donateur")] == "'=1+1"
    assert bob[header.index("Reçu le")] == "2026-03-10 22:30"


def test_a_corrected_receipt_is_voided_and_replaced(
    give, login, django_capture_on_commit_callbacks
):
    order = give(amount="100.00")
    original = Receipt.objects.get(donation__order=order)
    client = login("administration")
    page = client.get(f"/admin/donations/inspect/{original.donation_id}/")
    assert page.status_code == 200
    assert original.number in page.content.decode()
    # Each field as staff read it: « Non », the order's code, Québec's time, « 100,00 $ ».
    from bs4 import BeautifulSoup
    from django.utils import timezone
    from django.utils.formats import date_format

    shown = BeautifulSoup(page.content, "html.parser")
    fields = {
        plain(dt.get_text(" ", strip=True)): plain(dt.find_next("dd").get_text(" ", strip=True))
        for dt in shown.select("dl dt")
    }
    donation = original.donation
    assert fields["Remboursé"] == "Non"
    assert fields["Commande"] == order.code
    assert fields["Montant"] == "100,00 $"
    assert fields["Reçu le"] == plain(
        date_format(timezone.localtime(donation.received_at), "SHORT_DATETIME_FORMAT")
    )
    url = f"/admin/dons/recu/{original.pk}/corriger/"
    assert client.get(url).status_code == 200
    # No reason given: refused, nothing changes.
    form = {
        "reason": "",
        "donor_name": "Awa Diallo-Traoré",
        "street_address": "12, rue des Érables",
        "city": "Québec",
        "province": "QC",
        "postal_code": "G1R 2B5",
        "advantage": "0",
    }
    assert client.post(url, form).status_code == 400
    assert Receipt.objects.filter(donation__order=order).count() == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**form, "reason": "Nom mal orthographié"})
    assert response.status_code == 302
    original.refresh_from_db()
    assert original.status == Receipt.Status.VOID
    assert original.void_reason == "Nom mal orthographié"
    replacement = original.replaced_by
    assert replacement.serial > original.serial
    assert replacement.data["donor_name"] == "Awa Diallo-Traoré"
    assert replacement.data["replaces"] == original.number
    [email] = mail.outbox
    assert replacement.number in email.subject and original.number in email.subject
    [(name, content)] = attachments(email)
    assert name == f"recu-{replacement.number}.pdf"
    assert original.number.encode() in content  # "replaces receipt no. …"
    # The kept copy of the voided receipt says so.
    copy = client.get(f"/admin/dons/recu/{original.pk}/")
    assert copy["Content-Type"] == "application/pdf"
    assert b"ANNUL" in copy.content
    # A voided receipt cannot be corrected again.
    assert client.post(url, {**form, "reason": "encore"}).status_code == 302
    assert Receipt.objects.filter(donation__order=order).count() == 2


def test_an_advantage_above_80_percent_of_the_gift_gets_no_receipt(
    give, login, django_capture_on_commit_callbacks
):
    """The CRA's threshold: above 80 % of the gift, there is generally no gift to receipt."""
    order = give(amount="25.00")
    original = Receipt.objects.get(donation__order=order)
    client = login("administration")
    url = f"/admin/dons/recu/{original.pk}/corriger/"
    form = {
        "reason": "Repas offert",
        "donor_name": "Awa Diallo",
        "street_address": "12, rue des Érables",
        "city": "Québec",
        "province": "QC",
        "postal_code": "G1R 2B5",
    }
    for advantage in ("25", "20.01"):
        response = client.post(url, {**form, "advantage": advantage})
        assert response.status_code == 400, advantage
        assert "dépasse 80 % du don (20,00 $)" in plain(response.content.decode())
    assert Receipt.objects.filter(donation__order=order).count() == 1
    original.refresh_from_db()
    assert original.status == Receipt.Status.ISSUED
    # 80 % exactly: a receipt for the other 5 $.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**form, "advantage": "20.00"}).status_code == 302
    replacement = Receipt.objects.get(donation__order=order, status=Receipt.Status.ISSUED)
    assert replacement.data["eligible_amount"] == "5.00"


def test_a_correction_checks_the_address_and_reads_a_french_amount(give, login):
    """A receipt's address as the donation form checks it (K1A 0B1 is no Québec code), and
    « 5,00 » is 5 $ (a number box let the browser drop the comma)."""
    order = give(amount="25.00")
    original = Receipt.objects.get(donation__order=order)
    client = login("administration")
    url = f"/admin/dons/recu/{original.pk}/corriger/"
    form = {
        "reason": "Adresse corrigée",
        "donor_name": "Awa Diallo",
        "street_address": "12, rue des Érables",
        "city": "Québec",
        "province": "QC",
        "postal_code": "K1A 0B1",
        "advantage": "5,00",
    }
    html = client.get(url).content.decode()
    assert (
        'name="advantage"' in html
        and 'type="number"' not in html.split('name="advantage"')[0][-200:]
    )
    response = client.post(url, form)
    assert response.status_code == 400
    text = plain(BeautifulSoup(response.content, "html.parser").get_text(" "))
    assert "n'est pas un code de la province choisie (Québec)" in text, text[-2000:]
    assert Receipt.objects.filter(donation__order=order).count() == 1


def test_yearly_summary_on_demand(give, login, django_capture_on_commit_callbacks):
    give(amount="25.00")
    give(amount="50.00")
    donation = Donation.objects.filter(donor_email="awa@example.org").first()
    year = donation.received_at.year
    client = login("administration")
    download = client.post("/admin/dons/sommaire/", {"email": "awa@example.org", "year": year})
    assert download["Content-Type"] == "application/pdf"
    assert b"75,00" in download.content
    for receipt in Receipt.objects.filter(donation__donor_email="awa@example.org"):
        assert receipt.number.encode() in download.content
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            "/admin/dons/sommaire/", {"email": "awa@example.org", "year": year, "send": "on"}
        )
    assert sent.status_code == 302
    [email] = mail.outbox
    assert email.to == ["awa@example.org"] and str(year) in email.subject
    nothing = client.post("/admin/dons/sommaire/", {"email": "nobody@example.org", "year": year})
    assert nothing.status_code == 400
    assert "Aucun don de nobody@example.org" in plain(nothing.content.decode())


@pytest.mark.parametrize("username", ["redaction", "billetterie", "boutique"])
def test_other_teams_cannot_see_gifts_or_receipts(give, login, username):
    order = give(amount="25.00")
    receipt = Receipt.objects.get(donation__order=order)
    client = login(username)
    for url in (
        "/admin/donations/",
        f"/admin/donations/inspect/{receipt.donation_id}/",
        f"/admin/dons/recu/{receipt.pk}/",
        f"/admin/dons/recu/{receipt.pk}/corriger/",
        "/admin/dons/sommaire/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403), url
    assert client.post(f"/admin/dons/recu/{receipt.pk}/corriger/", {"reason": "x"}).status_code in (
        302,
        403,
    )
    receipt.refresh_from_db()
    assert receipt.status == Receipt.Status.ISSUED


def test_nobody_adds_or_deletes_a_gift_by_hand(give, login):
    order = give(amount="25.00")
    donation = Donation.objects.get(order=order)
    client = login("admin")
    assert client.get("/admin/donations/new/").status_code in (302, 403, 404)
    assert client.get(f"/admin/donations/delete/{donation.pk}/").status_code in (302, 403, 404)
    assert client.get(f"/admin/donations/edit/{donation.pk}/").status_code == 302
    assert Donation.objects.filter(pk=donation.pk).exists()
