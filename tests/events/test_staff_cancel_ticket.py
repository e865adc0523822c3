"""Staff cancel one ticket of a confirmed order (the person cannot come, a duplicate) from the
date's list of attendees: that ticket is void at the door, its place goes back on sale and to
the waiting list, its share is refunded through Stripe (or not, by choice), the buyer is
told; the order's other tickets stay valid."""

import pytest
from django.core import mail
from django.urls import reverse

from events import checkin, staff
from events.models import Attendee, WaitingListEntry
from orders.models import OrderState
from orders.services import OrderError
from tests.conftest import plain
from tests.events.test_staff_dates import (
    active_attendees,
    free_registration,
    mails_to,
    pay,
    register,
    text,
)

pytestmark = pytest.mark.django_db


def two_paid_tickets(client, activity, fake_stripe, capture, email, language="fr"):
    """Two regular tickets (25 $ each) for the activity's first date, registered and paid
    through the public form and the fake Stripe: (date, order, first, second attendee)."""
    date = activity.source.upcoming_dates[0]
    order = register(
        client,
        activity,
        email=email,
        date=date,
        tickets={"Régulier": 2},
        capture=capture,
        language=language,
    )
    order = pay(client, order, fake_stripe, capture)
    first, second = Attendee.objects.filter(order_line__order=order).order_by("pk")
    return date, order, first, second


@pytest.fixture
def paid_pair(client, activity, fake_stripe, django_capture_on_commit_callbacks):
    """Awa paid two regular tickets (25 $ each) for the activity's first date, one in Léa's
    name."""
    date, order, first, second = two_paid_tickets(
        client, activity, fake_stripe, django_capture_on_commit_callbacks, "awa@example.org"
    )
    second.name = "Léa Tremblay"
    second.save(update_fields=["name"])
    return date, order, first, second


def test_cancelling_one_ticket_refunds_its_share_frees_its_place_and_tells_the_buyer(
    client, paid_pair, director, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    date, order, awa, lea = paid_pair
    assert order.total == 50
    left = date.seats_left()

    with capture(execute=True):
        refund, emailed = staff.cancel_ticket(
            lea, user=director, reason="Léa est malade ce jour-là."
        )

    assert emailed
    refund.refresh_from_db()  # Stripe answered once the cancellation was committed
    assert (refund.amount, refund.state, refund.created_by) == (25, "succeeded", director)
    assert "Léa Tremblay" in refund.reason and "Léa est malade" in refund.reason
    lea.refresh_from_db()
    assert lea.cancelled_at is not None
    assert list(active_attendees(order)) == [awa]
    order.refresh_from_db()
    assert order.state == OrderState.PAID  # Awa still comes
    assert order.balance == 25
    entry = order.log_entries.get(action="ticket_cancelled", user=director)
    assert (entry.data["amount"], entry.data["kept"]) == ("25.00", False)
    # One entry in the order's history, « Billet annulé », not « Articles retournés » as well
    # (which the shop's history of a parcel lists).
    assert not order.log_entries.filter(action="line_returned").exists()
    date.refresh_from_db()
    assert date.seats_left() == left + 1
    # Void at the door; Awa's ticket still lets her in.
    assert checkin.check_in(date, lea.ticket_code, user=director).status != "ok"
    awa.refresh_from_db()
    assert checkin.is_valid(awa)
    # The buyer is told why and how much comes back, then Stripe's refund is confirmed.
    [message] = mails_to("awa@example.org", "Billet annulé")
    body = plain(message.body)
    assert plain(message.subject) == "Billet annulé : Atelier : consommer équitable au quotidien"
    assert "« Régulier »" in body and "au nom de Léa Tremblay" in body
    assert "Motif : Léa est malade ce jour-là." in body
    assert "25,00 $ vous sera remboursé" in body
    assert "Les autres billets de la commande restent valables." in body
    assert mails_to("awa@example.org", f"Remboursement de votre commande {order.code}")
    # The buyer's receipt page: that ticket marked cancelled, the line's count says so.
    receipt = plain(text(client.get(order.get_absolute_url())))
    assert "Régulier — Léa Tremblay (annulé)" in receipt
    assert "dont 1 annulé ou retourné" in receipt

    # Twice is refused and changes nothing more.
    sent = len(mail.outbox)
    with pytest.raises(OrderError, match="déjà annulé"):
        staff.cancel_ticket(lea, user=director, reason="Encore.")
    assert order.refunds.count() == 1 and len(mail.outbox) == sent

    # The last ticket too: everything paid is back, the order is refunded.
    with capture(execute=True):
        refund, _ = staff.cancel_ticket(awa, user=director, reason="Awa non plus.")
    assert refund.amount == 25
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED and order.balance == 0
    [last] = mails_to("awa@example.org", "Billet annulé")[1:]
    assert "restent valables" not in last.body


def test_a_ticket_cancelled_without_refund_frees_its_place_and_stays_unrefunded(
    client, paid_pair, director, django_capture_on_commit_callbacks
):
    """A no-refund policy holds: the buyer is told, and cancelling the rest of the order
    later gives back the rest, not the ticket staff kept (the newcomer got all 40 $ back)."""
    date, order, awa, lea = paid_pair
    left = date.seats_left()
    with django_capture_on_commit_callbacks(execute=True):
        refund, _ = staff.cancel_ticket(
            awa, user=director, reason="Billet non remboursable.", refund=False
        )
    assert refund is None and not order.refunds.exists()
    date.refresh_from_db()
    assert date.seats_left() == left + 1
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.balance == 50 and order.kept_amount == 25
    [message] = mails_to("awa@example.org", "Billet annulé")
    body = plain(message.body)
    assert "vous sera remboursé" not in body
    assert "Ce billet n'est pas remboursé (25,00 $), selon les conditions de l'activité." in body
    receipt = plain(text(client.get(order.get_absolute_url())))
    assert "non remboursé (billets ou articles annulés sans remboursement) : 25,00 $" in receipt

    # The buyer cancels what is left: 25 $ back, for Léa's ticket alone.
    cancel_url = order.get_absolute_url() + "annuler/"
    page = plain(text(client.get(cancel_url)))
    assert "Un remboursement de 25,00 $ sera versé" in page
    assert "1 × " in page and "2 × " not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(cancel_url)
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert [r.amount for r in order.refunds.all()] == [25]
    # Its email says so too: what was left, and what comes back.
    [cancelled] = mails_to("awa@example.org", f"Commande {order.code} annulée")
    body = plain(cancelled.body)
    assert "Un remboursement de 25,00 $ vous sera versé" in body
    assert "- 1 × " in body and "2 × " not in body


def test_staff_cancelling_the_rest_are_offered_what_is_left(
    admin_client, paid_pair, director, django_capture_on_commit_callbacks
):
    _date, order, awa, _lea = paid_pair
    with django_capture_on_commit_callbacks(execute=True):
        staff.cancel_ticket(awa, user=director, reason="Non remboursable.", refund=False)
    form = plain(text(admin_client.get(reverse("order:cancel", args=[order.pk]))))
    assert "Rembourser ce qui a été payé (25,00 $)" in form
    refund_form = plain(text(admin_client.get(reverse("order:refund", args=[order.pk]))))
    assert "Gardé sans remboursement (billets ou articles annulés) : 25,00 $" in refund_form


def test_a_refund_by_staff_gives_back_what_was_kept_first(
    client, paid_pair, director, django_capture_on_commit_callbacks
):
    """Kept 25 $, then a 10 $ gesture: cancelling the last ticket still refunds it whole."""
    from decimal import Decimal

    from orders import services

    _date, order, awa, _lea = paid_pair
    with django_capture_on_commit_callbacks(execute=True):
        staff.cancel_ticket(awa, user=director, reason="Non remboursable.", refund=False)
        services.refund(order, Decimal("10.00"), reason="Geste", user=director)
    order.refresh_from_db()
    assert order.kept_amount == 15 and order.balance == 40
    with django_capture_on_commit_callbacks(execute=True):
        client.post(order.get_absolute_url() + "annuler/")
    order.refresh_from_db()
    assert sorted(r.amount for r in order.refunds.all()) == [10, 25]
    assert order.balance == 15


def test_a_ticket_paid_by_cheque_is_flagged_to_refund_by_hand(
    admin_client, paid_pair, director, django_capture_on_commit_callbacks
):
    date, order, _awa, lea = paid_pair
    order.payments.update(provider="cheque")  # an invoice the school paid by cheque
    url = reverse("events_staff:cancel_ticket", args=[date.pk, lea.pk])
    assert "Rembourser 25,00 $ à la main" in plain(text(admin_client.get(url)))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"reason": "Malade.", "refund": "on", "confirm": "on"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert not order.refunds.exists() and order.kept_amount == 0
    assert "rembourser 25,00 $ à la main" in plain(order.attention)
    [message] = mails_to("awa@example.org", "Billet annulé")
    assert "25,00 $ vous sera remboursé par chèque ou virement" in plain(message.body)


def test_a_ticket_of_a_date_that_is_over_is_not_cancelled(paid_pair, director):
    from datetime import timedelta

    date, order, awa, _lea = paid_pair
    with pytest.raises(OrderError, match="Cette date est passée"):
        staff.cancel_ticket(
            awa, user=director, reason="Trop tard.", now=date.end + timedelta(minutes=1)
        )
    assert not order.refunds.exists() and active_attendees(order).count() == 2


def test_the_freed_place_is_offered_to_the_waiting_list(
    client, free_activity, director, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    date, order = free_registration(client, free_activity, capture, places=2)
    date.capacity = 2
    date.save(update_fields=["capacity"])
    assert date.seats_left() == 0
    entry = WaitingListEntry.objects.create(
        date=date, name="Léa", email="lea@example.org", language="fr", places=1
    )
    first = active_attendees(order).first()
    with capture(execute=True):
        refund, _ = staff.cancel_ticket(first, user=director, reason="Un doublon.")
    assert refund is None  # a free ticket: nothing to pay back
    entry.refresh_from_db()
    assert entry.state == "offered"
    assert any(m.to == ["lea@example.org"] for m in mail.outbox)


@pytest.mark.parametrize(
    ("reason", "error"),
    [("", "Indiquez le motif"), ("x" * 301, "trop long")],
)
def test_a_cancellation_without_a_good_reason_changes_nothing(paid_pair, director, reason, error):
    _date, order, awa, _lea = paid_pair
    with pytest.raises(OrderError, match=error):
        staff.cancel_ticket(awa, user=director, reason=reason)
    awa.refresh_from_db()
    assert awa.cancelled_at is None and not order.refunds.exists()


def test_a_ticket_already_used_at_the_door_is_not_cancelled(paid_pair, director):
    date, order, awa, _lea = paid_pair
    assert checkin.check_in(date, awa.ticket_code, user=director).status == "ok"
    with pytest.raises(OrderError, match="déjà entrée"):
        staff.cancel_ticket(awa, user=director, reason="Trop tard.")
    assert not order.refunds.exists()
    assert active_attendees(order).count() == 2


def test_an_order_with_a_ticket_used_at_the_door_is_not_cancelled_by_its_buyer(
    client, paid_pair, director
):
    """One ticket refused, the whole order allowed: with a notice of 0 hours, the buyer
    cancelled after coming in, and was refunded all of it."""
    from orders import services

    date, order, awa, _lea = paid_pair
    assert services.buyer_can_cancel(order)
    assert checkin.check_in(date, awa.ticket_code, user=director).status == "ok"
    assert not services.buyer_can_cancel(order)
    with pytest.raises(OrderError, match="ne peut plus être annulée en ligne"):
        services.cancel_by_buyer(order)
    response = client.post(order.get_absolute_url() + "annuler/", follow=True)
    assert "Cette commande ne peut plus être annulée en ligne." in text(response)
    order.refresh_from_db()
    assert order.state == "paid" and not order.refunds.exists()
    assert active_attendees(order).count() == 2


def test_staff_cancel_a_ticket_from_the_attendee_list(
    admin_client, paid_pair, django_capture_on_commit_callbacks
):
    date, order, awa, lea = paid_pair
    # The order's admin page leads to each ticket's row on its date's list.
    inspect = admin_client.get(reverse("order:inspect", args=[order.pk])).content.decode()
    row = reverse("events_staff:attendees", args=[date.pk]) + f"#attendee-{lea.pk}"
    assert f'href="{row}"' in inspect and "Léa Tremblay" in inspect
    attendees = admin_client.get(reverse("events_staff:attendees", args=[date.pk]))
    url = reverse("events_staff:cancel_ticket", args=[date.pk, lea.pk])
    assert f'href="{url}"' in attendees.content.decode()

    form = text(admin_client.get(url))
    assert lea.ticket_code in form and "Léa Tremblay" in form and order.code in form
    assert "Rembourser 25,00 $ par Stripe" in plain(form)

    # Without the confirmation: the form says so, nothing changes.
    response = admin_client.post(url, {"reason": "Malade.", "refund": "on"})
    assert response.status_code == 200
    assert "Cochez la case pour confirmer l'annulation." in text(response)
    lea.refresh_from_db()
    assert lea.cancelled_at is None and not order.refunds.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"reason": "Malade.", "refund": "on", "confirm": "on"})
    assert response.status_code == 302
    assert response.url == reverse("events_staff:attendees", args=[date.pk])
    lea.refresh_from_db()
    assert lea.cancelled_at is not None
    assert order.refunds.get().amount == 25
    listing = plain(text(admin_client.get(response.url)))
    assert f"Billet {lea.ticket_code} annulé" in listing
    assert "Remboursement de 25,00 $ demandé." in listing
    # Its link is gone (already cancelled), Awa's is still there; asking again is refused.
    page = admin_client.get(response.url).content.decode()
    assert f'href="{url}"' not in page
    assert reverse("events_staff:cancel_ticket", args=[date.pk, awa.pk]) in page
    # Opening its page again says so at once, with no form offering a refund.
    response = admin_client.get(url, follow=True)
    assert response.redirect_chain == [(reverse("events_staff:attendees", args=[date.pk]), 302)]
    assert f"Le billet {lea.ticket_code} est déjà annulé." in plain(text(response))
    response = admin_client.post(url, {"reason": "Encore.", "refund": "on", "confirm": "on"})
    assert response.status_code == 302
    assert order.refunds.count() == 1
    inspect = admin_client.get(reverse("order:inspect", args=[order.pk])).content.decode()
    assert f"{lea.ticket_code} — Léa Tremblay (annulé)" in inspect


def test_a_ticket_of_another_date_is_not_found(admin_client, paid_pair, activity):
    date, _order, awa, _lea = paid_pair
    other = activity.source.upcoming_dates[1]
    url = reverse("events_staff:cancel_ticket", args=[other.pk, awa.pk])
    assert admin_client.get(url).status_code == 404


def test_staff_who_cannot_change_orders_cannot_cancel_a_ticket(reception_client, paid_pair):
    date, order, awa, _lea = paid_pair
    url = reverse("events_staff:cancel_ticket", args=[date.pk, awa.pk])
    response = reception_client.post(url, {"reason": "x", "refund": "on", "confirm": "on"})
    assert response.status_code in (302, 403)
    awa.refresh_from_db()
    assert awa.cancelled_at is None and not order.refunds.exists()


def test_an_english_buyer_is_told_in_english(
    client, activity, director, fake_stripe, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    _date, _order, first, _second = two_paid_tickets(
        client, activity, fake_stripe, capture, "john@example.org", language="en"
    )
    with capture(execute=True):
        refund, _ = staff.cancel_ticket(first, user=director, reason="Double booking.")
    [message] = mails_to("john@example.org", "Ticket cancelled")
    assert message.subject == "Ticket cancelled: Workshop: fair-trade shopping every day"
    body = plain(message.body)
    assert "The CÉSIQ team cancelled one ticket of your order for" in body
    assert ": “Regular”." in body and ".." not in body
    assert "Reason: Double booking." in body
    assert "$25.00 will be refunded to you" in body
    assert "The other tickets of the order remain valid." in body
    # The refund's wording, which the refund email repeats, is in English too.
    assert refund.reason.startswith("Ticket cancelled (")


def test_staff_find_an_order_by_one_of_its_ticket_codes(admin_client, paid_pair):
    """The orders listing's search box finds the order a ticket belongs to, its code typed as
    the door reads it (capitals or spaces around); a code of no ticket finds nothing."""
    from bs4 import BeautifulSoup

    _date, order, awa, _lea = paid_pair

    def found(query):
        page = admin_client.get("/admin/orders/", {"q": query})
        html = BeautifulSoup(page.content, "html.parser")
        return [a.get_text(strip=True) for a in html.select("table.listing tbody td a")]

    assert order.code in found(awa.ticket_code)
    assert order.code in found(f"  {awa.ticket_code.upper()} ")
    # Its beginning, as read off a phone, in capitals too (six characters or more).
    assert order.code in found(awa.ticket_code[:8].upper())
    assert found("zzzzzzzzzzzzzzzzzzzz") == []
    # The order's own code, the buyer's name and email still find it.
    assert order.code in found(order.code.lower())
    assert order.code in found("awa@example")
