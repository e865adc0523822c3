"""A refund whose task was never queued (the broker was down when staff asked for it) is
sent by the periodic job, once."""

from decimal import Decimal

import pytest

from orders import services
from orders.models import RefundState
from orders.tasks import retry_pending_refunds
from tests.conftest import post_webhook
from tests.orders.test_payments import last_event, press

pytestmark = pytest.mark.django_db


def test_a_refund_never_queued_is_sent_by_the_periodic_job(
    client, place, item, fake_stripe, admin_user, django_capture_on_commit_callbacks
):
    order = place((item, 2))
    press(services.start_checkout(order, success_url="http://x/", cancel_url="http://x/"), "pay")
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, last_event(fake_stripe, "checkout.session.completed"))
    # The refund is recorded; its task (dispatched after commit) never reaches a worker.
    services.refund(order, Decimal("20.00"), reason="Une personne", user=admin_user)
    refund = order.refunds.get()
    assert refund.state == RefundState.PENDING and not fake_stripe.refunds

    assert retry_pending_refunds(older_than_seconds=0) == 1
    refund.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    assert [r["amount"] for r in fake_stripe.refunds.values()] == [2000]
    assert retry_pending_refunds(older_than_seconds=0) == 0  # never twice
    assert len(fake_stripe.refunds) == 1


def test_a_recent_refund_is_left_to_its_own_task(client, place, item, fake_stripe, admin_user):
    order = place((item, 2))
    press(services.start_checkout(order, success_url="http://x/", cancel_url="http://x/"), "pay")
    post_webhook(client, last_event(fake_stripe, "checkout.session.completed"))
    services.refund(order, Decimal("20.00"), reason="Une personne", user=admin_user)
    assert retry_pending_refunds() == 0  # under 10 minutes old: its task may be on its way
    assert not fake_stripe.refunds
