"""An invoice paid by cheque or transfer is refunded by hand: an administrator records the
cheque sent back (who, when, reference); Stripe is never asked, and a Stripe refund of such
an order is refused with the way to do it."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders import services as orders
from orders.models import OrderLogEntry, OrderState, OutboxEmail, RefundState
from schools import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_by_cheque(invoiced, staff):
    booking = invoiced(price="180.00")
    services.record_payment(
        booking.invoice,
        method="cheque",
        reference="CHQ-1",
        amount=booking.order.total,
        received_on=timezone.localdate(),
        user=staff["billetterie"],
    )
    booking.refresh_from_db()
    return booking


def test_an_administrator_records_the_cheque_sent_back(client, paid_by_cheque, staff):
    invoice = paid_by_cheque.invoice
    url = reverse("invoice:manual_refund", args=[invoice.pk])
    client.force_login(staff["administration"])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"amount": "180,00", "reference": "CHQ-CESIQ-88", "reason": "Animation annulée"}
    )
    assert response.status_code == 302
    order = paid_by_cheque.order
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert order.balance == Decimal("0.00")
    [refund] = order.refunds.all()
    assert refund.state == RefundState.SUCCEEDED and refund.stripe_refund_id is None
    assert refund.created_by == staff["administration"] and refund.settled_at is not None
    entry = OrderLogEntry.objects.get(order=order, action="manual_refund_recorded")
    assert entry.user == staff["administration"]
    assert entry.data["reference"] == "CHQ-CESIQ-88"
    assert OutboxEmail.objects.filter(key=f"refund_issued:{order.code}:{refund.pk}").exists()
    # Nothing is left to give back.
    with pytest.raises(orders.OrderError):
        orders.record_manual_refund(
            order, "1.00", reference="X", reason="encore", user=staff["administration"]
        )


def test_the_ticketing_team_cannot_record_a_refund(client, paid_by_cheque, staff):
    invoice = paid_by_cheque.invoice
    client.force_login(staff["billetterie"])
    detail = client.get(reverse("invoice:inspect", args=[invoice.pk])).content.decode()
    assert "Enregistrer un remboursement" not in detail
    url = reverse("invoice:manual_refund", args=[invoice.pk])
    response = client.post(url, {"amount": "180,00", "reference": "X", "reason": "Y"})
    assert response.status_code in (302, 403)
    assert not paid_by_cheque.order.refunds.exists()


def test_no_more_than_was_paid_and_a_reference_is_required(paid_by_cheque, staff):
    order = paid_by_cheque.order
    admin = staff["administration"]
    with pytest.raises(orders.OrderError, match="plus que"):
        orders.record_manual_refund(order, "200.00", reference="C-2", reason="R", user=admin)
    with pytest.raises(orders.OrderError, match="référence"):
        orders.record_manual_refund(order, "20.00", reference=" ", reason="R", user=admin)
    refund = orders.record_manual_refund(order, "30.00", reference="C-3", reason="R", user=admin)
    order.refresh_from_db()
    assert refund.amount == Decimal("30.00") and order.state == OrderState.PAID
    assert order.balance == Decimal("150.00")


def test_a_stripe_refund_of_a_cheque_paid_order_is_refused_clearly(paid_by_cheque, staff):
    with pytest.raises(orders.OrderError, match="payée par chèque ou virement"):
        orders.refund(
            paid_by_cheque.order, Decimal("10.00"), reason="geste", user=staff["administration"]
        )
    assert not paid_by_cheque.order.refunds.exists()


def test_a_refund_form_submitted_twice_records_the_refund_once(client, paid_by_cheque, staff):
    url = reverse("invoice:manual_refund", args=[paid_by_cheque.invoice.pk])
    client.force_login(staff["administration"])
    data = {"amount": "90,00", "reference": "CHQ-88", "reason": "Annulée en partie"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 200
    assert (
        "Le remboursement CHQ-88 est déjà enregistré pour cette commande." in again.content.decode()
    )
    order = paid_by_cheque.order
    order.refresh_from_db()
    assert order.refunds.count() == 1
    assert order.balance == Decimal("90.00") and order.state == OrderState.PAID
    # Another cheque, another reference: recorded.
    orders.record_manual_refund(
        order, "10.00", reference="CHQ-89", reason="R", user=staff["administration"]
    )
    assert order.refunds.count() == 2


def test_a_payment_with_a_refund_recorded_against_it_cannot_be_reversed(paid_by_cheque, staff):
    order = paid_by_cheque.order
    admin = staff["administration"]
    orders.record_manual_refund(
        order, "50.00", reference="R1", reason="Un élève absent", user=admin
    )
    recorded = paid_by_cheque.invoice.payments.get()
    with pytest.raises(services.BookingError, match="Des remboursements ont été enregistrés"):
        services.reverse_payment(recorded, user=admin, reason="chèque sans provision")
    order.refresh_from_db()
    recorded.refresh_from_db()
    assert recorded.reversed_at is None
    assert order.state == OrderState.PAID and order.balance == Decimal("130.00")
