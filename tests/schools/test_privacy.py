"""Law 25: a teacher's data in a workshop request is found, exported and erased with the rest
of what the site holds about them, and purged once the workshop is long past."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from orders import privacy
from orders.models import Order
from schools.models import WorkshopBooking

pytestmark = pytest.mark.django_db


def test_export_includes_the_request_and_its_order(invoiced, make_booking):
    booking = invoiced(contact_name="Nadia Roy", email="nadia@ecole.example", phone="418 555-0001")
    make_booking(email="nadia@ecole.example", message="Encore une")
    data = privacy.export_person("NADIA@ecole.example")
    json.dumps(data)  # JSON-ready
    rows = data["workshop_bookings"]
    assert len(rows) == 2
    first = next(row for row in rows if row["reference"] == booking.reference)
    assert first["contact_name"] == "Nadia Roy" and first["phone"] == "418 555-0001"
    assert first["invoice"] == booking.invoice.number
    assert first["order"] == booking.order.code
    found = privacy.find_person("nadia@ecole.example")
    assert found.counts["workshop_bookings"] == 2
    assert "2 demandes d'animation" in found.summary


def test_erasing_a_person_removes_the_contact_but_keeps_the_school_and_the_money(
    invoiced, make_booking, staff
):
    booking = invoiced(contact_name="Nadia Roy", email="nadia@ecole.example", phone="418 555-0001")
    lone = make_booking(email="nadia@ecole.example", message="Mon numéro perso : 555-1234")
    total = booking.order.total
    privacy.erase_person("nadia@ecole.example", user=staff["administration"])

    for b in (booking, lone):
        b.refresh_from_db()
        assert b.contact_name == privacy.REDACTED
        assert "nadia" not in b.email and b.phone == "" and b.message == ""
    assert booking.school.startswith("École test")
    order = Order.objects.get(pk=booking.order_id)
    assert privacy.is_anonymised(order) and order.total == total
    pdf = bytes(booking.invoice.pdf)
    assert pdf.startswith(b"%PDF") and b"Nadia" not in pdf and b"nadia@" not in pdf
    assert booking.invoice.number.encode() in pdf
    assert privacy.find_person("nadia@ecole.example").is_empty


def test_the_purge_removes_contacts_of_workshops_long_past(invoiced, make_booking):
    booking = invoiced(contact_name="Ancienne Cliente")
    WorkshopBooking.objects.filter(pk=booking.pk).update(
        proposed_start=timezone.now() - timedelta(days=3 * 365)
    )
    old_request = make_booking(contact_name="Vieille Demande")
    WorkshopBooking.objects.filter(pk=old_request.pk).update(
        created_at=timezone.now() - timedelta(days=3 * 365),
        preferred_date_1=timezone.localdate() - timedelta(days=3 * 365),
        preferred_date_2=timezone.localdate() - timedelta(days=3 * 365 - 7),
    )
    recent = make_booking(contact_name="Demande Récente")
    privacy.purge_old_personal_data()
    names = dict(
        WorkshopBooking.objects.filter(pk__in=[booking.pk, old_request.pk, recent.pk]).values_list(
            "pk", "contact_name"
        )
    )
    assert names[booking.pk] == privacy.REDACTED
    assert names[old_request.pk] == privacy.REDACTED
    assert names[recent.pk] == "Demande Récente"
    assert privacy.is_anonymised(Order.objects.get(pk=booking.order_id))


def test_the_privacy_officer_sees_the_request_on_the_law_25_screen(client, invoiced, staff):
    from html import unescape

    from django.urls import reverse

    booking = invoiced(contact_name="Nadia Roy", email="nadia@ecole.example")
    client.force_login(staff["admin"])
    page = unescape(
        client.get(reverse("privacy:search"), {"email": "nadia@ecole.example"}).content.decode()
    )
    assert "Demandes d'animation" in page and booking.reference in page
    assert "1 demande d'animation" in page
    erase = unescape(
        client.get(reverse("privacy:erase"), {"email": "nadia@ecole.example"}).content.decode()
    )
    assert "dans les demandes d'animation, le nom, le courriel" in erase


def test_the_receipt_of_a_workshop_order_shows_the_workshop(client, invoiced):
    from tests.conftest import plain

    booking = invoiced()
    page = plain(client.get(booking.order.get_absolute_url()).content.decode())
    assert "Animation scolaire" in page
    assert "Aminata Diallo" in page
    assert booking.invoice.number in page
