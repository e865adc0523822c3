"""What real Stripe does that hurts: disputes, events out of order or malformed, delayed
payments, sessions whose id was never stored, signatures from the future, other API versions.
Each test delivers signed events exactly as Stripe signs them, over the site's webhook."""

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from orders import services, stripe_gateway
from orders.models import (
    Dispute,
    Order,
    OrderState,
    Payment,
    PaymentState,
    Refund,
    RefundState,
    StripeEvent,
)
from tests.conftest import plain, post_webhook
from tests.orders.test_payments import last_event, press

pytestmark = pytest.mark.django_db
D = Decimal
COUNTER = iter(range(10_000))


def event(type_, obj, api_version=None):
    """An event as Stripe sends it (see Stripe's OpenAPI `event` object)."""
    return {
        "id": f"evt_truth_{next(COUNTER)}",
        "object": "event",
        "api_version": api_version or stripe_gateway.API_VERSION,
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type_,
    }


def dispute(payment_intent, status="needs_response", amount=5000, dispute_id="dp_truth_1"):
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "currency": "cad",
        "charge": "ch_truth_1",
        "payment_intent": payment_intent,
        "reason": "fraudulent",
        "status": status,
        "created": int(time.time()),
        "livemode": False,
        "metadata": {},
    }


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    def send(evt, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post_webhook(client, evt, **kwargs)

    return send


def pay_on_checkout(place, item, fake_stripe, capture):
    """An order for 2 × 25 $, paid on the fake Stripe's hosted page; its webhook not yet sent."""
    order = place((item, 2))
    with capture(execute=True):
        url = services.start_checkout(
            order, success_url="http://testserver/ok", cancel_url="http://testserver/no"
        )
    press(url, "pay")
    return order, last_event(fake_stripe, "checkout.session.completed")


@pytest.fixture
def paid_order(place, item, fake_stripe, deliver, django_capture_on_commit_callbacks):
    """An order for 2 × 25 $ paid through the fake Stripe's hosted page and its webhook."""
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    assert deliver(completed).status_code == 200
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    return order, completed


def intent_of(order):
    return order.payments.get(state=PaymentState.PAID).stripe_payment_intent_id


# --- finding 2: disputes ------------------------------------------------------------------------


def test_a_dispute_flags_the_order_and_a_lost_one_takes_the_money(paid_order, deliver):
    order, _completed = paid_order
    intent = intent_of(order)
    assert deliver(event("charge.dispute.created", dispute(intent))).status_code == 200
    order.refresh_from_db()
    assert "Litige ouvert" in order.attention and "50,00" in order.attention
    record = Dispute.objects.get(order=order)
    assert (record.amount, record.status, record.reason) == (
        D("50.00"),
        "needs_response",
        "fraudulent",
    )
    assert order.state == OrderState.PAID  # staff decide; tickets stay valid meanwhile

    deliver(event("charge.dispute.updated", dispute(intent, status="under_review")))
    deliver(event("charge.dispute.closed", dispute(intent, status="lost")))
    order.refresh_from_db()
    assert "Litige perdu" in order.attention
    assert order.balance == D("0.00") and order.paid_amount == D("50.00")
    assert list(
        order.log_entries.filter(action__startswith="dispute_").values_list("action", flat=True)
    ) == [
        "dispute_needs_response",
        "dispute_under_review",
        "dispute_lost",
    ]
    # A late "updated" after the close changes nothing.
    deliver(event("charge.dispute.updated", dispute(intent, status="under_review")))
    assert Dispute.objects.get(order=order).status == "lost"


def test_a_won_dispute_keeps_the_money(paid_order, deliver):
    order, _completed = paid_order
    intent = intent_of(order)
    deliver(event("charge.dispute.created", dispute(intent)))
    deliver(event("charge.dispute.closed", dispute(intent, status="won")))
    order.refresh_from_db()
    assert order.balance == D("50.00") and "Litige gagné" in order.attention


def test_a_lost_dispute_appealed_and_won_gives_the_money_back(paid_order, deliver):
    """Stripe's pinned version appeals lost disputes (`appeal_needs_response`,
    `appeal_under_review`): the money stays with the bank until the appeal is decided."""
    order, _completed = paid_order
    intent = intent_of(order)
    deliver(event("charge.dispute.created", dispute(intent)))
    deliver(event("charge.dispute.closed", dispute(intent, status="lost")))
    record = Dispute.objects.get(order=order)
    lost_on = record.closed_at
    for status in ("appeal_needs_response", "appeal_under_review"):
        evt = event("charge.dispute.updated", dispute(intent, status=status))
        assert deliver(evt).content == f"dispute {status}".encode()
        assert StripeEvent.objects.get(event_id=evt["id"]).status == StripeEvent.Status.APPLIED
        order.refresh_from_db()
        assert order.balance == D("0.00")  # still with the bank
        assert "porté en appel" in order.attention
    record.refresh_from_db()
    assert (record.status, record.closed_at) == ("appeal_under_review", lost_on)

    deliver(event("charge.dispute.closed", dispute(intent, status="won")))
    order.refresh_from_db()
    assert order.balance == D("50.00")
    assert plain(order.attention) == "Litige gagné en appel : 50,00 $ rendu par la banque."
    assert Dispute.objects.get(order=order).status == "won"
    # Late events of the appeal, or of the first loss, change nothing now.
    deliver(event("charge.dispute.updated", dispute(intent, status="appeal_under_review")))
    deliver(event("charge.dispute.closed", dispute(intent, status="lost")))
    assert Dispute.objects.get(order=order).status == "won"
    assert order.balance == D("50.00")


def test_an_appeal_lost_keeps_the_money_with_the_bank_and_the_month_it_left(paid_order, deliver):
    order, _completed = paid_order
    intent = intent_of(order)
    deliver(event("charge.dispute.closed", dispute(intent, status="lost")))
    lost_on = timezone.now() - timedelta(days=60)
    Dispute.objects.filter(order=order).update(closed_at=lost_on)
    deliver(event("charge.dispute.updated", dispute(intent, status="appeal_needs_response")))
    # A step from before the loss, arriving late during the appeal, changes nothing.
    deliver(event("charge.dispute.updated", dispute(intent, status="under_review")))
    record = Dispute.objects.get(order=order)
    assert record.status == "appeal_needs_response"
    order.refresh_from_db()
    assert order.balance == D("0.00")
    deliver(event("charge.dispute.closed", dispute(intent, status="lost")))
    order.refresh_from_db()
    assert order.balance == D("0.00")
    assert plain(order.attention) == "Appel perdu : 50,00 $ reste à la banque."
    record.refresh_from_db()
    # The sales report counts the loss in the month the money left, not the appeal's.
    assert (record.status, record.closed_at) == ("lost", lost_on)


def test_a_lost_dispute_won_on_appeal_without_the_appeal_events(paid_order, deliver):
    order, _completed = paid_order
    intent = intent_of(order)
    deliver(event("charge.dispute.closed", dispute(intent, status="lost")))
    deliver(event("charge.dispute.funds_reinstated", dispute(intent, status="won")))
    order.refresh_from_db()
    assert order.balance == D("50.00") and "gagné en appel" in order.attention


def test_an_inquiry_closed_without_a_chargeback_is_not_said_open(paid_order, deliver):
    order, _completed = paid_order
    intent = intent_of(order)
    deliver(event("charge.dispute.created", dispute(intent, status="warning_needs_response")))
    order.refresh_from_db()
    assert "Litige ouvert" in order.attention
    deliver(event("charge.dispute.closed", dispute(intent, status="warning_closed")))
    order.refresh_from_db()
    assert plain(order.attention) == (
        "Demande de renseignements de la banque close sans rétrofacturation (50,00 $)."
    )
    assert order.balance == D("50.00")
    assert not Dispute.objects.get(order=order).is_open


def test_a_prevented_dispute_takes_nothing_and_says_so(paid_order, deliver):
    """`prevented`: stopped before it became a chargeback (Visa's Rapid Dispute Resolution)."""
    order, _completed = paid_order
    evt = event("charge.dispute.created", dispute(intent_of(order), status="prevented"))
    assert deliver(evt).content == b"dispute prevented"
    order.refresh_from_db()
    assert order.balance == D("50.00")
    assert plain(order.attention).startswith("Litige évité avant la rétrofacturation (50,00 $)")
    record = Dispute.objects.get(order=order)
    assert not record.is_open and record.closed_at is not None


# --- finding 3: events in any order -------------------------------------------------------------


def test_a_refund_that_arrives_before_the_payment_is_applied_once_the_payment_is_known(
    place, item, fake_stripe, deliver, django_capture_on_commit_callbacks
):
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    intent = completed["data"]["object"]["payment_intent"]
    charge = {
        "id": "ch_early",
        "object": "charge",
        "amount": 5000,
        "amount_refunded": 5000,
        "currency": "cad",
        "payment_intent": intent,
        "refunded": True,
        "status": "succeeded",
    }
    early = event("charge.refunded", charge)
    response = deliver(early)
    assert response.status_code == 200 and response.content == b"deferred"
    refunded = {
        "id": "re_early",
        "object": "refund",
        "amount": 5000,
        "currency": "cad",
        "payment_intent": intent,
        "status": "succeeded",
        "metadata": {},
    }
    assert deliver(event("refund.created", refunded)).content == b"deferred"
    assert StripeEvent.objects.get(event_id=early["id"]).status == "deferred"
    assert deliver(early).content == b"replay"  # Stripe sending it again changes nothing

    deliver(completed)
    order.refresh_from_db()
    assert order.paid_amount == D("50.00")
    assert order.refunded_amount == D("50.00")
    assert order.state == OrderState.REFUNDED
    assert StripeEvent.objects.get(event_id=early["id"]).status == "applied"
    assert order.refunds.count() == 1


def test_a_dispute_before_the_payment_is_kept_too(
    place, item, fake_stripe, deliver, django_capture_on_commit_callbacks
):
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    intent = completed["data"]["object"]["payment_intent"]
    assert deliver(event("charge.dispute.created", dispute(intent))).content == b"deferred"
    deliver(completed)
    assert Dispute.objects.filter(order=order).count() == 1


def test_a_handler_failing_halfway_leaves_nothing_and_the_event_is_kept_for_the_sweep(
    place, item, fake_stripe, deliver, django_capture_on_commit_callbacks, monkeypatch
):
    """No savepoint around the handler: the event's transaction rolls back whole, and the
    event is then recorded on its own, with its payload, for the sweep to apply later."""
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)

    def broken_confirm(order, message=""):
        raise RuntimeError(message)  # after the payment was marked paid and logged

    monkeypatch.setattr(services, "confirm", broken_confirm)
    response = deliver(completed)
    assert response.status_code == 200 and response.content == b"deferred: error"
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert order.payments.get().state == PaymentState.CREATED
    assert not order.log_entries.filter(action="payment_received").exists()
    kept = StripeEvent.objects.get(event_id=completed["id"])
    assert kept.status == "deferred" and kept.outcome.startswith("error: RuntimeError")
    assert kept.payload == completed["data"]["object"]
    assert deliver(completed).content == b"replay"

    # Still broken when the sweep comes: kept, with the new error.
    monkeypatch.setattr(services, "confirm", lambda order, message="": broken_confirm(order, "2"))
    assert services.apply_deferred_events() == 0
    kept.refresh_from_db()
    assert kept.status == "deferred" and kept.outcome == "error: RuntimeError('2')"
    assert order.payments.get().state == PaymentState.CREATED

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.apply_deferred_events() == 1
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert order.log_entries.filter(action="payment_received").count() == 1
    assert StripeEvent.objects.get(event_id=completed["id"]).status == "applied"


def test_a_malformed_event_is_recorded_as_ignored_once_and_changes_nothing(
    place, item, fake_stripe, deliver, django_capture_on_commit_callbacks
):
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    completed["data"]["object"]["amount_total"] = "50.00"  # Stripe sends cents, as an integer
    assert deliver(completed).content == b"ignored: malformed"
    recorded = StripeEvent.objects.get(event_id=completed["id"])
    assert (recorded.status, recorded.outcome, recorded.payload) == ("ignored", "malformed", None)
    order.refresh_from_db()
    assert order.state == OrderState.PENDING and order.payments.get().state == PaymentState.CREATED
    assert deliver(completed).content == b"replay"


# --- finding 4: a payment still clearing ---------------------------------------------------------


def test_an_order_is_never_expired_while_its_payment_clears(
    place, item, fake_stripe, deliver, django_capture_on_commit_callbacks
):
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    unpaid = json.loads(json.dumps(completed))
    unpaid["id"] = "evt_unpaid_1"
    unpaid["data"]["object"]["payment_status"] = "unpaid"
    assert deliver(unpaid).content == b"processing"
    order.refresh_from_db()
    # The hold covers the clearing time: the places stay taken, and the sweep leaves it alone.
    assert order.expires_at > timezone.now() + timedelta(days=5)
    assert item.available(timezone.now() + timedelta(days=1)) == 8
    assert services.expire_order(order, now=order.expires_at + timedelta(minutes=1)) is False
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert not [m for m in mail.outbox if "expiré" in m.subject]

    succeeded = json.loads(json.dumps(completed))
    succeeded["id"], succeeded["type"] = "evt_async_ok", "checkout.session.async_payment_succeeded"
    deliver(succeeded)
    order.refresh_from_db()
    assert order.state == OrderState.PAID


def test_while_a_payment_clears_the_buyer_can_neither_pay_again_nor_cancel(
    client, place, item, fake_stripe, deliver, django_capture_on_commit_callbacks
):
    from bs4 import BeautifulSoup

    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    unpaid = json.loads(json.dumps(completed))
    unpaid["id"] = "evt_unpaid_3"
    unpaid["data"]["object"]["payment_status"] = "unpaid"
    deliver(unpaid)
    html = BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser")
    shown = plain(html.get_text(" ", strip=True))
    assert "Votre paiement est en traitement." in shown
    assert "Vous n'avez rien d'autre à payer." in shown
    # Paying again would take the money twice; cancelling, for an order the money comes to.
    assert "Vous n'avez pas encore payé" not in shown
    assert html.select_one("form.receipt__pay") is None
    assert html.select_one(".receipt__cancel") is None
    assert services.buyer_can_cancel(order) is False
    with pytest.raises(services.OrderError):
        services.cancel_by_buyer(order)
    # Nor a second payment by the order's « Payer » address (the button hidden, posted all
    # the same).
    with pytest.raises(services.OrderError, match="vous n'avez rien d'autre à payer"):
        services.start_checkout(order, success_url="http://testserver/ok", cancel_url="http://t/no")

    # Staff are told, on the cancel page, what happens to the money on its way.
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    staff = Client()
    staff.force_login(get_user_model().objects.create_superuser("caisse", "c@example.org", "pw"))
    page = plain(
        BeautifulSoup(
            staff.get(reverse("order:cancel", args=[order.pk])).content, "html.parser"
        ).get_text(" ", strip=True)
    )
    assert "est en traitement (débit préautorisé) : s'il arrive après l'annulation" in page
    # Staff cancel it all the same; the debit then arrives and is given back, as what it is.
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_order(order, reason="Annulée à la demande")
    succeeded = json.loads(json.dumps(completed))
    succeeded["id"], succeeded["type"] = (
        "evt_async_ok_3",
        "checkout.session.async_payment_succeeded",
    )
    deliver(succeeded)
    refund = order.refunds.get()
    assert refund.reason == "Paiement reçu après l'annulation de la commande"
    assert refund.amount == D("50.00")
    # The buyer's page says so where it says « annulée », not only in the list below.
    shown = plain(
        BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser").get_text(" ")
    )
    assert "Cette commande a été annulée. Ce qui a été payé vous est remboursé" in shown


def test_a_failed_delayed_payment_gives_the_places_back(
    place, item, fake_stripe, deliver, django_capture_on_commit_callbacks
):
    order, completed = pay_on_checkout(place, item, fake_stripe, django_capture_on_commit_callbacks)
    unpaid = json.loads(json.dumps(completed))
    unpaid["id"] = "evt_unpaid_2"
    unpaid["data"]["object"]["payment_status"] = "unpaid"
    deliver(unpaid)
    failed = json.loads(json.dumps(unpaid))
    failed["id"], failed["type"] = "evt_async_ko", "checkout.session.async_payment_failed"
    deliver(failed)
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED
    assert item.available(timezone.now()) == 10


def test_checkout_asks_only_for_the_payment_methods_the_site_handles(
    place, item, fake_stripe, django_capture_on_commit_callbacks
):
    order = place((item, 1))
    with django_capture_on_commit_callbacks(execute=True):
        services.start_checkout(
            order, success_url="http://testserver/ok", cancel_url="http://testserver/no"
        )
    [create] = [r for r in fake_stripe.requests if r["path"] == "/v1/checkout/sessions"]
    assert create["params"]["allowed_payment_method_types"] == ["card"]
    assert "payment_method_types" not in create["params"]


# --- finding 5: a session whose id was never stored -------------------------------------------


def test_a_session_found_by_its_metadata_when_its_id_was_lost(paid_order, deliver, item, place):
    order = place((item, 1))
    payment = Payment.objects.create(
        order=order, amount=order.total, idempotency_key=f"checkout:{order.code}:1"
    )
    session = {
        "id": "cs_test_lost",
        "object": "checkout.session",
        "amount_total": 2500,
        "currency": "cad",
        "client_reference_id": order.code,
        "metadata": {"order": order.code, "payment": str(payment.pk)},
        "mode": "payment",
        "payment_intent": "pi_lost_1",
        "payment_status": "paid",
        "status": "complete",
    }
    assert deliver(event("checkout.session.completed", session)).content == b"paid"
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.state == OrderState.PAID
    assert payment.stripe_session_id == "cs_test_lost"


# --- finding 6: what a signed event may hold -----------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"id": "evt_no_type", "data": {"object": {}}},
        {"id": "evt_no_object", "type": "checkout.session.completed", "data": {}},
        {"id": "evt_str_object", "type": "charge.refunded", "data": {"object": "x"}},
        {
            "id": "evt_bad_amount",
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "id": "cs_x",
                    "payment_status": "paid",
                    "amount_total": "lots",
                    "currency": "cad",
                    "metadata": {"order": "NOPE"},
                }
            },
        },
        {"id": "evt_bad_refund", "type": "refund.updated", "data": {"object": {"id": 5}}},
        {
            "id": "evt_bad_dispute",
            "type": "charge.dispute.created",
            "data": {"object": {"id": "dp_x", "status": "nonsense", "amount": 1}},
        },
        {
            "id": "evt_free",
            "type": "checkout.session.completed",
            "data": {
                "object": {
                    "id": "cs_free",
                    "payment_status": "no_payment_required",
                    "amount_total": 0,
                    "currency": "cad",
                }
            },
        },
        {"id": "evt_unknown_type", "type": "customer.created", "data": {"object": {}}},
    ],
)
def test_any_signed_body_is_answered_2xx_and_changes_nothing(paid_order, deliver, body):
    order, _completed = paid_order
    before = (order.state, order.balance, order.refunds.count())
    response = deliver(body)
    assert response.status_code == 200, response.content
    order.refresh_from_db()
    assert (order.state, order.balance, order.refunds.count()) == before


def test_a_signature_from_the_future_is_refused(paid_order, deliver):
    order, completed = paid_order
    intent = intent_of(order)
    forged = event("charge.dispute.created", dispute(intent))
    assert deliver(forged, timestamp=int(time.time()) + 3600).status_code == 400
    assert deliver(forged, timestamp=int(time.time()) - 3600).status_code == 400
    assert not Dispute.objects.exists()


def test_the_previous_secret_is_accepted_during_a_rotation(paid_order, deliver, settings):
    order, _completed = paid_order
    settings.STRIPE_WEBHOOK_SECRET_PREVIOUS = "whsec_previous"
    evt = event("charge.dispute.created", dispute(intent_of(order)))
    assert deliver(evt, secret="whsec_previous").status_code == 200
    assert (
        deliver(
            event("charge.dispute.created", dispute(intent_of(order), dispute_id="dp_2")),
            secret="whsec_other",
        ).status_code
        == 400
    )


def test_an_event_of_another_api_version_is_logged(paid_order, deliver, caplog):
    order, _completed = paid_order
    evt = event("charge.dispute.created", dispute(intent_of(order)), api_version="2020-08-27")
    with caplog.at_level("WARNING", logger="orders.services"):
        assert deliver(evt).status_code == 200
    assert "2020-08-27" in caplog.text and stripe_gateway.API_VERSION in caplog.text
    assert StripeEvent.objects.get(event_id=evt["id"]).api_version == "2020-08-27"


# --- finding 1: refunds that are pending, then succeed or fail -----------------------------------


def refund_obj(refund, status, failure_reason=None):
    return {
        "id": refund.stripe_refund_id or "re_truth",
        "object": "refund",
        "amount": int(refund.amount * 100),
        "currency": "cad",
        "payment_intent": refund.payment.stripe_payment_intent_id,
        "status": status,
        "failure_reason": failure_reason,
        "metadata": {"order": refund.order.code, "refund": str(refund.pk)},
    }


def test_a_failed_refund_flags_the_order_and_tells_the_buyer_nothing(paid_order, deliver):
    order, _completed = paid_order
    refund = services.refund(order, D("20.00"), reason="Geste")
    refund.refresh_from_db()
    mail.outbox.clear()
    deliver(event("refund.failed", refund_obj(refund, "failed", "expired_or_canceled_card")))
    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.state == RefundState.FAILED
    assert refund.failure_reason == "expired_or_canceled_card"
    # In words staff read, Stripe's code beside for its support.
    assert "a échoué (carte expirée ou annulée : expired_or_canceled_card)" in plain(
        order.attention
    )
    assert order.balance == D("50.00") and order.state == OrderState.PAID
    assert not [m for m in mail.outbox if m.to == ["awa@example.org"]]


def staff_refund(order, key):
    """A refund of 10 $ staff asked for, not yet known to Stripe."""
    return Refund.objects.create(
        order=order,
        payment=order.payments.get(state=PaymentState.PAID),
        amount=D("10.00"),
        reason="Geste",
        source=Refund.Source.STAFF,
        idempotency_key=key,
    )


def test_a_refund_pending_at_stripe_is_not_told_as_done(paid_order, deliver):
    order, _completed = paid_order
    refund = staff_refund(order, "refund:truth:1")
    mail.outbox.clear()
    deliver(event("refund.created", refund_obj(refund, "pending")))
    refund.refresh_from_db()
    assert refund.state == RefundState.PENDING and refund.stripe_status == "pending"
    assert order.refunded_amount == D("0.00")
    assert not [m for m in mail.outbox if m.to == ["awa@example.org"]]
    deliver(event("refund.updated", refund_obj(refund, "succeeded")))
    refund.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    assert Order.objects.get(pk=order.pk).refunded_amount == D("10.00")
    assert [m for m in mail.outbox if m.to == ["awa@example.org"] and "Remboursement" in m.subject]


def test_a_late_refund_created_does_not_put_its_status_back_to_pending(paid_order, deliver):
    """refund.created (pending) may reach the site after refund.updated (succeeded): what staff
    read of Stripe's status stays the newer one."""
    order, _completed = paid_order
    refund = staff_refund(order, "refund:truth:late")
    deliver(event("refund.updated", refund_obj(refund, "succeeded")))
    deliver(event("refund.created", refund_obj(refund, "pending")))
    refund.refresh_from_db()
    assert (refund.state, refund.stripe_status) == (RefundState.SUCCEEDED, "succeeded")
    # A refund that succeeded may still fail: that status does move on.
    deliver(event("refund.failed", refund_obj(refund, "failed", "expired_or_canceled_card")))
    refund.refresh_from_db()
    assert (refund.state, refund.stripe_status) == (RefundState.FAILED, "failed")
    order.refresh_from_db()
    assert "a échoué après avoir été accepté" in plain(order.attention)


# --- the same outcomes produced by the fake Stripe over HTTP --------------------------------------


@pytest.mark.parametrize("outcome", ["succeeded", "failed"])
def test_a_refund_stripe_answers_pending_settles_days_later(
    paid_order, fake_stripe, deliver, django_capture_on_commit_callbacks, outcome
):
    order, _completed = paid_order
    fake_stripe.next_refund("pending", then=outcome, after=3 * 24 * 3600)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.refund(order, D("20.00"), reason="Geste")
    refund = order.refunds.get()
    assert (refund.state, refund.stripe_status) == (RefundState.PENDING, "pending")
    order.refresh_from_db()
    assert order.refunded_amount == D("0.00") and order.state == OrderState.PAID
    assert not [m for m in mail.outbox if m.to == ["awa@example.org"]]  # nothing told yet

    events = fake_stripe.advance(4 * 24 * 3600)
    assert events, "the fake settles the refund on its clock"
    for evt in events + events[:1]:  # and Stripe sends one of them twice
        assert deliver(evt).status_code == 200
    refund.refresh_from_db()
    order.refresh_from_db()
    to_buyer = [m for m in mail.outbox if m.to == ["awa@example.org"]]
    if outcome == "succeeded":
        assert refund.state == RefundState.SUCCEEDED
        assert order.refunded_amount == D("20.00")
        assert len([m for m in to_buyer if "Remboursement" in m.subject]) == 1
    else:
        assert refund.state == RefundState.FAILED and refund.failure_reason
        assert order.refunded_amount == D("0.00") and "a échoué" in order.attention
        assert not to_buyer


def test_a_dispute_from_the_fake_flags_the_order(paid_order, fake_stripe, deliver):
    order, _completed = paid_order
    disputed = fake_stripe.dispute(intent_of(order))
    for evt in [e for e in fake_stripe.events if e["type"].startswith("charge.dispute.")]:
        assert deliver(evt).status_code == 200
    fake_stripe.close_dispute(disputed["id"], "lost")
    deliver(last_event(fake_stripe, "charge.dispute.closed"))
    order.refresh_from_db()
    assert "Litige perdu" in order.attention and order.balance == D("0.00")
    assert not order.disputes.get().is_open
