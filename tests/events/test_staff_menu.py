"""The admin menu's way in to the dates, for the teams who welcome people at the door: the
next dates of every activity, today's first, with each date's attendees, door and sign-in
sheet. Only for staff who may see attendees (`events.view_attendee`)."""

import json
import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from events import checkin
from events.models import Attendee, EventDate, WaitingListEntry

pytestmark = pytest.mark.django_db

URL = "/admin/activites/prochaines-dates/"


@pytest.fixture
def login(client, demo_site):
    def as_user(username):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return as_user


def menu_links(client):
    """Every link of the admin's main menu, as the browser receives it (the sidebar's JSON)."""
    response = client.get("/admin/")
    assert response.status_code == 200
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return set(re.findall(r'"url": "([^"]*)"', json.dumps(json.loads(props.group(1)))))


def refused(client, url):
    response = client.get(url, follow=True)
    final = response.redirect_chain[-1][0] if response.redirect_chain else url
    return response.status_code == 403 or not final.startswith(url)


def rows(response):
    """The dates' table: other apps' sections (school workshops) follow it in tables of their
    own."""
    soup = BeautifulSoup(response.content, "html.parser")
    return soup.select_one("table.listing").select("tbody tr")


def row_of(response, date):
    return next(row for row in rows(response) if row["id"] == f"date-{date.pk}")


def links_of(row):
    return {a.get_text(strip=True): a["href"] for a in row.select("a")}


def test_the_url_is_the_one_in_the_namespace():
    assert reverse("events_staff:upcoming") == URL


@pytest.mark.parametrize("username", ["billetterie", "administration", "admin"])
def test_who_may_see_attendees_finds_the_menu_item(login, username):
    assert URL in menu_links(login(username))


@pytest.mark.parametrize("username", ["redaction", "boutique"])
def test_other_teams_neither_see_the_item_nor_reach_the_page(login, username):
    client = login(username)
    assert URL not in menu_links(client)
    assert refused(client, URL)
    assert client.get(URL).status_code in (302, 403)


def test_ticketing_sees_the_demo_dates_with_working_links(login):
    client = login("billetterie")
    response = client.get(URL)
    assert response.status_code == 200
    now = timezone.now()
    expected = EventDate.objects.filter(end__gt=now, start__lt=now + timedelta(days=60))
    assert expected.exists()
    assert {row["id"] for row in rows(response)} == {f"date-{d.pk}" for d in expected}
    date = expected.order_by("start").first()
    row = row_of(response, date)
    assert date.page.source.title in row.get_text()
    links = links_of(row)
    assert links["Participant·es"] == reverse("events_staff:attendees", args=[date.pk])
    assert links["Accueil (entrées)"] == reverse("events_staff:checkin", args=[date.pk])
    assert links["Feuille d'émargement"] == reverse("events_staff:sign_in_sheet", args=[date.pk])
    assert links["Gérer la date"].startswith(reverse("events_staff:dates", args=[date.page_id]))
    for url in links.values():
        assert client.get(url).status_code == 200, url


def test_without_check_in_or_order_rights_only_the_reading_links_show(client, demo_site):
    group = Group.objects.create(name="Lecture des participant·es")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_attendee"),
    )
    user = get_user_model().objects.create_user("lecture", "lecture@example.org", "pw")
    user.groups.add(group)
    client.force_login(user)
    assert URL in menu_links(client)
    response = client.get(URL)
    assert response.status_code == 200
    links = links_of(rows(response)[0])
    assert set(links) == {"Participant·es", "Feuille d'émargement"}


def test_a_date_today_comes_first_and_is_marked(login, activity):
    now = timezone.now()
    today = EventDate.objects.create(
        page=activity, start=now - timedelta(minutes=5), end=now + timedelta(hours=2), capacity=9
    )
    response = login("billetterie").get(URL)
    table = rows(response)
    marked = [row for row in table if "Aujourd'hui" in row.get_text()]
    assert row_of(response, today) in marked
    # Today's rows come before every other one.
    assert table[: len(marked)] == marked
    assert "Aujourd'hui" not in " ".join(row.get_text() for row in table[len(marked) :])


def test_counts_match_the_dates_own_counts(login, activity):
    client = login("billetterie")
    now = timezone.now()
    response = client.get(URL)
    for date in EventDate.objects.filter(end__gt=now, start__lt=now + timedelta(days=60)):
        cells = [td.get_text(" ", strip=True) for td in row_of(response, date).select("td")]
        assert cells[2].startswith(f"{date.usage(now).taken} / {date.capacity}")
        people = Attendee.objects.filter(
            date=date, cancelled_at=None, order_line__order__state__in=["paid", "refunded"]
        )
        assert cells[3] == str(people.exclude(checked_in_at=None).count())


def test_check_ins_and_the_waiting_list_are_counted(login):
    now = timezone.now()
    attendee = Attendee.objects.filter(
        cancelled_at=None,
        order_line__order__state="paid",
        date__end__gt=now,
        date__start__lt=now + timedelta(days=60),
    ).first()
    assert attendee, "the demo has a paid registration on an upcoming date"
    date = attendee.date
    attendee.checked_in_at = now
    attendee.save()
    WaitingListEntry.objects.create(
        date=date, name="Awa", email="awa@example.org", language="fr", places=3
    )
    WaitingListEntry.objects.create(
        date=date,
        name="Jean",
        email="jean@example.org",
        language="fr",
        places=2,
        state=WaitingListEntry.State.OFFERED,
        offer_expires_at=now + timedelta(hours=1),
    )
    response = login("billetterie").get(URL)
    cells = [td.get_text(" ", strip=True) for td in row_of(response, date).select("td")]
    counts = checkin.date_counts(date)
    assert cells[3] == str(counts["door_checked_in"]) and counts["door_checked_in"] >= 1
    assert cells[4] == str(counts["waiting"]) and counts["waiting"] >= 5
    # The places offered to the waiting list are taken too, as `orders.availability` counts them.
    assert date.usage().taken >= 3
    assert cells[2].startswith(f"{date.usage().taken} / {date.capacity}")


def test_later_dates_are_behind_a_link(login, activity):
    far = EventDate.objects.create(
        page=activity,
        start=timezone.now() + timedelta(days=90),
        end=timezone.now() + timedelta(days=90, hours=2),
    )
    client = login("billetterie")
    response = client.get(URL)
    assert f"date-{far.pk}" not in {row["id"] for row in rows(response)}
    soup = BeautifulSoup(response.content, "html.parser")
    more = soup.find("a", string=re.compile("voir toutes les dates à venir"))
    assert more is not None
    response = client.get(more["href"])
    assert f"date-{far.pk}" in {row["id"] for row in rows(response)}


def test_the_number_of_queries_does_not_grow_with_the_dates(login, activity, free_activity):
    client = login("billetterie")
    client.get(URL)  # warm the caches (content types, permissions)
    with CaptureQueriesContext(connection) as before:
        first = client.get(URL)
    now = timezone.now()
    for page in (activity, free_activity):
        for days in (1, 2, 3):
            EventDate.objects.create(
                page=page,
                start=now + timedelta(days=days),
                end=now + timedelta(days=days, hours=1),
            )
    with CaptureQueriesContext(connection) as after:
        second = client.get(URL)
    assert len(rows(second)) == len(rows(first)) + 6
    assert len(after.captured_queries) == len(before.captured_queries)
