"""Staff record a cheque or a transfer once; only an administrator reverses it; each step is in
the order's audit log with who and when; overdue invoices are reminded once per interval."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from orders.models import OrderLogEntry, OrderState, OutboxEmail, PaymentState
from schools import services, tasks
from schools.models import BookingStatus, InvoicePayment

pytestmark = pytest.mark.django_db


def record(booking, user, reference="CHQ-1042", amount=None):
    return services.record_payment(
        booking.invoice,
        method="cheque",
        reference=reference,
        amount=amount if amount is not None else booking.order.total,
        received_on=timezone.localdate(),
        user=user,
    )


def test_a_cheque_recorded_pays_the_invoice_and_is_logged_with_who_and_when(invoiced, staff):
    booking = invoiced(price="180.00")
    recorded = record(booking, staff["billetterie"])
    booking.refresh_from_db()
    order = booking.order
    assert order.state == OrderState.PAID
    assert booking.status == BookingStatus.PAID
    assert recorded.payment.provider == "cheque"
    assert recorded.payment.state == PaymentState.PAID
    assert order.balance == Decimal("180.00")
    entry = OrderLogEntry.objects.get(order=order, action="invoice_payment_recorded")
    assert entry.user == staff["billetterie"]
    assert entry.created_at is not None
    assert entry.data["reference"] == "CHQ-1042"
    assert "CHQ-1042" in entry.message


def test_an_invoice_cannot_be_paid_twice(invoiced, staff):
    booking = invoiced()
    record(booking, staff["billetterie"])
    booking.refresh_from_db()
    with pytest.raises(services.BookingError, match="déjà payée"):
        record(booking, staff["billetterie"], reference="VIR-2")
    assert InvoicePayment.objects.filter(invoice=booking.invoice).count() == 1
    # And the database itself refuses a second live payment.
    first = InvoicePayment.objects.get(invoice=booking.invoice)
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoicePayment.objects.create(
            invoice=booking.invoice,
            payment=first.payment,
            method="cheque",
            reference="X",
            amount=Decimal("1"),
            received_on=date.today(),
        )


def test_a_wrong_amount_or_no_reference_is_refused_and_changes_nothing(invoiced, staff):
    booking = invoiced(price="180.00")
    with pytest.raises(services.BookingError, match="doit être celui de la facture"):
        record(booking, staff["billetterie"], amount=Decimal("18.00"))
    with pytest.raises(services.BookingError, match="référence"):
        record(booking, staff["billetterie"], reference="  ")
    booking.order.refresh_from_db()
    assert booking.order.state == OrderState.PENDING
    assert not InvoicePayment.objects.filter(invoice=booking.invoice).exists()


def test_a_payment_received_in_the_future_is_refused_and_amounts_are_written_in_french(
    invoiced, staff
):
    booking = invoiced(price="175.50")
    with pytest.raises(services.BookingError, match="ne peut pas être dans le futur"):
        services.record_payment(
            booking.invoice,
            method="cheque",
            reference="CHQ-9",
            amount=booking.order.total,
            received_on=timezone.localdate() + timedelta(days=1),
            user=staff["billetterie"],
        )
    # Nor before the order existed (« 2020-01-01 » was kept and shown on the invoice).
    with pytest.raises(services.BookingError, match="ne peut pas précéder la commande"):
        services.record_payment(
            booking.invoice,
            method="cheque",
            reference="CHQ-9",
            amount=booking.order.total,
            received_on=timezone.localdate(booking.order.created_at) - timedelta(days=1),
            user=staff["billetterie"],
        )
    with pytest.raises(services.BookingError) as refused:
        record(booking, staff["billetterie"], amount=Decimal("100.00"))
    assert str(refused.value).replace("\u00a0", " ") == (
        "Le montant reçu (100,00 $) doit être celui de la facture (175,50 $)."
    )
    assert not InvoicePayment.objects.filter(invoice=booking.invoice).exists()


def test_only_an_administrator_reverses_a_recorded_payment(invoiced, staff):
    booking = invoiced()
    recorded = record(booking, staff["billetterie"])
    with pytest.raises(PermissionDenied):
        services.reverse_payment(recorded, user=staff["billetterie"], reason="Erreur")
    recorded.refresh_from_db()
    assert recorded.reversed_at is None

    services.reverse_payment(recorded, user=staff["administration"], reason="Chèque sans provision")
    recorded.refresh_from_db()
    booking.refresh_from_db()
    assert recorded.reversed_by == staff["administration"]
    assert recorded.payment.state == PaymentState.CANCELLED
    assert booking.order.state == OrderState.PENDING
    assert booking.status == BookingStatus.INVOICED
    entry = OrderLogEntry.objects.get(order=booking.order, action="invoice_payment_reversed")
    assert entry.user == staff["administration"]
    assert entry.message == "Chèque sans provision"

    # Due again: a new cheque pays it.
    record(booking, staff["billetterie"], reference="CHQ-2000")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PAID
    assert booking.order.state == OrderState.PAID


def test_unpaid_invoices_are_reminded_once_per_interval(invoiced, staff):
    overdue = invoiced()
    paid = invoiced()
    record(paid, staff["billetterie"])
    for booking in (overdue, paid):
        booking.invoice.due_date = timezone.localdate() - timedelta(days=1)
        booking.invoice.save(update_fields=["due_date"])

    assert tasks.remind_unpaid_invoices() >= 1
    assert tasks.remind_unpaid_invoices() == 0  # same interval: nothing more
    key = f"workshop_invoice_reminder:{overdue.invoice.number}:1"
    email = OutboxEmail.objects.get(key=key)
    assert email.to == overdue.email and overdue.invoice.number in email.subject
    assert email.attachments[0]["mimetype"] == "application/pdf"
    assert not OutboxEmail.objects.filter(
        key__startswith=f"workshop_invoice_reminder:{paid.invoice.number}:"
    ).exists()

    later = timezone.now() + services.REMINDER_INTERVAL + timedelta(minutes=1)
    assert services.send_reminders(now=later) >= 1
    assert OutboxEmail.objects.filter(key=f"workshop_invoice_reminder:{overdue.invoice.number}:2")
    assert services.send_reminders(now=later) == 0
    overdue.invoice.refresh_from_db()
    assert overdue.invoice.reminders_sent == 2


def test_an_invoice_not_yet_due_is_not_reminded(invoiced):
    booking = invoiced()
    services.send_reminders()
    assert not OutboxEmail.objects.filter(
        key__startswith=f"workshop_invoice_reminder:{booking.invoice.number}:"
    ).exists()
