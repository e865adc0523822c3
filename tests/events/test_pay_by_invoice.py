"""A school group registered for a public activity pays by invoice when editors allow it: the
order is confirmed with its places kept (not for the half-hour of a card payment), a numbered
invoice is emailed as PDF, staff record the cheque once, reminders go out for unpaid ones, and
staff cancelling an unpaid one gives its places back."""

from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.utils import timezone

from events import checkin, staff
from events.models import Attendee, EventDate
from orders import services as orders
from orders.models import Order, OrderLogEntry, OrderState, OutboxEmail
from orders.services import Selection
from schools import services as schools
from schools.models import Invoice
from tests.conftest import plain
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db


def register_url(page):
    return page.url + "inscription/"


def errors(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [e.get_text(" ", strip=True) for e in html.select(".field__error, .error-summary li")]


@pytest.fixture
def invoice_activity(activity):
    activity.allow_invoice = True
    activity.save_revision().publish()
    activity.refresh_from_db()
    return activity


def regular(page):
    return page.source.ticket_types.get(name="Régulier")


def invoice_data(page, places=3, **overrides):
    return registration_data(
        page,
        **{
            f"quantity_{regular(page).pk}": places,
            "payment": "invoice",
            "invoice_school": "École secondaire de la Cité",
            "invoice_school_board": "Centre de services scolaire de la Capitale",
            "invoice_po": "BC-2026-118",
            "invoice_email": "secretariat@cite.example",
            **overrides,
        },
    )


def test_the_choice_is_offered_only_when_editors_allow_it(client, activity):
    page = client.get(register_url(activity)).content.decode()
    assert "Payer sur facture" not in page
    activity.allow_invoice = True
    activity.save_revision().publish()
    page = client.get(register_url(activity)).content.decode()
    assert "Payer sur facture (groupes scolaires)" in page
    assert "Courriel de facturation" in page
    assert "Centre de services scolaire" in page


def test_a_school_pays_by_invoice_places_kept_invoice_emailed(
    client, invoice_activity, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(register_url(invoice_activity), invoice_data(invoice_activity))
    order = Order.objects.get(buyer_email="awa@example.org")
    assert response.status_code == 302, errors(response)
    assert response["Location"] == order.get_absolute_url()
    # Confirmed with its places, still owing its total: no Stripe, no half-hour hold.
    assert order.state == OrderState.PENDING
    assert order.total == Decimal("75.00")
    assert order.expires_at > timezone.now() + timedelta(days=300)
    date_ = invoice_activity.upcoming_dates[0]
    assert date_.seats_left() == 17
    # The group's tickets are valid at once: on the list and at the door.
    attendees = Attendee.objects.filter(order_line__order=order)
    assert attendees.count() == 3
    assert checkin.expected(date_).filter(order_line__order=order).count() == 3
    # A numbered invoice, to the billing address, as PDF.
    invoice = Invoice.objects.get(order=order)
    year = timezone.localtime().year
    assert invoice.number.startswith(f"F-{year}-")
    assert invoice.booking is None
    assert invoice.purchase_order_number == "BC-2026-118"
    pdf = bytes(invoice.pdf)
    assert invoice.number.encode() in pdf and b"BC-2026-118" in pdf
    assert b"Centre de services scolaire de la Capitale" in pdf
    assert b"Payable dans les 30 jours" in pdf
    email = OutboxEmail.objects.get(key=f"order_invoice:{invoice.number}")
    assert email.to == "secretariat@cite.example"
    assert invoice.number in email.subject
    assert [a["filename"] for a in email.attachments] == [invoice.filename]
    assert "payable au plus tard le" in email.body_text
    # The teacher who registered the group gets the same letter (places kept, the invoice,
    # the link to the tickets): else nothing came to them.
    copy = OutboxEmail.objects.get(key=f"order_invoice:{invoice.number}:buyer")
    assert copy.to == "awa@example.org"
    assert [a["filename"] for a in copy.attachments] == [invoice.filename]
    assert order.get_absolute_url() in copy.body_text
    # The order page says it, links the invoice and the tickets.
    page = client.get(order.get_absolute_url())
    text = plain(page.content.decode())
    assert "La facture a été envoyée à secretariat@cite.example" in text
    # Kept until the invoice is paid, not « until » the order's expiry a year away.
    assert "Vos places sont réservées jusqu'au paiement de la facture" in text
    from django.utils.formats import date_format

    assert date_format(timezone.localtime(order.expires_at), "DATE_FORMAT") not in text
    assert f"Facture {invoice.number} (PDF)" in text
    assert "Bon de commande : BC-2026-118" in text
    html = BeautifulSoup(page.content, "html.parser")
    pdf_link = html.find("a", string=f"Facture {invoice.number} (PDF)")["href"]
    pdf_response = client.get(pdf_link.replace("http://testserver", ""))
    assert pdf_response["Content-Type"] == "application/pdf"
    assert OrderLogEntry.objects.filter(order=order, action="invoice_issued").exists()


def test_billing_details_are_required_when_the_invoice_is_chosen(client, invoice_activity):
    data = invoice_data(invoice_activity, invoice_school="", invoice_email="")
    response = client.post(register_url(invoice_activity), data)
    assert response.status_code == 400
    shown = errors(response)
    assert "Indiquez le nom de l'école à facturer." in shown
    assert "Indiquez le courriel où envoyer la facture." in shown
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_card_stays_the_default_and_needs_no_billing_details(client, invoice_activity, fake_stripe):
    data = invoice_data(invoice_activity, payment="card", invoice_school="", invoice_email="")
    response = client.post(register_url(invoice_activity), data)
    assert response.status_code == 302
    assert response["Location"].startswith(fake_stripe.url + "/checkout/")
    assert not Invoice.objects.filter(order__buyer_email="awa@example.org").exists()


def test_an_invoice_forged_on_an_activity_without_it_is_refused(activity):
    date_ = activity.upcoming_dates[0]
    with pytest.raises(orders.OrderError, match="pas offert"):
        from events import services

        services.register(
            activity,
            date_id=date_.pk,
            tickets=[(regular(activity), 2, None)],
            buyer_name="Awa Diallo",
            buyer_email="awa@example.org",
            language="fr",
            invoice={"school": "X", "school_board": "", "email": "x@example.org"},
        )
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_a_forged_invoice_choice_posted_to_an_activity_without_it_goes_to_card(
    client, activity, fake_stripe
):
    response = client.post(register_url(activity), invoice_data(activity))
    assert response["Location"].startswith(fake_stripe.url + "/checkout/")
    assert not Invoice.objects.filter(order__buyer_email="awa@example.org").exists()


@pytest.fixture
def billed(client, invoice_activity, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(register_url(invoice_activity), invoice_data(invoice_activity))
    return Order.objects.get(buyer_email="awa@example.org")


@pytest.fixture
def billetterie():
    return get_user_model().objects.get(username="billetterie")


def test_staff_record_the_cheque_once_with_who_and_when(
    billed, billetterie, django_capture_on_commit_callbacks
):
    invoice = Invoice.objects.get(order=billed)
    with pytest.raises(schools.BookingError, match="doit être celui de la facture"):
        schools.record_payment(
            invoice,
            method="cheque",
            reference="CHQ-5",
            amount=Decimal("70.00"),
            received_on=timezone.localdate(),
            user=billetterie,
        )
    with django_capture_on_commit_callbacks(execute=True):
        schools.record_payment(
            invoice,
            method="cheque",
            reference="CHQ-5",
            amount=Decimal("75.00"),
            received_on=timezone.localdate(),
            user=billetterie,
        )
    billed.refresh_from_db()
    assert billed.state == OrderState.PAID
    assert billed.balance == Decimal("75.00")
    # Paid: the same three tickets, none made twice.
    assert Attendee.objects.filter(order_line__order=billed).count() == 3
    entry = OrderLogEntry.objects.get(order=billed, action="invoice_payment_recorded")
    assert entry.user == billetterie and entry.data["reference"] == "CHQ-5"
    with pytest.raises(schools.BookingError, match="déjà payée"):
        schools.record_payment(
            invoice,
            method="transfer",
            reference="VIR-9",
            amount=Decimal("75.00"),
            received_on=timezone.localdate(),
            user=billetterie,
        )
    assert invoice.payments.count() == 1


def test_an_administrator_reverses_it_and_the_tickets_stay_valid(billed, billetterie):
    admin = get_user_model().objects.get(username="admin")
    invoice = Invoice.objects.get(order=billed)
    recorded = schools.record_payment(
        invoice,
        method="cheque",
        reference="CHQ-6",
        amount=billed.total,
        received_on=timezone.localdate(),
        user=billetterie,
    )
    schools.reverse_payment(recorded, user=admin, reason="Chèque sans provision")
    billed.refresh_from_db()
    assert billed.state == OrderState.PENDING
    date_ = Attendee.objects.filter(order_line__order=billed).first().date
    assert checkin.expected(date_).filter(order_line__order=billed).count() == 3
    # Paid again: still three tickets.
    schools.record_payment(
        invoice,
        method="transfer",
        reference="VIR-7",
        amount=billed.total,
        received_on=timezone.localdate(),
        user=billetterie,
    )
    assert Attendee.objects.filter(order_line__order=billed).count() == 3


def test_overdue_invoices_are_reminded_by_the_same_reminders(billed):
    invoice = Invoice.objects.get(order=billed)
    schools.send_reminders()
    invoice.refresh_from_db()
    assert invoice.reminders_sent == 0  # not due yet
    later = timezone.now() + timedelta(days=31)
    schools.send_reminders(now=later)
    schools.send_reminders(now=later)  # once per interval, however often it runs
    invoice.refresh_from_db()
    assert invoice.reminders_sent == 1
    reminder = OutboxEmail.objects.get(key=f"order_invoice_reminder:{invoice.number}:1")
    assert reminder.to == "secretariat@cite.example"
    assert "n'est pas encore payée" in reminder.body_text
    # Past its due date the order still holds its places: nothing expires by itself.
    billed.refresh_from_db()
    assert billed.state == OrderState.PENDING
    orders.expire_stale_orders(now=later)
    billed.refresh_from_db()
    assert billed.state == OrderState.PENDING


def test_staff_cancelling_an_unpaid_invoice_order_releases_its_places(billed, billetterie):
    date_ = Attendee.objects.filter(order_line__order=billed).first().date
    assert date_.seats_left() == 17
    orders.cancel_order(billed, user=billetterie, reason="Facture impayée")
    billed.refresh_from_db()
    assert billed.state == OrderState.CANCELLED
    assert date_.seats_left() == 20
    assert checkin.expected(date_).filter(order_line__order=billed).count() == 0
    invoice = Invoice.objects.get(order=billed)
    with pytest.raises(schools.BookingError, match="ne peut pas recevoir de paiement"):
        schools.record_payment(
            invoice,
            method="cheque",
            reference="CHQ-8",
            amount=billed.total,
            received_on=timezone.localdate(),
            user=billetterie,
        )


def test_staff_find_the_invoice_in_the_admin_and_record_the_transfer(client, billed):
    from django.urls import reverse

    users = get_user_model().objects
    invoice = Invoice.objects.get(order=billed)
    client.force_login(users.get(username="billetterie"))
    listing = client.get("/admin/factures/?unpaid=true")
    assert listing.status_code == 200
    assert invoice.number in plain(listing.content.decode())
    detail = client.get(reverse("invoice:inspect", args=[invoice.pk]))
    text = plain(BeautifulSoup(detail.content, "html.parser").get_text(" "))
    assert "École secondaire de la Cité" in text and "BC-2026-118" in text
    assert "Enregistrer un paiement" in text
    assert "Annuler le paiement enregistré" not in text
    assert client.get(reverse("invoice:pdf", args=[invoice.pk])).content.startswith(b"%PDF")
    url = reverse("invoice:record_payment", args=[invoice.pk])
    response = client.post(
        url,
        {
            "method": "transfer",
            "reference": "VIR-2026-44",
            "amount": "75,00",
            "received_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    billed.refresh_from_db()
    assert billed.state == OrderState.PAID
    # Paid: not offered again; reversing is for administrators only.
    assert "pas possible" in plain(client.get(url, follow=True).content.decode())
    reverse_url = reverse("invoice:reverse_payment", args=[invoice.pk])
    assert client.get(reverse_url).status_code in (302, 403)
    client.force_login(users.get(username="administration"))
    response = client.post(reverse_url, {"reason": "Virement retourné"})
    assert response.status_code == 302
    billed.refresh_from_db()
    assert billed.state == OrderState.PENDING


def test_editors_see_no_invoice(client):
    client.force_login(get_user_model().objects.get(username="redaction"))
    assert client.get("/admin/factures/").status_code in (302, 403)


def test_law_25_the_billing_contact_is_exported_and_erased(billed):
    from orders import privacy
    from orders.privacy.base import REDACTED

    data = privacy.export_person("awa@example.org")
    [invoice_data] = data["invoices"]
    assert invoice_data["billing_email"] == "secretariat@cite.example"
    admin = get_user_model().objects.get(username="admin")
    privacy.erase_person("awa@example.org", user=admin)
    invoice = Invoice.objects.get(order=billed)
    assert invoice.contact_name == REDACTED
    assert "secretariat" not in invoice.billing_email
    assert invoice.school == "École secondaire de la Cité"  # the school and amounts stay
    assert b"Awa Diallo" not in bytes(invoice.pdf)


def test_cancelling_a_date_cancels_an_invoice_paid_by_cheque_and_flags_its_refund(
    billed, billetterie, django_capture_on_commit_callbacks
):
    invoice = Invoice.objects.get(order=billed)
    schools.record_payment(
        invoice,
        method="cheque",
        reference="CHQ-5",
        amount=Decimal("75.00"),
        received_on=timezone.localdate(),
        user=billetterie,
    )
    date_ = EventDate.of_line(billed.lines.get())
    with django_capture_on_commit_callbacks(execute=True):
        outcome = staff.cancel_date(date_, user=billetterie, message="La salle est inondée.")
    assert billed.code not in outcome.failed
    billed.refresh_from_db()
    # Cancelled like the others: tickets void, places given back; Stripe never asked.
    assert billed.state == OrderState.CANCELLED
    assert not checkin.expected(date_).filter(order_line__order=billed).exists()
    assert not Attendee.objects.filter(order_line__order=billed, cancelled_at=None).exists()
    assert not billed.refunds.exists()
    # Staff see it among the orders to handle: the money goes back by hand.
    assert plain(billed.attention) == (
        "Date annulée : rembourser 75,00 $ à la main (chèque ou virement)."
    )
    # The buyer is told, as everyone else.
    email = OutboxEmail.objects.get(key=f"date_cancelled:{date_.pk}:{billed.code}")
    assert "Votre inscription (commande" in email.body_text
    assert "vous sera remboursé en entier par chèque ou virement" in plain(email.body_text)
    # The refund recorded by hand settles it.
    orders.record_manual_refund(
        billed, "75.00", reference="CHQ-CESIQ-1", reason="Date annulée", user=billetterie
    )
    billed.refresh_from_db()
    assert billed.balance == Decimal("0.00")


def test_choosing_the_invoice_for_an_order_a_code_made_free_confirms_it_as_free(
    client, invoice_activity
):
    from orders.models import DiscountCode

    DiscountCode.objects.create(code="OFFERT", kind="percent", value=100, scope="both")
    invoice_activity.confirm_free_by_email = True
    invoice_activity.save_revision().publish()
    invoices = Invoice.objects.count()
    data = invoice_data(invoice_activity, discount_code="OFFERT")
    response = client.post(register_url(invoice_activity), data)
    order = Order.objects.get(buyer_email="awa@example.org")
    assert response.status_code == 302, errors(response)
    assert response["Location"] == order.get_absolute_url()
    # No invoice for 0 $: the free registration waits for the emailed link, as any other.
    assert order.total == Decimal("0.00") and order.state == OrderState.PENDING
    assert Invoice.objects.count() == invoices


def run_out_hold(order):
    """An activity booked more than a year ahead, the invoice still unpaid: its hold ran out
    (`PAYMENT_WINDOW`) and the expiry job released its places. Returns the moment after."""
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    now = timezone.now()
    orders.expire_stale_orders(now=now)
    order.refresh_from_db()
    return now


def pay_by_cheque(order, user, reference, now):
    return schools.record_payment(
        Invoice.objects.get(order=order),
        method="cheque",
        reference=reference,
        amount=order.total,
        received_on=timezone.localdate(now),
        user=user,
        now=now,
    )


def test_a_cheque_for_an_invoice_whose_hold_ran_out_is_refused_once_the_places_are_sold(
    invoice_activity, billed, billetterie
):
    later = run_out_hold(billed)  # its places went back on sale, and were taken
    assert billed.state == OrderState.EXPIRED
    date_ = Attendee.objects.filter(order_line__order=billed).first().date
    for buyer in ("a", "b"):
        orders.place_order(
            kind="tickets",
            buyer_name="Autre école",
            buyer_email=f"{buyer}@example.org",
            language="fr",
            selections=[Selection(item=regular(invoice_activity), quantity=9, option=date_)],
            now=later,
        )
    invoice = Invoice.objects.get(order=billed)
    with pytest.raises(
        schools.BookingError, match="n'est plus disponible.*Il ne reste que 2 place"
    ):
        pay_by_cheque(billed, billetterie, "CHQ-9", later)
    billed.refresh_from_db()
    assert billed.state == OrderState.EXPIRED
    assert invoice.payments.count() == 0 and billed.payments.count() == 0


def test_a_cheque_for_an_invoice_whose_hold_ran_out_confirms_it_while_places_are_free(
    billed, billetterie
):
    pay_by_cheque(billed, billetterie, "CHQ-10", run_out_hold(billed))
    billed.refresh_from_db()
    assert billed.state == OrderState.PAID
