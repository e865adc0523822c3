"""Staff at the door and behind it: check people in (once, even with two scanners), see who is
registered on a date with their answers, export the list, print a sign-in sheet and write to
everyone registered, once."""

import csv
import io
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from events import checkin
from events.models import Attendee, EventPage, Question
from orders.models import Order, OrderLogEntry, OrderState, OutboxEmail
from tests.events.conftest import registration_data

# --- helpers ------------------------------------------------------------------------------------


def register_free(client, page, capture, *, email, names=(), places=2, **extra):
    """Register on the free activity through its public form; it is confirmed at once."""
    date = page.source.upcoming_dates[0]
    ticket = page.source.ticket_types.get(name="Entrée libre")
    data = registration_data(
        page,
        buyer_email=email,
        buyer_name=extra.pop("buyer_name", "Awa Diallo"),
        date=date.pk,
        attendee_names="\n".join(names),
        **{f"quantity_{ticket.pk}": places},
        **extra,
    )
    if capture:
        with capture(execute=True):
            response = client.post(page.url + "inscription/", data)
    else:
        response = client.post(page.url + "inscription/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get(buyer_email=email)
    assert order.state == OrderState.PAID
    return date, order


def tickets_of(order):
    return list(Attendee.objects.filter(order_line__order=order).order_by("pk"))


def text(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.fixture
def door_manager(django_user_model):
    return django_user_model.objects.create_superuser(
        "accueil-direction", "accueil-direction@example.org", "pw"
    )


@pytest.fixture
def staff_client(client, door_manager):
    client.force_login(door_manager)
    return client


@pytest.fixture
def registered(client, free_activity, django_capture_on_commit_callbacks):
    """Two orders on the free activity's first date: Awa with two named people, Jean with
    one nameless ticket; the activity asks about dietary needs."""
    Question.objects.create(page=free_activity.source, label="Besoins alimentaires")
    question = free_activity.source.questions.get(label="Besoins alimentaires")
    date, awa = register_free(
        client,
        free_activity,
        django_capture_on_commit_callbacks,
        email="awa@example.org",
        names=["Fatou Diallo", "Léa Tremblay"],
        **{f"question_{question.pk}": "Végétarien"},
    )
    _, jean = register_free(
        client,
        free_activity,
        django_capture_on_commit_callbacks,
        email="jean@example.org",
        buyer_name="Jean Côté",
        places=1,
    )
    client.logout()
    return date, awa, jean


# --- the services -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_check_in_once_then_already_with_the_time(registered, door_manager):
    date, awa, _jean = registered
    fatou = tickets_of(awa)[0]
    at = timezone.now().replace(microsecond=0)

    first = checkin.check_in(date, fatou.ticket_code, user=door_manager, now=at)
    assert first.status == "ok"
    assert checkin.attendee_name(first.attendee) == "Fatou Diallo"

    again = checkin.check_in(date, f"  {fatou.ticket_code} ", user=door_manager)
    assert again.status == "already"
    assert again.at == at
    assert OrderLogEntry.objects.filter(order=awa, action="checked_in").count() == 1
    assert checkin.counts(date) == {"checked_in": 1, "expected": 3}


@pytest.mark.django_db
def test_wrong_date_cancelled_and_unknown_tickets_are_refused(
    registered, door_manager, free_activity
):
    date, awa, jean = registered
    other = free_activity.source.dates.exclude(pk=date.pk).first()
    if other is None:
        other = free_activity.source.dates.create(
            start=date.start + timedelta(days=7), end=date.end + timedelta(days=7), capacity=10
        )
    fatou, lea = tickets_of(awa)

    wrong = checkin.check_in(other, fatou.ticket_code, user=door_manager)
    assert wrong.status == "wrong_date"
    assert wrong.right_date == date

    Attendee.objects.filter(pk=lea.pk).update(cancelled_at=timezone.now())
    assert checkin.check_in(date, lea.ticket_code, user=door_manager).status == "cancelled"
    assert checkin.check_in(date, "pas-un-billet", user=door_manager).status == "unknown"
    assert checkin.check_in(date, "", user=door_manager).status == "unknown"
    assert checkin.counts(date) == {"checked_in": 0, "expected": 2}


@pytest.mark.django_db
def test_undo_lets_the_ticket_in_again(registered, door_manager):
    date, _awa, jean = registered
    (ticket,) = tickets_of(jean)
    checkin.check_in(date, ticket.ticket_code, user=door_manager)
    assert checkin.undo_check_in(ticket, door_manager) is True
    assert checkin.undo_check_in(ticket, door_manager) is False
    assert checkin.counts(date)["checked_in"] == 0
    assert checkin.check_in(date, ticket.ticket_code, user=door_manager).status == "ok"
    assert OrderLogEntry.objects.filter(order=jean, action="check_in_undone").count() == 1


@pytest.mark.django_db
def test_search_finds_attendees_by_name_and_nameless_tickets_by_buyer(registered):
    date, _awa, jean = registered
    assert [checkin.attendee_name(a) for a in checkin.search(date, "léa")] == ["Léa Tremblay"]
    # Awa's two tickets carry other names, but her name and email find them.
    assert len(checkin.search(date, "awa@example")) == 2
    found = checkin.search(date, "côté")
    assert [checkin.attendee_name(a) for a in found] == ["Jean Côté"]
    assert checkin.search(date, "personne") == []
    # Without its accents or in capitals, as people type at the door.
    assert [checkin.attendee_name(a) for a in checkin.search(date, "LEA")] == ["Léa Tremblay"]
    assert [checkin.attendee_name(a) for a in checkin.search(date, "cote")] == ["Jean Côté"]


@pytest.mark.django_db
def test_a_code_typed_in_capitals_checks_in(registered, door_manager):
    date, _awa, jean = registered
    (ticket,) = tickets_of(jean)
    assert ticket.ticket_code == ticket.ticket_code.lower()
    result = checkin.check_in(date, f"  {ticket.ticket_code.upper()} ", user=door_manager)
    assert (result.status, result.attendee) == ("ok", ticket)
    [found] = checkin.search(date, ticket.ticket_code.upper())
    assert found == ticket


@pytest.fixture
def scanners_on_postgres(request):
    from tests.conftest import service_missing

    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL (DATABASE_URL) for concurrent check-ins")
    request.getfixturevalue("committed_demo_site")  # the demo as seeded, committed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_scanners_checking_in_the_same_ticket_count_it_once(
    scanners_on_postgres, client, django_user_model
):
    from tests.orders.test_concurrency import run_together

    page = EventPage.objects.get(slug="conference-justice-climatique", locale__language_code="fr")
    date, order = register_free(client, page, None, email="scan@example.org", places=1)
    (ticket,) = tickets_of(order)
    user = django_user_model.objects.create_superuser("scan-direction", "s@example.org", "pw")

    outcomes = run_together(
        *[lambda: checkin.check_in(date, ticket.ticket_code, user=user) for _ in range(4)]
    )
    assert all(kind == "ok" for kind, _value in outcomes), outcomes
    statuses = sorted(value.status for _kind, value in outcomes)
    assert statuses == ["already", "already", "already", "ok"]
    assert OrderLogEntry.objects.filter(order=order, action="checked_in").count() == 1
    assert checkin.counts(date) == {"checked_in": 1, "expected": 1}


# --- the admin pages ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_attendee_list_shows_answers_and_counts(registered, staff_client):
    date, awa, jean = registered
    response = staff_client.get(reverse("events_staff:attendees", args=[date.pk]))
    assert response.status_code == 200
    page = text(response)
    assert "Besoins alimentaires" in page
    assert "Végétarien" in page
    assert "Fatou Diallo" in page and "Jean Côté" in page
    assert tickets_of(jean)[0].ticket_code in page
    counts = text_of(response, "#date-counts")
    assert "3 vendues" in counts
    assert f"{date.capacity} places" in counts
    assert "0 / 3 entrées" in counts
    # Asked once of Awa's registration of two, the answer is counted once (catering).
    assert page.count("Végétarien") == 1
    export = staff_client.get(reverse("events_staff:export", args=[date.pk, "csv"]))
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    awa_rows = [row for row in rows if row["Commande"] == awa.code]
    assert sorted(row["Besoins alimentaires"] for row in awa_rows) == ["", "Végétarien"]


def text_of(response, selector):
    return (
        BeautifulSoup(response.content, "html.parser")
        .select_one(selector)
        .get_text(" ", strip=True)
    )


# A code made before codes were drawn from letters and digits (URL-safe base 64 could start
# with "-"), and a buyer whose name is a spreadsheet formula: both on purpose, never by chance.
LEGACY_CODE = "-Kq7_xZ2mB9vT4wR"
FORMULA_NAME = '=HYPERLINK("http://x","y")'


@pytest.mark.django_db
def test_exports_in_csv_and_excel(registered, staff_client, free_activity):
    from openpyxl import load_workbook

    date, awa, jean = registered
    fatou = tickets_of(awa)[0]
    Attendee.objects.filter(pk=fatou.pk).update(ticket_code=LEGACY_CODE)
    Order.objects.filter(pk=jean.pk).update(buyer_name=FORMULA_NAME)
    assert checkin.check_in(date, LEGACY_CODE, user=None).status == "ok"
    codes = {
        "Fatou Diallo": LEGACY_CODE,
        "Léa Tremblay": tickets_of(awa)[1].ticket_code,
        "": tickets_of(jean)[0].ticket_code,
    }

    response = staff_client.get(reverse("events_staff:export", args=[date.pk, "csv"]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    day = timezone.localtime(date.start).strftime("%Y-%m-%d")
    assert f"{free_activity.slug}-{day}" in disposition and disposition.endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[:3] == ["Code du billet", "Nom", "Acheteur·euse"]
    assert "Besoins alimentaires" in header
    ours = [
        dict(zip(header, row, strict=True))
        for row in rows[1:]
        if row[header.index("Courriel")].endswith("@example.org")
    ]
    by_name = {row["Nom"]: row for row in ours}
    assert sorted(by_name) == sorted(codes)
    # In a CSV file, a cell starting with "-" or "=" would be run as a formula: escaped.
    assert by_name["Fatou Diallo"]["Code du billet"] == "'" + LEGACY_CODE
    assert by_name["Fatou Diallo"]["Besoins alimentaires"] == "Végétarien"
    assert by_name["Fatou Diallo"]["Arrivée"]
    assert by_name[""]["Acheteur·euse"] == "'" + FORMULA_NAME
    # New codes never start a formula, so they are exported exactly as they are.
    assert by_name["Léa Tremblay"]["Code du billet"] == codes["Léa Tremblay"]
    assert by_name[""]["Code du billet"] == codes[""]

    response = staff_client.get(reverse("events_staff:export", args=[date.pk, "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = list(sheet.iter_rows())
    heading = [cell.value for cell in cells[0]]
    assert heading[:2] == ["Code du billet", "Nom"]
    code_col, name_col = heading.index("Code du billet"), heading.index("Nom")
    buyer_col, email_col = heading.index("Acheteur·euse"), heading.index("Courriel")
    by_name = {
        row[name_col].value or "": row
        for row in cells[1:]
        if row[email_col].value.endswith("@example.org")
    }
    assert sorted(by_name) == sorted(codes)
    # In XLSX every text cell is typed as text: the code is exactly the ticket's, the formula
    # is plain text.
    assert {name: by_name[name][code_col].value for name in codes} == codes
    fatou_code = by_name["Fatou Diallo"][code_col]
    assert fatou_code.value == LEGACY_CODE and fatou_code.data_type == "s"
    formula = by_name[""][buyer_col]
    assert formula.value == FORMULA_NAME and formula.data_type == "s"
    # The arrival is a date the spreadsheet sorts (it was the text « 2026-12-05 06:30 »), in
    # the office's time.
    arrival = by_name["Fatou Diallo"][heading.index("Arrivée")]
    checked_in_at = Attendee.objects.get(pk=fatou.pk).checked_in_at
    assert arrival.is_date
    local = timezone.localtime(checked_in_at).replace(tzinfo=None, microsecond=0)
    assert arrival.value == local
    assert by_name["Léa Tremblay"][heading.index("Arrivée")].value in (None, "")

    assert staff_client.get(f"/admin/activites/date/{date.pk}/export.pdf").status_code == 404


@pytest.mark.django_db
def test_the_sign_in_sheet_lists_names_in_order(registered, staff_client, free_activity):
    date, _awa, _jean = registered
    response = staff_client.get(reverse("events_staff:sign_in_sheet", args=[date.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "@media print" in html
    soup = BeautifulSoup(html, "html.parser")
    names = [row.select("td")[1].get_text(strip=True) for row in soup.select("tbody tr")]
    assert names == ["Fatou Diallo", "Jean Côté", "Léa Tremblay"]
    assert free_activity.title in soup.get_text()


@pytest.mark.django_db
def test_a_message_goes_once_to_each_order(
    registered, staff_client, django_capture_on_commit_callbacks
):
    date, awa, jean = registered
    url = reverse("events_staff:message", args=[date.pk])
    form = staff_client.get(url)
    assert "2 personnes recevront ce message" in text(form)
    data = {"subject": "Salle changée", "message": "Rendez-vous au 2e étage.", "confirm": "on"}

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, data)
    assert response.status_code == 302
    sent = OutboxEmail.objects.filter(key__startswith=f"date_message:{date.pk}:")
    assert sorted(sent.values_list("to", flat=True)) == ["awa@example.org", "jean@example.org"]
    assert sent.get(to="awa@example.org").subject == "Salle changée"
    assert "Rendez-vous au 2e étage." in sent.get(to="awa@example.org").body_text

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, data, follow=True)
    assert sent.count() == 2
    # Said as nothing sent, not as « Message envoyé à 0 personne » in green.
    assert (
        "Rien n'est parti : chaque personne a déjà reçu ce message (même objet, même texte)."
        in text(response)
    )
    assert "Message envoyé à 0" not in text(response)

    # Without the confirmation box, nothing is sent.
    staff_client.post(url, {**data, "subject": "Autre", "confirm": ""})
    assert sent.count() == 2


@pytest.mark.django_db
def test_the_door_page_checks_in_by_code_and_by_search(registered, staff_client):
    date, awa, jean = registered
    url = reverse("events_staff:checkin", args=[date.pk])
    (ticket,) = tickets_of(jean)

    response = staff_client.post(url, {"code": ticket.ticket_code}, follow=True)
    result = text_of(response, "#checkin-result")
    assert "Valide — Jean Côté" in result
    assert "1 / 3 entrées" in text(response)

    response = staff_client.post(url, {"code": ticket.ticket_code}, follow=True)
    assert "Déjà entré·e à" in text_of(response, "#checkin-result")

    response = staff_client.post(url, {"undo": ticket.pk}, follow=True)
    assert "Entrée annulée" in text_of(response, "#checkin-result")
    assert "0 / 3 entrées" in text(response)

    response = staff_client.post(url, {"code": "nimporte"}, follow=True)
    assert "Code inconnu" in text_of(response, "#checkin-result")

    response = staff_client.get(url, {"q": "Léa"})
    assert "Léa Tremblay" in text_of(response, "#search-results")
    assert staff_client.get(reverse("events_staff:checkin_counts", args=[date.pk])).json() == {
        "checked_in": 0,
        "expected": 3,
    }


def denied(response):
    """Wagtail turns PermissionDenied into a redirect to the admin home, with a message."""
    return response.status_code == 403 or (
        response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    )


@pytest.mark.django_db
def test_staff_without_the_permissions_are_refused(registered, client, django_user_model):
    date, _awa, _jean = registered
    user = django_user_model.objects.create_user("benevole-accueil", "b@example.org", "pw")
    user.is_staff = True
    user.save()
    group = Group.objects.create(name="Bénévoles (accueil)")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(group)
    client.force_login(user)
    urls = [
        reverse("events_staff:attendees", args=[date.pk]),
        reverse("events_staff:export", args=[date.pk, "csv"]),
        reverse("events_staff:sign_in_sheet", args=[date.pk]),
        reverse("events_staff:message", args=[date.pk]),
        reverse("events_staff:checkin", args=[date.pk]),
        reverse("events_staff:checkin_counts", args=[date.pk]),
    ]
    for url in urls:
        assert denied(client.get(url)), url
    assert denied(client.post(urls[4], {"code": tickets_of(_awa)[0].ticket_code}))
    assert checkin.counts(date)["checked_in"] == 0

    # Viewing attendees lets them see the lists, not check people in or write to them.
    group.permissions.add(Permission.objects.get(codename="view_attendee"))
    user = django_user_model.objects.get(pk=user.pk)
    client.force_login(user)
    assert client.get(urls[0]).status_code == 200
    assert denied(client.get(urls[4]))
    assert denied(client.get(urls[3]))

    group.permissions.add(Permission.objects.get(codename="change_attendee"))
    assert client.get(urls[4]).status_code == 200


@pytest.mark.django_db
def test_the_door_page_of_another_day_says_so(registered, staff_client):
    """Tickets were let in on 5 December at the door page of 20 January, without a word."""
    from django.utils.formats import date_format

    from events.models import EventDate

    date, _awa, _jean = registered
    url = reverse("events_staff:checkin", args=[date.pk])
    day = date_format(timezone.localtime(date.start), "DATE_FORMAT")
    assert timezone.localdate(date.start) != timezone.localdate()
    assert f"Cette date est le {day}, pas aujourd'hui" in text(staff_client.get(url))
    # On the day (its start's or its end's, around midnight), nothing of the kind.
    now = timezone.now()
    EventDate.objects.filter(pk=date.pk).update(
        start=now - timedelta(minutes=30), end=now + timedelta(minutes=30)
    )
    assert "pas aujourd'hui" not in text(staff_client.get(url))
    # Nor on the middle day of a Friday-to-Sunday date.
    EventDate.objects.filter(pk=date.pk).update(
        start=now - timedelta(days=1), end=now + timedelta(days=1)
    )
    assert "pas aujourd'hui" not in text(staff_client.get(url))
