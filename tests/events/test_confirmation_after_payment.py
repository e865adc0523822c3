"""The paid webhook records the payment; the confirmation is built by the worker, once.

A buyer registers for the demo's paid workshop and pays on the fake Stripe; Stripe's signed
webhook comes back. Inside that request the order becomes paid and its tickets final, but no
email template is rendered, no QR code drawn: a task queued after the commit writes the
buyer's confirmation (tickets, QR codes, calendar file) and the staff notification to the
outbox. Replays, a second run of the task, the sweep and a broker that was down all end with
exactly one confirmation.
"""

from unittest import mock

import pytest
from django.core import mail
from django.test.signals import template_rendered

from orders import services
from orders.models import Order, OrderSettings, OrderState, OutboxEmail
from orders.tasks import sweep_outbox as sweep
from orders.tasks import write_confirmation
from tests.conftest import post_webhook
from tests.events.conftest import registration_data
from tests.orders.test_payments import last_event, press

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_told(demo_site):
    settings = OrderSettings.load()
    settings.staff_notification_emails = "billetterie@cesiq.example"
    settings.save()


@pytest.fixture
def paid_on_stripe(client, activity, fake_stripe, staff_told, django_capture_on_commit_callbacks):
    """Two tickets for the paid workshop, paid on Stripe's page; returns (order, the
    checkout.session.completed event Stripe sends back)."""
    regular = activity.ticket_types.get(name="Régulier")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            activity.url + "inscription/",
            registration_data(activity, **{f"quantity_{regular.pk}": 2}),
        )
    assert response.status_code == 302
    order = Order.objects.get(buyer_email="awa@example.org")
    status, _location = press(order.payments.get().checkout_url, "pay")
    assert status == 303
    return order, last_event(fake_stripe, "checkout.session.completed")


def confirmations(order):
    return [
        m for m in mail.outbox if m.subject.startswith("Confirmation") and order.code in m.subject
    ]


def staff_notices(order):
    return [
        m for m in mail.outbox if m.to == ["billetterie@cesiq.example"] and order.code in m.subject
    ]


class Rendered:
    """Records every template rendered while it is on (Django's test instrumentation)."""

    def __init__(self):
        self.names = []

    def __call__(self, sender, template, context, **kwargs):
        self.names.append(template.name)

    def __enter__(self):
        template_rendered.connect(self)
        return self

    def __exit__(self, *exc):
        template_rendered.disconnect(self)


def test_the_webhook_records_the_payment_and_the_worker_builds_the_confirmation(
    client, paid_on_stripe, django_capture_on_commit_callbacks
):
    order, event = paid_on_stripe
    mail.outbox.clear()
    with (
        django_capture_on_commit_callbacks(execute=False) as after_commit,
        Rendered() as rendered,
        mock.patch(
            "orders.services.email_confirmation", wraps=services.email_confirmation
        ) as build,
    ):
        response = post_webhook(client, event)
    assert response.status_code == 200

    # The request made the order paid and its tickets final...
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert order.lines.filter(fulfilled=False).count() == 0
    # ... and built no email: no template, no outbox row, only a task to queue after commit.
    assert rendered.names == []
    build.assert_not_called()
    assert not OutboxEmail.objects.filter(order=order).exists()
    assert order.confirmation_queued_at is None
    assert after_commit  # what runs after the commit: the confirmation's task among them

    # After the commit the (eager) worker writes it and the outbox sends it: it arrives once.
    with django_capture_on_commit_callbacks(execute=True), Rendered() as rendered:
        for callback in after_commit:
            callback()
    assert any(name.startswith("orders/email/order_confirmed") for name in rendered.names)
    [confirmation] = confirmations(order)
    assert confirmation.to == ["awa@example.org"]
    names = [attachment.get_filename() for attachment in confirmation.attachments]
    assert any(name.endswith(".ics") for name in names)
    assert any(name.endswith(".png") for name in names)  # the tickets' QR codes
    assert len(staff_notices(order)) == 1
    order.refresh_from_db()
    assert order.confirmation_queued_at is not None


def test_replays_a_second_task_and_the_sweep_confirm_once(
    client, paid_on_stripe, django_capture_on_commit_callbacks
):
    order, event = paid_on_stripe
    mail.outbox.clear()
    for _ in range(3):  # Stripe delivers the event three times
        with django_capture_on_commit_callbacks(execute=True):
            assert post_webhook(client, event).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        write_confirmation.delay(order.pk)  # the task's message delivered twice
        sweep.delay(0)  # and the sweep passing by

    order.refresh_from_db()
    assert order.log_entries.filter(action="payment_received").count() == 1
    assert order.log_entries.filter(action="state:paid").count() == 1
    assert len(confirmations(order)) == 1
    assert len(staff_notices(order)) == 1
    assert OutboxEmail.objects.filter(order=order, state=OutboxEmail.State.SENT).count() == 2


def test_a_broker_down_at_the_payment_loses_no_confirmation(
    client, paid_on_stripe, django_capture_on_commit_callbacks
):
    order, event = paid_on_stripe
    mail.outbox.clear()
    broker_down = mock.patch.object(
        write_confirmation, "delay", side_effect=ConnectionRefusedError("broker down")
    )
    with broker_down, django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(client, event).status_code == 200
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert order.confirmation_queued_at is None
    assert confirmations(order) == []

    # Beat's sweep, once the broker is back, writes and sends it; running it again adds nothing.
    with django_capture_on_commit_callbacks(execute=True):
        sweep.delay(0)
        sweep.delay(0)
    assert len(confirmations(order)) == 1
    assert len(staff_notices(order)) == 1


def test_the_sweep_leaves_recent_payments_to_their_task(
    client, paid_on_stripe, django_capture_on_commit_callbacks
):
    order, event = paid_on_stripe
    with django_capture_on_commit_callbacks(execute=False):
        post_webhook(client, event)  # its task is not run yet
    assert list(services.confirmations_due()) == []  # paid a moment ago: its task has time
    assert list(services.confirmations_due(older_than=services.timedelta(0))) == [order.pk]


def test_an_order_cancelled_before_its_confirmation_is_written_gets_none(
    client, paid_on_stripe, django_capture_on_commit_callbacks
):
    order, event = paid_on_stripe
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False):
        post_webhook(client, event)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_order(Order.objects.get(pk=order.pk), reason="Erreur", refund=False)
        assert services.write_confirmation(order.pk) is True
    assert confirmations(order) == []
    order.refresh_from_db()
    assert order.confirmation_queued_at is not None  # settled: the sweep leaves it alone


def test_the_confirmation_task_sends_its_emails_itself(
    client, paid_on_stripe, django_capture_on_commit_callbacks
):
    """One task for a paid order: its emails are written, then sent by it after its commit,
    not handed to a task each (a task costs the worker more than building the email)."""
    from orders.tasks import send_outbox_email

    order, event = paid_on_stripe
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False):
        post_webhook(client, event)
    with (
        mock.patch.object(send_outbox_email, "delay") as email_task,
        mock.patch.object(send_outbox_email, "apply_async") as email_task_later,
        django_capture_on_commit_callbacks(execute=True),
    ):
        write_confirmation.delay(order.pk)
    email_task.assert_not_called()
    email_task_later.assert_not_called()
    assert len(confirmations(order)) == 1
    assert len(staff_notices(order)) == 1
    assert OutboxEmail.objects.filter(order=order, state=OutboxEmail.State.SENT).count() == 2


def test_an_email_the_server_refuses_is_retried_by_its_own_task(
    client, paid_on_stripe, django_capture_on_commit_callbacks
):
    """The mail server refuses: the confirmation stays written and pending, with the error
    and its backoff recorded, and its own task is queued for when the backoff is over."""
    from orders import outbox
    from orders.tasks import send_outbox_email

    order, event = paid_on_stripe
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False):
        post_webhook(client, event)
    refused = mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=ConnectionRefusedError("mail server down"),
    )
    with (
        refused,
        mock.patch.object(send_outbox_email, "apply_async") as retry,
        django_capture_on_commit_callbacks(execute=True),
    ):
        write_confirmation.delay(order.pk)
    order.refresh_from_db()
    assert order.confirmation_queued_at is not None  # written once, whatever the server said
    pending = OutboxEmail.objects.filter(order=order, state=OutboxEmail.State.PENDING)
    assert pending.count() == 2
    assert all("mail server down" in email.last_error for email in pending)
    assert sorted(call.args[0][0] for call in retry.call_args_list) == sorted(
        pending.values_list("pk", flat=True)
    )
    assert {call.kwargs["countdown"] for call in retry.call_args_list} == {outbox.backoff(1)}

    # The retry (here run at once, its lease expired) sends each one, once.
    OutboxEmail.objects.filter(order=order).update(claimed_until=None)
    for email in pending:
        send_outbox_email.run(email.pk)
    assert len(confirmations(order)) == 1
    assert len(staff_notices(order)) == 1
