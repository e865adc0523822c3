# ruff: noqa: F811 (the `registered` fixture comes from test_checkin)
"""A phone at the door without signal: it keeps the date's tickets (a staff-only JSON list),
checks people in against them, and sends its scans when the signal comes back. The server
applies each scan once, tells which ticket two phones both let in, and refuses a malformed
sync as a whole with a clear message."""

import json
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from events import checkin
from events.models import Attendee, CheckInScan
from orders.models import OrderLogEntry
from tests.events.test_checkin import registered, tickets_of  # noqa: F401 (fixtures)

NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def door_manager(django_user_model):
    return django_user_model.objects.create_superuser("porte", "porte@example.org", "pw")


@pytest.fixture
def staff_client(client, door_manager):
    client.force_login(door_manager)
    return client


def urls(date):
    return (
        reverse("events_staff:checkin_tickets", args=[date.pk]),
        reverse("events_staff:checkin_sync", args=[date.pk]),
    )


def scan(code, *, id, device="tel-a", at=None, admitted=True):
    return {
        "id": id,
        "code": code,
        "at": (at or NOW).isoformat(),
        "device": device,
        "admitted": admitted,
    }


def send(client, date, scans, **extra):
    _tickets, sync = urls(date)
    body = json.dumps({"device": "tel-a", "scans": scans}) if scans is not None else extra["raw"]
    return client.post(sync, body, content_type="application/json")


@pytest.mark.django_db
def test_the_phone_gets_the_dates_tickets_with_names_and_state(registered, staff_client):
    date, awa, jean = registered
    fatou, lea = tickets_of(awa)
    checkin.check_in(date, fatou.ticket_code, user=None, now=NOW)
    Attendee.objects.filter(pk=lea.pk).update(cancelled_at=NOW)

    tickets_url, _sync = urls(date)
    response = staff_client.get(tickets_url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    by_code = {t["code"]: t for t in data["tickets"]}
    assert by_code[fatou.ticket_code]["name"] == "Fatou Diallo"
    assert by_code[fatou.ticket_code]["ticket_type"] == "Entrée libre"
    assert by_code[fatou.ticket_code]["checked_in_at"] is not None
    assert by_code[lea.ticket_code]["cancelled"] is True
    # A nameless ticket shows the buyer's name.
    assert by_code[tickets_of(jean)[0].ticket_code]["name"] == "Jean Côté"
    assert data["counts"] == {"checked_in": 1, "expected": 2}


@pytest.mark.django_db
def test_only_staff_who_check_people_in_get_the_list_or_sync(registered, client, django_user_model):
    date, awa, _jean = registered
    tickets_url, sync_url = urls(date)
    code = tickets_of(awa)[0].ticket_code

    # Anonymous: sent to the login page, nothing recorded.
    assert client.get(tickets_url).status_code == 302
    assert send(client, date, [scan(code, id="anon-1")]).status_code in (302, 403)

    # Staff who may only see the attendee list: refused with a message.
    viewer = django_user_model.objects.create_user("lecture", "l@example.org", "pw")
    group = Group.objects.create(name="Lecture des participant·es")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_attendee"),
    )
    viewer.groups.add(group)
    client.force_login(viewer)
    response = client.get(tickets_url)
    assert response.status_code == 403
    assert "permission" in response.json()["error"]
    assert send(client, date, [scan(code, id="lecture-1")]).status_code == 403
    assert not CheckInScan.objects.exists()
    assert Attendee.objects.get(ticket_code=code).checked_in_at is None


@pytest.mark.django_db
def test_sync_needs_the_csrf_token(registered, door_manager):
    from django.test import Client

    date, awa, _jean = registered
    client = Client(enforce_csrf_checks=True)
    client.force_login(door_manager)
    response = send(client, date, [scan(tickets_of(awa)[0].ticket_code, id="csrf-1")])
    assert response.status_code == 403
    assert not CheckInScan.objects.exists()


@pytest.mark.django_db
def test_offline_scans_are_applied_once_even_when_sent_twice(registered, staff_client):
    date, awa, _jean = registered
    fatou, lea = tickets_of(awa)
    scans = [
        scan(fatou.ticket_code, id="a-1", at=NOW - timedelta(minutes=10)),
        scan(lea.ticket_code, id="a-2", at=NOW - timedelta(minutes=5)),
    ]
    first = send(staff_client, date, scans)
    assert first.status_code == 200, first.content
    answers = {s["id"]: s for s in first.json()["scans"]}
    assert answers["a-1"]["result"] == "ok" and answers["a-1"]["name"] == "Fatou Diallo"
    assert answers["a-2"]["result"] == "ok"
    assert first.json()["counts"] == {"checked_in": 2, "expected": 3}

    # The answer was lost on the way: the phone sends the same scans again.
    again = send(staff_client, date, scans)
    assert again.status_code == 200
    assert [s["result"] for s in again.json()["scans"]] == ["ok", "ok"]
    assert not any(s["conflict"] for s in again.json()["scans"])
    assert CheckInScan.objects.count() == 2
    assert OrderLogEntry.objects.filter(order=awa, action="checked_in").count() == 2
    fatou.refresh_from_db()
    # The time the person came in is the time of the scan, not of the sync.
    assert fatou.checked_in_at == NOW - timedelta(minutes=10)


@pytest.mark.django_db
def test_a_ticket_two_phones_let_in_offline_is_a_conflict_staff_see(registered, staff_client):
    date, awa, _jean = registered
    fatou, _lea = tickets_of(awa)
    first = send(
        staff_client,
        date,
        [scan(fatou.ticket_code, id="a-1", device="tel-a", at=NOW - timedelta(minutes=3))],
    )
    assert first.json()["scans"][0]["conflict"] is False

    second = send(
        staff_client,
        date,
        [scan(fatou.ticket_code, id="b-1", device="tel-b", at=NOW - timedelta(minutes=2))],
    )
    answer = second.json()["scans"][0]
    assert answer["result"] == "already" and answer["conflict"] is True
    assert answer["name"] == "Fatou Diallo"
    assert second.json()["conflicts"] == 1
    assert checkin.counts(date)["checked_in"] == 1
    assert OrderLogEntry.objects.filter(order=awa, action="check_in_conflict").count() == 1

    # A phone that refused the ticket itself (it knew it was in) is no conflict.
    third = send(
        staff_client, date, [scan(fatou.ticket_code, id="c-1", device="tel-c", admitted=False)]
    )
    assert third.json()["scans"][0]["conflict"] is False

    for name in ("events_staff:checkin", "events_staff:attendees"):
        page = staff_client.get(reverse(name, args=[date.pk]))
        soup = BeautifulSoup(page.content, "html.parser")
        conflicts = soup.select_one("#checkin-conflicts").get_text(" ", strip=True)
        assert "1 conflit à vérifier" in conflicts
        assert "Fatou Diallo" in conflicts and "tel-b" in conflicts


@pytest.mark.parametrize(
    "raw, message",
    [
        ("pas du json", "JSON attendu"),
        (json.dumps({"scans": "non"}), "une liste « scans » est attendue"),
        (json.dumps({"scans": [{"id": "x-1", "code": "abc"}]}), "Scan n° 1 incomplet"),
        (
            json.dumps({"scans": [{"id": "x-1", "code": "abc", "at": "2026-12-03T10:00:00"}]}),
            "avec fuseau",
        ),
        (
            json.dumps({"scans": [{"id": "x-1", "code": "abc", "at": "2026-13-45T99:00+00:00"}]}),
            "incomplet",
        ),
        (
            json.dumps(
                {"scans": [{"id": "x-1", "code": "abc", "at": "2001-01-01T10:00:00+00:00"}]}
            ),
            "pas plausible",
        ),
        (json.dumps({"scans": ["x"] * 501}), "Trop de scans"),
    ],
)
@pytest.mark.django_db
def test_a_malformed_sync_is_refused_whole_with_a_clear_message(
    registered, staff_client, raw, message
):
    date, awa, _jean = registered
    response = send(staff_client, date, None, raw=raw)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not CheckInScan.objects.exists()
    assert checkin.counts(date)["checked_in"] == 0


@pytest.mark.django_db
def test_one_bad_scan_in_a_sync_changes_nothing(registered, staff_client):
    date, awa, _jean = registered
    good = scan(tickets_of(awa)[0].ticket_code, id="ok-1")
    response = send(staff_client, date, [good, {"id": "bad", "code": ""}])
    assert response.status_code == 400
    assert "Scan n° 2" in response.json()["error"]
    assert not CheckInScan.objects.exists()
    assert checkin.counts(date)["checked_in"] == 0


@pytest.mark.django_db
def test_unknown_and_wrong_tickets_are_recorded_as_refused(registered, staff_client):
    date, _awa, _jean = registered
    response = send(staff_client, date, [scan("pas-un-billet", id="u-1", admitted=False)])
    assert response.json()["scans"][0]["result"] == "unknown"
    assert CheckInScan.objects.get().result == "unknown"


@pytest.mark.django_db
def test_the_checkin_page_serves_the_qr_reader_from_the_site(registered, staff_client):
    date, _awa, _jean = registered
    page = staff_client.get(reverse("events_staff:checkin", args=[date.pk]))
    soup = BeautifulSoup(page.content, "html.parser")
    root = soup.select_one("#checkin")
    assert root["data-jsqr-url"].startswith("/static/events/vendor/jsqr/jsQR")
    assert root["data-sync-url"] == urls(date)[1]
    scripts = [s.get("src") for s in soup.select("script[src]")]
    assert any(src and src.startswith("/static/events/checkin") for src in scripts)
    assert not any(src and "//" in src for src in scripts)
    texts = json.loads(soup.select_one("#checkin-texts").string)
    assert "Valide" in texts["ok"]


@pytest.mark.django_db
def test_the_checkin_page_with_a_result_and_a_conflict_is_valid_html(
    registered, staff_client, tmp_path
):
    """Our part of the page, checked by the Nu HTML Checker (Wagtail's own markup around it
    is Wagtail's): no error on the check-in page or the attendee list, in both languages."""
    from tests.cesiq_site.test_html_validity import vnu_errors

    date, awa, _jean = registered
    code = tickets_of(awa)[0].ticket_code
    send(staff_client, date, [scan(code, id="a-1", device="tel-a")])
    send(staff_client, date, [scan(code, id="b-1", device="tel-b")])
    documents = []
    for prefix in ("", "/en"):
        url = reverse("events_staff:checkin", args=[date.pk])
        staff_client.post(url, {"code": code})  # the "already in" result, shown once
        for name in ("events_staff:checkin", "events_staff:attendees"):
            response = staff_client.get(
                reverse(name, args=[date.pk]), HTTP_ACCEPT_LANGUAGE=prefix[1:] or "fr"
            )
            assert response.status_code == 200
            documents.append((f"{name} {prefix}", response.content.decode()))
    errors = vnu_errors(documents, tmp_path)
    assert errors == {}, "\n".join(f"{k}: {v}" for k, v in errors.items())
