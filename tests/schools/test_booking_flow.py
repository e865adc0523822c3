"""Staff propose a date, an animator and a price; the school confirms through the emailed link
and chooses to pay by card or by invoice; the booking becomes an order of kind workshop. A link
that is unknown, already used, replaced or expired says so."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from orders import services as orders
from orders.models import OrderKind, OrderSettings, OrderState, OutboxEmail, Payment
from schools import services
from schools.models import BookingStatus, Invoice, PaymentMethod
from tests.conftest import plain

from .conftest import start_in

pytestmark = pytest.mark.django_db


def text_of(response):
    return plain(BeautifulSoup(response.content, "html.parser").get_text(" "))


def link_in(email):
    return re.search(r"https?://\S+/animation/confirmer/\S+/", email.body_text).group(0)


def path_of(url):
    return re.sub(r"^https?://[^/]+", "", url)


def test_staff_propose_and_the_school_receives_a_link(make_booking):
    booking = make_booking()
    booking = services.propose(
        booking, start=start_in(21), animator="Aminata Diallo", price=Decimal("180")
    )
    assert booking.status == BookingStatus.PROPOSED
    email = OutboxEmail.objects.get(key=f"workshop_proposal:{booking.pk}:{booking.token}")
    assert email.to == booking.email
    assert "Aminata Diallo" in email.body_text
    assert "180,00" in plain(email.body_text)
    assert booking.token in link_in(email)


def test_the_school_confirms_and_pays_by_invoice(client, proposed):
    booking = proposed(price="180.00")
    link = path_of(
        link_in(OutboxEmail.objects.get(key__startswith=f"workshop_proposal:{booking.pk}:"))
    )

    page = client.get(link)
    assert page.status_code == 200
    text = text_of(page)
    assert "Aminata Diallo" in text and "180,00 $" in text and "aucune taxe" in text

    response = client.post(link, {"method": "invoice", "purchase_order_number": "BC-2026-17"})
    assert response.status_code == 302
    booking.refresh_from_db()
    order = booking.order
    assert response["Location"] == order.get_absolute_url()
    assert booking.status == BookingStatus.INVOICED
    assert (order.kind, order.state, order.total) == (
        OrderKind.WORKSHOP,
        OrderState.PENDING,
        Decimal("180.00"),
    )
    assert order.expires_at > timezone.now() + timedelta(days=300)
    invoice = booking.invoice
    assert re.fullmatch(r"F-\d{4}-\d{4}", invoice.number)
    assert invoice.purchase_order_number == "BC-2026-17"
    assert invoice.due_date == timezone.localdate() + timedelta(days=30)

    email = OutboxEmail.objects.get(key=f"workshop_invoice:{invoice.number}")
    assert invoice.number in email.subject
    [attachment] = email.attachments
    assert attachment["filename"] == f"facture-{invoice.number}.pdf"
    assert attachment["mimetype"] == "application/pdf"

    # The order page (the school's receipt) says so and links to the invoice.
    receipt = client.get(response["Location"])
    text = text_of(receipt)
    assert "Votre animation est confirmée" in text
    assert f"Facture {invoice.number} (PDF)" in text
    # Not « places kept until » a year away, nor « Vos billets » over an invoice.
    assert "La facture se paie par chèque, par virement ou ici par carte." in text
    assert "réservées jusqu'au" not in text
    assert "Vos documents" in text and "Vos billets" not in text
    pdf = client.get(f"/animation/facture/{order.code}/{order.token}/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get(f"/animation/facture/{order.code}/wrong-token/").status_code == 404


def test_the_school_chooses_the_card_and_the_payment_marks_the_booking_paid(client, proposed):
    booking = proposed(price="150.00")
    response = client.post(
        f"/animation/confirmer/{booking.token}/", {"method": "card", "purchase_order_number": ""}
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert not Invoice.objects.filter(booking=booking).exists()
    assert OutboxEmail.objects.filter(key=f"workshop_confirmed:{booking.pk}").exists()
    receipt = client.get(response["Location"])
    assert "Payer" in text_of(receipt)  # the existing Stripe checkout button

    # What the webhook does once Stripe says the card paid (orders.services.apply_payment).
    order = booking.order
    payment = Payment.objects.create(order=order, amount=order.total, idempotency_key="t:1")
    orders.apply_payment(payment, amount=order.total, currency="cad")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PAID and booking.paid_at is not None


def test_a_workshop_taxed_when_taxes_are_on(proposed):
    settings_ = OrderSettings.load()
    settings_.taxes_enabled = True
    settings_.gst_number = "123456789 RT0001"
    settings_.qst_number = "1234567890 TQ0001"
    settings_.save()
    booking = proposed(price="200.00", tax_status="taxable")
    booking = services.confirm(booking.token, method=PaymentMethod.INVOICE)
    order = booking.order
    assert (order.gst, order.qst, order.total) == (
        Decimal("10.00"),
        Decimal("19.95"),
        Decimal("229.95"),
    )
    pdf = bytes(booking.invoice.pdf)
    assert b"123456789 RT0001" in pdf and b"1234567890 TQ0001" in pdf


def test_an_exempt_workshop_has_no_tax_numbers_on_its_invoice(invoiced):
    booking = invoiced(price="120.00")
    assert booking.order.total == Decimal("120.00")
    assert booking.order.gst == booking.order.qst == 0
    assert b"TPS" not in bytes(booking.invoice.pdf)


def test_a_link_used_twice_says_the_workshop_is_already_confirmed(client, proposed):
    booking = proposed()
    link = f"/animation/confirmer/{booking.token}/"
    assert client.post(link, {"method": "invoice"}).status_code == 302
    again = client.post(link, {"method": "invoice"})
    assert again.status_code == 200
    assert "Cette animation est déjà confirmée" in text_of(again)
    assert Invoice.objects.filter(booking=booking).count() == 1
    assert client.get(link).status_code == 200


def test_an_unknown_link_says_so(client):
    response = client.get("/animation/confirmer/pas-un-vrai-jeton/")
    assert response.status_code == 404
    assert "Lien inconnu" in text_of(response)


def test_a_new_proposal_replaces_the_old_link(client, proposed):
    booking = proposed()
    old = booking.token
    services.propose(booking, start=start_in(28), animator="Luis Ortega", price=Decimal("180"))
    assert client.get(f"/animation/confirmer/{old}/").status_code == 404
    booking.refresh_from_db()
    assert client.get(f"/animation/confirmer/{booking.token}/").status_code == 200


def test_an_expired_link_says_so_and_confirms_nothing(client, proposed):
    booking = proposed()
    booking.proposal_expires_at = timezone.now() - timedelta(minutes=1)
    booking.save(update_fields=["proposal_expires_at"])
    response = client.post(f"/animation/confirmer/{booking.token}/", {"method": "invoice"})
    assert response.status_code == 410
    assert "Ce lien a expiré" in text_of(response)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PROPOSED and booking.order is None


def test_a_cancelled_booking_link_says_so(client, proposed, staff):
    booking = proposed()
    token = booking.token
    services.cancel(booking, user=staff["billetterie"], reason="Grève")
    response = client.get(f"/animation/confirmer/{token}/")
    assert response.status_code == 410
    assert "Cette animation est annulée" in text_of(response)


def test_confirming_without_a_payment_method_is_refused_clearly(client, proposed):
    booking = proposed()
    response = client.post(f"/animation/confirmer/{booking.token}/", {"method": "bitcoin"})
    assert response.status_code == 400
    assert "Choisissez un mode de paiement." in text_of(response)
    booking.refresh_from_db()
    assert booking.order is None


def test_the_confirmation_page_in_english(client, proposed):
    booking = proposed(language="en")
    email = OutboxEmail.objects.get(key__startswith=f"workshop_proposal:{booking.pk}:")
    assert email.language == "en" and "/en/workshop/confirm/" in email.body_text
    response = client.get(path_of(link_in_en(email)))
    assert response.status_code == 200
    assert "Confirm the workshop" in text_of(response)


def link_in_en(email):
    return re.search(r"https?://\S+/en/workshop/confirm/\S+/", email.body_text).group(0)


def test_staff_cannot_propose_a_past_date_or_a_negative_price(make_booking):
    booking = make_booking()
    with pytest.raises(services.BookingError, match="dans le futur"):
        services.propose(
            booking, start=timezone.now() - timedelta(hours=1), animator="A", price=Decimal("1")
        )
    with pytest.raises(services.BookingError, match="négatif"):
        services.propose(booking, start=start_in(5), animator="A", price=Decimal("-1"))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.NEW
