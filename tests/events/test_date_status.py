"""A cancelled or postponed date is no longer on sale, and says so everywhere: the activity
page, the list, the month view, the structured data (schema.org eventStatus per date) and the
calendar files (STATUS with a higher SEQUENCE, so calendars that imported it update)."""

import json
import threading
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.utils import timezone, translation
from wagtail.models import Locale

from events import services, staff, waiting_list
from events.models import EventDate, EventPage, WaitingListEntry
from orders.models import Order, OrderState
from orders.services import OrderError
from tests.conftest import plain
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def director(django_user_model):
    return django_user_model.objects.create_superuser("dir-statut", "dir@example.org", "pw")


def html(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def date_items(client, page):
    """{start shown: text of its line} on the activity page."""
    soup = html(client.get(page.url))
    return [li.get_text(" ", strip=True) for li in soup.select(".activity__dates li")]


def vevents(client, url):
    """{date id: {property: value}} from an iCalendar file."""
    body = client.get(url).content.decode().replace("\r\n ", "")
    events = {}
    for block in body.split("BEGIN:VEVENT")[1:]:
        props = dict(
            line.split(":", 1) for line in block.split("END:VEVENT")[0].split("\r\n") if ":" in line
        )
        events[int(props["UID"].split("-")[2].split("@")[0])] = props
    return events


def json_ld(client, page):
    soup = html(client.get(page.url))
    return json.loads(soup.find("script", type="application/ld+json").string)


def date_choices(client, url):
    soup = html(client.get(url))
    return {int(i["value"]) for i in soup.select("input[name=date]")}


def cancel(date, director, capture):
    with capture(execute=True):
        return staff.cancel_date(date, user=director, message="La salle est inondée.")


def test_a_cancelled_date_is_shown_cancelled_and_cannot_be_registered_for(
    client, activity, director, django_capture_on_commit_callbacks
):
    first, second = activity.upcoming_dates[:2]
    assert vevents(client, activity.url + "calendrier/")[first.pk]["STATUS"] == "CONFIRMED"
    # Where: the place's name first, then its address (commas escaped as iCalendar says).
    venue = activity.venue
    where = f"{venue.name}, {venue.street_address}".replace(",", "\\,")
    assert vevents(client, activity.url + "calendrier/")[first.pk]["LOCATION"].startswith(where)
    before = int(vevents(client, activity.url + "calendrier/")[first.pk]["SEQUENCE"])

    cancel(first, director, django_capture_on_commit_callbacks)

    # The activity page: the date says it is cancelled, not "full", and offers no waiting list.
    first_line, second_line = date_items(client, activity)[:2]
    assert "Date annulée" in first_line
    assert "Complet" not in first_line and "liste d'attente" not in first_line
    assert "Google" not in first_line
    assert "annulée" not in second_line
    soup = html(client.get(activity.url))
    assert soup.find("a", string="S'inscrire")  # the other date is still on sale
    # The forms no longer offer it, and a forged POST is refused.
    assert date_choices(client, activity.url + "inscription/") == {second.pk}
    regular = activity.ticket_types.get(name="Régulier")
    response = client.post(
        activity.url + "inscription/",
        registration_data(activity, date=first.pk, **{f"quantity_{regular.pk}": 1}),
    )
    assert response.status_code == 400
    assert "Cette date n&#x27;est plus proposée" in response.content.decode()
    with translation.override("fr"), pytest.raises(OrderError, match="Cette date est annulée."):
        services.register(
            activity,
            date_id=first.pk,
            tickets=[(regular, 1, None)],
            buyer_name="Awa",
            buyer_email="awa@example.org",
            language="fr",
        )
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()
    # Its waiting list takes nobody.
    assert first.pk not in date_choices(client, activity.url + "liste-attente/")
    with translation.override("fr"), pytest.raises(OrderError, match="Cette date est annulée."):
        waiting_list.join(first, name="Léa", email="lea@example.org", language="fr", places=1)
    assert not WaitingListEntry.objects.filter(email="lea@example.org").exists()
    # Calendars: the date is CANCELLED with a higher SEQUENCE; the other is unchanged.
    events = vevents(client, activity.url + "calendrier/")
    assert events[first.pk]["STATUS"] == "CANCELLED"
    assert int(events[first.pk]["SEQUENCE"]) > before
    assert (events[second.pk]["STATUS"], events[second.pk]["SEQUENCE"]) == ("CONFIRMED", "0")
    index = activity.get_parent()
    feed = vevents(client, index.url + "calendrier/")
    assert feed[first.pk]["STATUS"] == "CANCELLED"
    # Structured data: eventStatus per date, no offer for the cancelled one.
    data = {item["startDate"]: item for item in json_ld(client, activity)}
    cancelled = data[timezone.localtime(first.start).isoformat()]
    scheduled = data[timezone.localtime(second.start).isoformat()]
    assert cancelled["eventStatus"] == "https://schema.org/EventCancelled"
    assert cancelled["offers"] == []
    assert scheduled["eventStatus"] == "https://schema.org/EventScheduled"
    assert scheduled["offers"]


def test_an_activity_whose_only_date_is_cancelled_in_the_list_and_month_view(
    client, free_activity, director, django_capture_on_commit_callbacks
):
    [date] = free_activity.upcoming_dates
    cancel(date, director, django_capture_on_commit_callbacks)

    soup = html(client.get(free_activity.url))
    assert not soup.find("a", string="S'inscrire")
    assert not soup.find("a", string="Rejoindre la liste d'attente")
    assert "Inscriptions fermées" in client.get(free_activity.url + "inscription/").content.decode()
    index = free_activity.get_parent()
    cards = html(client.get(index.url)).select(".activity-list .card")
    [card] = [c for c in cards if free_activity.title in plain(c.get_text())]
    assert "Date annulée" in card.select_one(".card__tags").get_text()
    month = timezone.localtime(date.start).strftime("%Y-%m")
    grid = html(client.get(index.url, {"vue": "mois", "mois": month}))
    [entry] = [
        e for e in grid.select(".month__event") if free_activity.title in plain(e.get_text())
    ]
    assert "Annulée" in entry.get_text()
    # English too.
    english = free_activity.get_translation(Locale.objects.get(language_code="en")).specific
    assert "Date cancelled" in " ".join(date_items(client, english))


def test_a_postponed_date_without_a_new_date_is_not_on_sale(
    client, free_activity, director, django_capture_on_commit_callbacks
):
    [date] = free_activity.upcoming_dates
    # Someone waits; someone holds a ticket.
    ticket = free_activity.ticket_types.get()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.register(
            free_activity,
            date_id=date.pk,
            tickets=[(ticket, 1, None)],
            buyer_name="Awa",
            buyer_email="awa@example.org",
            language="fr",
        )
    with django_capture_on_commit_callbacks(execute=True):
        staff.postpone_date(date, user=director, message="Reportée, la salle est fermée.")
    date.refresh_from_db()
    assert date.status == "postponed"

    [line] = date_items(client, free_activity)
    assert "Date reportée — nouvelle date à venir" in line
    assert "Complet" not in line
    assert "Inscriptions fermées" in client.get(free_activity.url + "inscription/").content.decode()
    with translation.override("fr"), pytest.raises(OrderError, match="Cette date est reportée"):
        waiting_list.join(date, name="Léa", email="lea@example.org", language="fr", places=1)
    events = vevents(client, free_activity.url + "calendrier/")
    assert (events[date.pk]["STATUS"], events[date.pk]["SEQUENCE"]) == ("TENTATIVE", "1")
    [item] = json_ld(client, free_activity)
    assert item["eventStatus"] == "https://schema.org/EventPostponed"
    # The ticket stays valid and says the date moves.
    attendee = order.lines.get().attendees.get()
    ticket_page = client.get(f"/billet/{attendee.ticket_code}/").content.decode()
    assert "Cette date est reportée" in ticket_page


def test_a_date_moved_to_a_new_day_is_rescheduled_and_on_sale_again(
    client, free_activity, director, django_capture_on_commit_callbacks
):
    [date] = free_activity.upcoming_dates
    old_start = date.start
    new_start = (timezone.now() + timedelta(days=50)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff.postpone_date(date, user=director, message="Partie remise.")
        staff.postpone_date(date, user=director, message="Nouvelle date.", new_start=new_start)
    date.refresh_from_db()
    assert (date.status, date.start, date.previous_start) == ("scheduled", new_start, old_start)

    [item] = json_ld(client, free_activity)
    assert item["eventStatus"] == "https://schema.org/EventRescheduled"
    assert item["previousStartDate"] == timezone.localtime(old_start).isoformat()
    assert item["startDate"] == timezone.localtime(new_start).isoformat()
    events = vevents(client, free_activity.url + "calendrier/")
    assert events[date.pk]["STATUS"] == "CONFIRMED"
    assert int(events[date.pk]["SEQUENCE"]) == 2  # postponed, then moved
    assert date_choices(client, free_activity.url + "inscription/") == {date.pk}


def test_publishing_the_page_afterwards_keeps_the_status_and_the_sequence(
    client, activity, director, django_capture_on_commit_callbacks
):
    source = activity.source
    source.save_revision(user=director).publish()
    first = source.upcoming_dates[0]
    cancel(first, director, django_capture_on_commit_callbacks)
    first.refresh_from_db()
    sequence = first.sequence

    # An editor publishes the page again from its latest revision (as the editor's "Publish").
    page = EventPage.objects.get(pk=source.pk)
    page.get_latest_revision().publish()
    first.refresh_from_db()
    assert (first.status, first.capacity) == ("cancelled", 0)
    assert first.sequence == sequence

    # Moving a date in the editor raises its sequence too.
    second = EventDate.objects.get(pk=source.upcoming_dates[1].pk)
    second.start += timedelta(hours=1)
    second.end += timedelta(hours=1)
    second.save()
    second.refresh_from_db()
    assert second.sequence == 1


def test_the_waiting_list_of_a_cancelled_or_postponed_date_gets_no_offer(
    client, demo_site, director, django_capture_on_commit_callbacks
):
    """The full workshop: a cancellation frees places, but nobody waiting is offered them."""
    full = EventPage.objects.get(slug="atelier-produits-menagers", locale__language_code="fr")
    [date] = full.upcoming_dates
    with django_capture_on_commit_callbacks(execute=True):
        staff.postpone_date(date, user=director, message="Reportée.")
    order = Order.objects.filter(lines__quotas=date.quota_id, state=OrderState.PAID).first()
    with django_capture_on_commit_callbacks(execute=True):
        from orders import services as orders

        orders.cancel_order(order, reason="test", refund=False)
        waiting_list.offer_freed_places(date)
    assert not date.waiting_list.filter(state=WaitingListEntry.State.OFFERED).exists()
    assert date.waiting_list.filter(state=WaitingListEntry.State.WAITING).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        staff.postpone_date(
            date, user=director, message="Nouvelle date.", new_start=date.start + timedelta(days=7)
        )
    assert waiting_list.offer_freed_places(date)  # back on sale: the line moves again


# --- a registration racing the cancellation (PostgreSQL, real threads) ----------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_registration_that_checked_the_date_before_it_was_cancelled_is_refused(
    monkeypatch, request
):
    """The buyer's sale rules pass, then staff cancel the date (and its registrations) before
    the buyer takes the places: once the places are locked the rules are read again, so the
    buyer is refused instead of keeping a place on a cancelled date."""
    from django.contrib.auth import get_user_model

    from events.models import TicketType
    from tests.conftest import service_missing
    from tests.orders.test_concurrency import run_together

    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL (DATABASE_URL) for row locking")
    request.getfixturevalue("committed_demo_site")  # the demo as seeded, committed
    page = EventPage.objects.get(slug="webinaire-decroissance", locale__language_code="fr")
    ticket = page.ticket_types.get()
    [date] = page.upcoming_dates
    director = get_user_model().objects.get(username="admin")

    checked, cancelled = threading.Event(), threading.Event()
    original = TicketType.check_sale

    def check_then_wait(self, quantity, option, now):
        original(self, quantity, option, now)
        if not checked.is_set():  # the buyer's first check: now let staff cancel
            checked.set()
            assert cancelled.wait(timeout=30)

    monkeypatch.setattr(TicketType, "check_sale", check_then_wait)

    def buyer():
        return services.register(
            EventPage.objects.get(pk=page.pk),
            date_id=date.pk,
            tickets=[(ticket, 1, None)],
            buyer_name="Course",
            buyer_email="course@example.org",
            language="fr",
        )

    def canceller():
        assert checked.wait(timeout=30)
        try:
            return staff.cancel_date(date, user=director, message="Annulée.")
        finally:
            cancelled.set()

    (kind, value), (cancel_kind, outcome) = run_together(buyer, canceller)
    assert cancel_kind == "ok", outcome
    assert kind == "error" and isinstance(value, OrderError), value
    assert str(value) == "Cette date est annulée."
    assert not Order.objects.filter(buyer_email="course@example.org").exists()
