"""A full date's waiting list, and buyers cancelling their own registration: freed places go
to the first person in line, held for a limited time, then to the next."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.utils import timezone

from events import waiting_list
from events.models import Attendee, EventPage, WaitingListEntry
from orders.models import Order, OrderState
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_page(demo_site):
    """The nearly-full demo workshop (3 places), made full by one free registration each."""
    page = EventPage.objects.get(slug="atelier-presque-complet", locale__language_code="fr")
    ticket = page.source.ticket_types.get()
    ticket.kind, ticket.price = "free", 0
    ticket.save()
    return page


def register(client, page, email, quantity, capture, **extra):
    ticket = page.source.ticket_types.get()
    data = registration_data(page, buyer_email=email, **{f"quantity_{ticket.pk}": quantity})
    data.update(extra)
    with capture(execute=True):
        return client.post(
            page.url + "inscription/" + (f"?offre={extra['offre']}" if "offre" in extra else ""),
            data,
        )


def join(client, page, email, places, capture):
    date = page.source.upcoming_dates[0]
    with capture(execute=True):
        return client.post(
            page.url + "liste-attente/",
            {
                "date": date.pk,
                "places": places,
                "name": "Personne en attente",
                "email": email,
                "consent": "on",
                "website": "",
            },
        )


def test_full_date_offers_a_waiting_list(client, full_page, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    assert register(client, full_page, "a@example.org", 3, capture).status_code == 302
    html = BeautifulSoup(client.get(full_page.url).content, "html.parser")
    link = html.select_one("a.activity__waiting-link")
    assert "Rejoindre la liste d'attente" in link.get_text()
    assert link["href"].startswith(full_page.url + "liste-attente/?date=")

    response = join(client, full_page, "b@example.org", 2, capture)
    assert "Vous êtes sur la liste d'attente" in response.content.decode()
    entry = WaitingListEntry.objects.get(email="b@example.org")
    assert (entry.state, entry.places, entry.language) == ("waiting", 2, "fr")
    assert any(m.subject.startswith("Liste d'attente") for m in mail.outbox)


def test_joining_again_with_someone_elses_address_changes_nothing_of_theirs(
    client, full_page, django_capture_on_commit_callbacks
):
    """Anyone could type Awa's address and change her name and places (asking more could
    lose her turn). Her entry stays; she alone is sent her confirmation again."""
    capture = django_capture_on_commit_callbacks
    register(client, full_page, "a@example.org", 3, capture)
    join(client, full_page, "awa@example.org", 1, capture)
    entry = WaitingListEntry.objects.get(email="awa@example.org")
    mail.outbox.clear()
    with capture(execute=True):
        response = client.post(
            full_page.url + "liste-attente/",
            {
                "date": full_page.source.upcoming_dates[0].pk,
                "places": 3,
                "name": "Quelqu'un d'autre",
                "email": "AWA@example.org",
                "consent": "on",
                "website": "",
            },
        )
    assert "Vous êtes sur la liste d'attente" in response.content.decode()  # says nothing more
    entry.refresh_from_db()
    assert (entry.name, entry.places, entry.email) == ("Personne en attente", 1, "awa@example.org")
    assert WaitingListEntry.objects.filter(email__iexact="awa@example.org").count() == 1
    [again] = [m for m in mail.outbox if m.to == ["awa@example.org"]]
    assert "pour 1 place." in again.body
    assert "Pour changer le nombre de places, quittez la liste" in again.body


def test_joining_while_places_remain_is_refused(
    client, full_page, django_capture_on_commit_callbacks
):
    response = join(client, full_page, "b@example.org", 1, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    assert "Il reste des places" in response.content.decode()
    assert not WaitingListEntry.objects.filter(email="b@example.org").exists()


def test_cancellation_frees_places_for_the_first_in_line_then_the_offer_is_used(
    client, full_page, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    register(client, full_page, "a@example.org", 3, capture)
    join(client, full_page, "b@example.org", 2, capture)
    join(client, full_page, "c@example.org", 1, capture)
    order = Order.objects.get(buyer_email="a@example.org")

    # The buyer cancels from their order page, after a confirmation step.
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Annuler ma commande" in page
    confirm = client.get(order.get_absolute_url() + "annuler/")
    assert "Oui, annuler ma commande" in confirm.content.decode()
    with capture(execute=True):
        client.post(order.get_absolute_url() + "annuler/")
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert not Attendee.objects.filter(order_line__order=order, cancelled_at__isnull=True)

    first, second = WaitingListEntry.objects.filter(
        email__in=["b@example.org", "c@example.org"]
    ).order_by("created_at")
    assert (first.state, second.state) == ("offered", "offered")  # 2 + 1 places freed
    offer_mail = next(
        m for m in mail.outbox if m.to == ["b@example.org"] and "libérées" in m.subject
    )
    assert f"?offre={first.token}" in offer_mail.body

    # Offered places are held: someone else cannot take them.
    response = register(client, full_page, "d@example.org", 1, capture)
    assert response.status_code == 400
    # The person offered uses the link and gets the places.
    response = register(client, full_page, "b@example.org", 2, capture, offre=first.token)
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.state == "used"
    assert Order.objects.get(buyer_email="b@example.org").state == OrderState.PAID


def test_a_lapsed_offer_passes_to_the_next_person(
    client, full_page, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    register(client, full_page, "a@example.org", 3, capture)
    join(client, full_page, "b@example.org", 1, capture)
    join(client, full_page, "c@example.org", 1, capture)
    order = Order.objects.get(buyer_email="a@example.org")
    # Staff give back one place by raising nothing but cancelling the whole order is simpler:
    with capture(execute=True):
        client.post(order.get_absolute_url() + "annuler/")
    first = WaitingListEntry.objects.get(email="b@example.org")
    assert first.state == "offered"
    # Nobody else is waiting for the third place... the next in line got it too.
    assert WaitingListEntry.objects.get(email="c@example.org").state == "offered"

    later = timezone.now() + timedelta(hours=25)
    date = full_page.source.upcoming_dates[0]
    date.start, date.end = later + timedelta(days=3), later + timedelta(days=3, hours=2)
    date.save()
    waiting_list.offer_freed_places(date, now=later)
    first.refresh_from_db()
    assert first.state == "lapsed"
    # An expired offer link no longer reserves anything.
    response = client.get(full_page.url + f"inscription/?offre={first.token}")
    assert "liste d'attente vous" not in response.content.decode()


def test_leaving_the_waiting_list(client, full_page, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    register(client, full_page, "a@example.org", 3, capture)
    join(client, full_page, "b@example.org", 1, capture)
    entry = WaitingListEntry.objects.get(email="b@example.org")
    url = f"/liste-attente/{entry.token}/quitter/"
    html = BeautifulSoup(client.get(url).content, "html.parser")
    assert "Quitter la liste d'attente" in html.get_text()
    # The language switcher goes to this page in English, not to the activity's page.
    english = html.find("a", attrs={"hreflang": "en"}) or html.find("a", attrs={"lang": "en"})
    assert english["href"] == f"/en/waiting-list/{entry.token}/leave/"
    with capture(execute=True):
        client.post(url)
    entry.refresh_from_db()
    assert entry.state == "cancelled"


def test_cancellation_after_the_deadline_is_refused(
    client, full_page, django_capture_on_commit_callbacks
):
    register(client, full_page, "a@example.org", 1, django_capture_on_commit_callbacks)
    order = Order.objects.get(buyer_email="a@example.org")
    date = full_page.source.upcoming_dates[0]
    date.start = timezone.now() + timedelta(hours=10)  # deadline is 48 h before
    date.end = date.start + timedelta(hours=2)
    date.save()
    assert "Annuler ma commande" not in client.get(order.get_absolute_url()).content.decode()
    response = client.post(order.get_absolute_url() + "annuler/")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.PAID


def test_paid_cancellation_is_refunded_through_stripe(
    client, activity, fake_stripe, django_capture_on_commit_callbacks
):
    from orders import services
    from tests.conftest import post_webhook

    regular = activity.source.ticket_types.get(name="Régulier")
    client.post(
        activity.url + "inscription/", registration_data(activity, **{f"quantity_{regular.pk}": 2})
    )
    order = Order.objects.get(buyer_email="awa@example.org")
    payment = order.payments.get()
    from tests.orders.test_payments import press

    assert press(payment.checkout_url, "pay")[0] == 303
    event = next(
        e for e in reversed(fake_stripe.events) if e["type"] == "checkout.session.completed"
    )
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, event)
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    with django_capture_on_commit_callbacks(execute=True):
        client.post(order.get_absolute_url() + "annuler/")
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    refund = order.refunds.get()
    assert refund.amount == order.total and refund.state == "succeeded"
    assert services.buyer_can_cancel(order) is False
    subjects = [m.subject for m in mail.outbox]
    assert f"Commande {order.code} annulée" in subjects
    assert f"Remboursement de votre commande {order.code}" in subjects


def test_nobody_waits_for_more_places_than_the_date_has(full_page):
    """A date of 2 places: waiting for 3 would wait for ever (10 were taken for 6)."""
    from events.forms import WaitingListForm
    from tests.conftest import plain

    date = full_page.source.upcoming_dates[0]
    type(date).objects.filter(pk=date.pk).update(capacity=2)
    page = EventPage.objects.get(pk=full_page.pk)  # its dates read again
    data = {"date": date.pk, "places": 3, "name": "Awa", "email": "awa@example.org"}
    form = WaitingListForm({**data, "consent": "on"}, page=page)
    assert not form.is_valid()
    assert [plain(e) for e in form.errors["places"]] == ["Cette date compte 2 places en tout."]
    assert WaitingListForm({**data, "places": 2, "consent": "on"}, page=page).is_valid()


def test_staff_see_who_is_in_line_in_the_order_places_go_to_them(
    client, admin_client, full_page, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from tests.conftest import plain

    capture = django_capture_on_commit_callbacks
    register(client, full_page, "a@example.org", 3, capture)
    join(client, full_page, "b@example.org", 2, capture)
    join(client, full_page, "c@example.org", 1, capture)
    date = full_page.source.upcoming_dates[0]

    def shown():
        html = BeautifulSoup(
            admin_client.get(reverse("events_staff:attendees", args=[date.pk])).content,
            "html.parser",
        )
        rows = [
            [plain(td.get_text(" ", strip=True)) for td in tr.select("td")]
            for tr in html.select("#waiting-list tbody tr")
        ]
        return plain(html.select_one("#date-counts").get_text(" ", strip=True)), rows

    counts, rows = shown()
    assert "3 places demandées en liste d'attente" in counts
    assert [(r[0], r[2], r[3], r[5]) for r in rows] == [
        ("1", "b@example.org", "2", "En attente"),
        ("2", "c@example.org", "1", "En attente"),
    ]
    order = Order.objects.get(buyer_email="a@example.org")
    with capture(execute=True):
        client.post(order.get_absolute_url() + "annuler/")
    _counts, rows = shown()
    assert [r[2] for r in rows] == ["b@example.org", "c@example.org"]
    assert all(r[5].startswith("Places offertes jusqu'au") for r in rows)


def test_a_freed_place_goes_to_the_first_in_line_it_is_enough_for(
    client, full_page, django_capture_on_commit_callbacks
):
    """The first in line waits for 2 places, the second for 1: one place freed went to the
    public, the second person kept waiting behind the first. It goes to the second now; the
    first keeps their rank for the next places."""
    capture = django_capture_on_commit_callbacks
    register(client, full_page, "a@example.org", 3, capture)
    join(client, full_page, "b@example.org", 2, capture)
    join(client, full_page, "c@example.org", 1, capture)
    date = full_page.source.upcoming_dates[0]
    date.capacity += 1
    date.save()
    with capture(execute=True):
        waiting_list.offer_freed_places(date)
    states = dict(WaitingListEntry.objects.values_list("email", "state"))
    assert (states["b@example.org"], states["c@example.org"]) == ("waiting", "offered")
    assert date.seats_left() == 0  # held for the person offered, not for sale
    # Two more places: the first in line gets them.
    date.capacity += 2
    date.save()
    with capture(execute=True):
        waiting_list.offer_freed_places(date)
    assert WaitingListEntry.objects.get(email="b@example.org").state == "offered"
