"""A buyer cancels one ticket of their paid order from its page (one of two friends cannot
come), until the order's cancellation deadline: that ticket is void, its place back on sale,
its share refunded to the card, the buyer told by email; the order's last ticket goes with the
order (« Annuler la commande »), never alone."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone, translation

from events.models import Attendee
from orders.models import OrderState, Refund
from tests.conftest import plain
from tests.events.test_staff_cancel_ticket import two_paid_tickets
from tests.events.test_staff_dates import active_attendees, mails_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_pair(client, activity, fake_stripe, django_capture_on_commit_callbacks):
    return two_paid_tickets(
        client, activity, fake_stripe, django_capture_on_commit_callbacks, "awa@example.org"
    )


def cancel_links(client, order, language="fr"):
    with translation.override(language):
        url = order.get_absolute_url()
    html = BeautifulSoup(client.get(url).content, "html.parser")
    return [
        (plain(link.get_text(" ", strip=True)), link["href"])
        for link in html.select("a.receipt__cancel-ticket")
    ]


def test_the_buyer_cancels_one_of_two_tickets_and_is_refunded_its_share(
    client, paid_pair, django_capture_on_commit_callbacks
):
    date, order, first, second = paid_pair
    left = date.seats_left()
    links = cancel_links(client, order)
    assert [label for label, _url in links] == [
        "Annuler ce billet (Régulier — billet 1 sur 2)",
        "Annuler ce billet (Régulier — billet 2 sur 2)",
    ]
    url = links[1][1]

    page = plain(BeautifulSoup(client.get(url).content, "html.parser").get_text(" ", strip=True))
    assert "Annuler un billet" in page
    assert "Un remboursement de 25,00 $ sera versé sur votre carte" in page
    assert "les autres billets de la commande restent valables" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    shown = plain(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))
    assert "Le billet est annulé et sa place libérée. 25,00 $ vous sera remboursé" in shown
    assert "Régulier — billet 2 sur 2 (annulé)" in shown

    second.refresh_from_db()
    assert second.cancelled_at is not None
    assert list(active_attendees(order)) == [first]
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.balance == 25
    refund = order.refunds.get()
    assert (refund.amount, refund.state, refund.source) == (25, "succeeded", Refund.Source.BUYER)
    assert date.seats_left() == left + 1
    sent = mails_to("awa@example.org", "Billet annulé")
    assert len(sent) == 1
    body = plain(sent[0].body)
    assert "Vous avez annulé un billet de votre commande" in body
    assert "L'équipe du CÉSIQ a annulé" not in body and "Motif" not in body
    assert "25,00 $ vous sera remboursé" in body
    assert "Les autres billets de la commande restent valables." in body
    # One ticket left: it goes with the order, never alone.
    assert cancel_links(client, order) == []


def test_the_last_ticket_is_never_cancelled_alone(
    client, paid_pair, django_capture_on_commit_callbacks
):
    date, order, first, second = paid_pair
    url = cancel_links(client, order)[0][1]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(cancel_links(client, order)[1][1])
    response = client.post(url, follow=True)
    assert "Ce billet ne peut plus être annulé en ligne." in plain(response.content.decode())
    first.refresh_from_db()
    assert first.cancelled_at is None
    assert order.refunds.count() == 1
    # Nor by calling the service, whatever the page said.
    from events import staff
    from orders.services import OrderError

    with pytest.raises(OrderError, match="dernier billet"):
        staff.cancel_ticket(first, user=None, reason="x", by_buyer=True)


def test_a_wrong_link_shows_nothing_and_changes_nothing(client, paid_pair):
    date, order, first, second = paid_pair
    url = cancel_links(client, order)[0][1]
    assert client.get(url.replace(order.token, "x" * len(order.token))).status_code == 404
    assert client.post(url.replace(first.ticket_code, "Z" * 12)).status_code == 404
    other = Attendee.objects.exclude(order_line__order=order).first()
    if other is not None:
        assert client.post(url.replace(first.ticket_code, other.ticket_code)).status_code == 404
    assert active_attendees(order).count() == 2


def test_after_the_deadline_the_tickets_stay(client, paid_pair, settings):
    date, order, first, second = paid_pair
    url = cancel_links(client, order)[0][1]
    page = date.page.specific
    date.start = timezone.now() + timedelta(hours=page.cancellation_hours - 1)
    date.end = date.start + timedelta(hours=2)
    date.save(update_fields=["start", "end"])
    assert cancel_links(client, order) == []
    response = client.post(url, follow=True)
    assert "Ce billet ne peut plus être annulé en ligne." in plain(response.content.decode())
    assert active_attendees(order).count() == 2


def test_in_english(client, activity, fake_stripe, django_capture_on_commit_callbacks):
    date, order, first, second = two_paid_tickets(
        client,
        activity,
        fake_stripe,
        django_capture_on_commit_callbacks,
        "sam@example.org",
        language="en",
    )
    links = cancel_links(client, order, "en")
    assert links[0][0] == "Cancel this ticket (Regular — ticket 1 of 2)"
    assert "/en/order/" in links[0][1] and "/ticket/" in links[0][1]
    page = client.get(links[0][1]).content.decode()
    assert "Yes, cancel this ticket" in page and "$25.00" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(links[0][1], follow=True)
    assert "The ticket is cancelled and its place freed. $25.00 will be refunded" in (
        response.content.decode()
    )
    body = mails_to("sam@example.org", "Ticket cancelled")[0].body
    assert "You cancelled a ticket of your order" in body


def test_after_one_ticket_then_the_order_the_page_says_both_are_cancelled(
    client, paid_pair, django_capture_on_commit_callbacks
):
    _date, order, _first, _second = paid_pair
    with django_capture_on_commit_callbacks(execute=True):
        client.post(cancel_links(client, order)[1][1])
    with django_capture_on_commit_callbacks(execute=True):
        from orders import services

        services.cancel_by_buyer(order)
    html = BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser")
    quantity = plain(html.select("table.order-lines tbody td.num")[1].get_text(" ", strip=True))
    # Not « 2 dont 1 annulé ou retourné » on an order where nothing is left.
    assert quantity == "2 annulés"


def test_a_ticket_order_whose_debit_clears_can_neither_be_cancelled_nor_paid_again(
    client, activity
):
    """Tickets have a cancellation deadline: the check for a payment on its way must not sit
    only where orders without one are decided."""
    from orders import services
    from orders.models import Payment, PaymentState
    from tests.events.conftest import hold_places

    order = hold_places(activity, 2)
    Payment.objects.create(
        order=order, amount=order.total, state=PaymentState.PENDING, idempotency_key="t:clear"
    )
    assert services.buyer_cancellation_deadline(order) is not None
    assert services.buyer_can_cancel(order) is False
    html = BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser")
    assert "Votre paiement est en traitement." in plain(html.get_text(" ", strip=True))
    assert html.select_one(".receipt__cancel") is None
    assert html.select_one("form.receipt__pay") is None


def test_a_confirmation_sent_again_carries_only_the_valid_tickets(
    paid_pair, django_capture_on_commit_callbacks
):
    """« Renvoyer la confirmation » after one ticket was cancelled sent that ticket as valid,
    QR code and all (« billet 1 sur 2 »)."""
    from events import staff
    from orders import services

    date, order, first, second = paid_pair
    with django_capture_on_commit_callbacks(execute=True):
        staff.cancel_ticket(first, user=None, reason="Ne peut pas venir")
    with django_capture_on_commit_callbacks(execute=True):
        services.email_confirmation(order, key_suffix=":again")
    email = order.emails.get(key__endswith=":again")
    assert first.ticket_code not in email.body_text and first.ticket_code not in email.body_html
    assert second.ticket_code in email.body_text
    assert "billet 1 sur 2" not in email.body_text
    names = [attachment["filename"] for attachment in email.attachments]
    assert f"billet-{second.ticket_code}.png" in names
    assert f"billet-{first.ticket_code}.png" not in names
