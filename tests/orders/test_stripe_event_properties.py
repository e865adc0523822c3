"""Any sequence of Stripe events for one order, in any order and with duplicates, leaves the
order true: what it shows received and refunded is what the events say, its state only moves
forward, its lines are final only once paid, and every email to the buyer matches a state it
reached. Hypothesis generates the sequences, with a fixed budget so CI stays bounded."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders import services, stripe_gateway
from orders.models import ORDER_TRANSITIONS, Order, OrderState, Payment, RefundState

pytestmark = pytest.mark.django_db

PAID, UNPAID = "paid", "unpaid"
KINDS = [
    "completed_paid",
    "completed_unpaid",
    "async_succeeded",
    "async_failed",
    "expired",
    "refunded_20",
    "refunded_50",
    "refund_succeeded",
    "refund_failed",
    "dispute_created",
    "dispute_lost",
    "dispute_won",
]


class Rollback(Exception):
    pass


def reachable(state):
    """Every state reachable from `state` by forward moves."""
    seen, todo = set(), [OrderState(state)]
    while todo:
        for nxt in ORDER_TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def make_events(order, session_id, intent):
    session = {
        "id": session_id,
        "object": "checkout.session",
        "amount_total": 5000,
        "currency": "cad",
        "client_reference_id": order.code,
        "metadata": {"order": order.code},
        "mode": "payment",
        "payment_intent": intent,
        "status": "complete",
    }

    def charge(amount):
        return {
            "id": "ch_prop",
            "object": "charge",
            "amount": 5000,
            "amount_refunded": amount,
            "currency": "cad",
            "payment_intent": intent,
        }

    def refund(status):
        return {
            "id": "re_prop",
            "object": "refund",
            "amount": 2000,
            "currency": "cad",
            "payment_intent": intent,
            "status": status,
            "failure_reason": "lost_or_stolen_card" if status == "failed" else None,
            "metadata": {},
        }

    def dispute(status):
        return {
            "id": "dp_prop",
            "object": "dispute",
            "amount": 5000,
            "currency": "cad",
            "payment_intent": intent,
            "reason": "fraudulent",
            "status": status,
        }

    objects = {
        "completed_paid": ("checkout.session.completed", {**session, "payment_status": PAID}),
        "completed_unpaid": ("checkout.session.completed", {**session, "payment_status": UNPAID}),
        "async_succeeded": (
            "checkout.session.async_payment_succeeded",
            {**session, "payment_status": PAID},
        ),
        "async_failed": (
            "checkout.session.async_payment_failed",
            {**session, "payment_status": UNPAID},
        ),
        "expired": (
            "checkout.session.expired",
            {**session, "status": "expired", "payment_status": UNPAID},
        ),
        "refunded_20": ("charge.refunded", charge(2000)),
        "refunded_50": ("charge.refunded", charge(5000)),
        "refund_succeeded": ("refund.updated", refund("succeeded")),
        "refund_failed": ("refund.failed", refund("failed")),
        "dispute_created": ("charge.dispute.created", dispute("needs_response")),
        "dispute_lost": ("charge.dispute.closed", dispute("lost")),
        "dispute_won": ("charge.dispute.closed", dispute("won")),
    }
    return {
        kind: {
            "id": f"evt_prop_{kind}",
            "object": "event",
            "api_version": stripe_gateway.API_VERSION,
            "created": int(time.time()),
            "type": type_,
            "data": {"object": obj},
        }
        for kind, (type_, obj) in objects.items()
    }


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(st.sampled_from(KINDS), min_size=1, max_size=8))
def test_any_sequence_of_events_keeps_the_order_true(
    sequence, make_item, django_capture_on_commit_callbacks
):
    try:
        with transaction.atomic():
            check_sequence(sequence, make_item, django_capture_on_commit_callbacks)
            raise Rollback
    except Rollback:
        pass


def check_sequence(sequence, make_item, capture):
    mail.outbox.clear()
    item = make_item(name="Atelier", price=Decimal("25.00"), capacity=10)
    now = timezone.now()
    with capture(execute=True):
        order = services.place_order(
            kind="tickets",
            buyer_name="Awa",
            buyer_email="awa@example.org",
            language="fr",
            selections=[services.Selection(item=item, quantity=2)],
            now=now,
        )
    Payment.objects.create(
        order=order,
        amount=order.total,
        idempotency_key=f"checkout:{order.code}:1",
        stripe_session_id=f"cs_prop_{order.code}",
    )
    events = make_events(order, f"cs_prop_{order.code}", f"pi_prop_{order.code}")
    states = [order.state]
    delivered = []
    for kind in sequence:
        with capture(execute=True):
            services.handle_stripe_event(events[kind])
        delivered.append(kind)
        order = Order.objects.get(pk=order.pk)
        if order.state != states[-1]:
            assert order.state in reachable(states[-1]), (states, order.state, delivered)
            states.append(order.state)

    paid_events = {"completed_paid", "async_succeeded"}
    got_paid = bool(paid_events & set(sequence))
    # Money received: once, whatever the number of deliveries.
    assert order.paid_amount == (Decimal("50.00") if got_paid else Decimal("0.00")), delivered
    assert order.payments.filter(state="paid").count() == int(got_paid)
    # Money refunded: what Stripe said, counted once (the dashboard refund may be known by its
    # cumulative amount and by its own events).
    if got_paid:
        refunded = max(
            [2000 for k in sequence if k == "refunded_20"]
            + [5000 for k in sequence if k == "refunded_50"]
            + [0]
        )
        succeeded = order.refunds.filter(state=RefundState.SUCCEEDED)
        assert order.refunded_amount <= Decimal(refunded) / 100 + Decimal("20.00"), delivered
        assert order.refunded_amount >= Decimal("0.00")
        assert succeeded.count() <= 3
        lost = "dispute_lost" in sequence and sequence.index("dispute_lost") >= 0
        if not lost:
            assert order.balance == order.paid_amount - order.refunded_amount
    else:
        assert order.refunds.count() == 0
    # Lines are final only once the order has been paid.
    if any(line.fulfilled for line in order.lines.all()):
        assert OrderState.PAID in states, (states, delivered)
    # Every email to the buyer matches a state the order reached.
    subjects = [m.subject for m in mail.outbox if m.to == ["awa@example.org"]]
    for subject in subjects:
        if subject.startswith("Confirmation"):
            assert OrderState.PAID in states, (subject, states, delivered)
        elif "expiré" in subject:
            assert OrderState.EXPIRED in states, (subject, states, delivered)
        elif subject.startswith("Remboursement"):
            assert order.refunds.filter(state=RefundState.SUCCEEDED).exists() or (
                order.refunds.filter(state=RefundState.FAILED, settled_at__isnull=False).exists()
            ), (subject, delivered)
    assert len(subjects) == len(set(subjects)) or any(
        s.startswith("Remboursement") for s in subjects
    ), subjects
    # An order never expires while money for it is on its way.
    if order.state == OrderState.EXPIRED:
        assert not order.payments.filter(state="pending").exists(), delivered
    assert order.expires_at <= now + timedelta(days=30)
