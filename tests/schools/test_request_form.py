"""A teacher asks for a workshop on the public "Demande d'animation" page: a valid request is
saved and acknowledged by email; bad input gets clear messages and saves nothing; spam is
refused; everything works without JavaScript (a plain form POST)."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from orders.models import OutboxEmail
from schools.models import BookingStatus, WorkshopBooking
from tests.conftest import plain

from .conftest import form_data, in_days

pytestmark = pytest.mark.django_db


def summary(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [plain(li.get_text(" ", strip=True)) for li in html.select(".error-summary li")]


def test_the_page_shows_the_form_in_french_and_english(client, request_page, request_page_en):
    response = client.get(request_page.url)
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    assert html.h1.get_text(strip=True) == "Demande d'animation"
    labels = {plain(label.get_text(" ", strip=True)) for label in html.select("label")}
    assert {"École *", "Centre de services scolaire", "Nombre d'élèves *"} <= labels
    assert html.select_one("select[name=level] option[value=cegep]")
    assert html.select_one("input[name=preferred_date_1][type=date]")
    assert html.select("input[name=themes][type=checkbox]")

    english = client.get(request_page_en.url)
    assert english.status_code == 200
    text = plain(BeautifulSoup(english.content, "html.parser").get_text(" "))
    assert "School board" in text and "Number of students" in text


@pytest.mark.parametrize("phone", ["(418) 555-0199", "+1 418.555.0199 poste 12", "4185550199"])
def test_phone_numbers_as_people_write_them(client, request_page, clock, phone):
    data = form_data(phone=phone)
    clock.advance(30)
    assert client.post(request_page.url, data).status_code == 302
    assert WorkshopBooking.objects.latest("pk").phone == phone


def test_a_valid_request_is_saved_and_acknowledged(client, request_page, clock):
    data = form_data()
    clock.advance(30)
    before = WorkshopBooking.objects.count()
    response = client.post(request_page.url, data)
    booking = WorkshopBooking.objects.latest("pk")
    # Saved, then the thanks at an address of its own: reloading it sends nothing again.
    assert (response.status_code, response["Location"]) == (
        302,
        f"{request_page.url}?envoyee={booking.reference}",
    )
    thanks = response["Location"]
    for _ in range(2):
        response = client.get(thanks)
        assert response.status_code == 200
    assert WorkshopBooking.objects.count() == before + 1
    assert booking.status == BookingStatus.NEW
    assert (booking.school, booking.group_size, booking.level) == (
        "École Saint-Jean-Baptiste",
        24,
        "primaire-2",
    )
    assert booking.preferred_dates == [in_days(30), in_days(37)]
    assert booking.themes.count() == 1
    assert booking.language == "fr" and booking.consent_at is not None
    text = plain(BeautifulSoup(response.content, "html.parser").get_text(" "))
    assert f"Votre demande {booking.reference} est bien reçue" in text

    email = OutboxEmail.objects.get(key=f"workshop_request:{booking.pk}")
    assert email.to == "nadia.roy@ecole.example"
    assert booking.reference in plain(email.subject)
    assert "École Saint-Jean-Baptiste" in email.body_text


def test_a_request_in_english_gets_its_email_in_english(client, request_page_en, clock):
    from events.models import Theme

    theme = Theme.objects.filter(locale__language_code="en").first()
    data = form_data(email="teacher@school.example", themes=[str(theme.pk)])
    clock.advance(30)
    response = client.post(request_page_en.url, data, follow=True)
    assert response.status_code == 200
    booking = WorkshopBooking.objects.get(email="teacher@school.example")
    assert f"Your request {booking.reference} has been received." in response.content.decode()
    assert booking.language == "en"
    email = OutboxEmail.objects.get(key=f"workshop_request:{booking.pk}")
    assert email.subject.startswith("Workshop request received")
    assert list(booking.themes.all()) == [theme]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"group_size": "500"}, "Indiquez un nombre d'élèves entre 5 et 120."),
        ({"group_size": "deux"}, "Indiquez un nombre d'élèves entre 5 et 120."),
        ({"preferred_date_2": ""}, "Indiquez au moins deux dates souhaitées."),
        ({"preferred_date_1": "2020-01-01"}, "Choisissez une date à venir."),
        ({"preferred_date_1": "31/02/2027"}, "Indiquez une date valide, comme 2027-03-15."),
        ({"level": "maternelle"}, "Choisissez le niveau du groupe."),
        ({"email": "pas-un-courriel"}, "Indiquez un courriel valide, comme nom@exemple.ca."),
        ({"school": ""}, "Indiquez le nom de l'école."),
        ({"consent": ""}, "Cochez la case pour accepter que le CÉSIQ conserve ces renseignements."),
        ({"message": "x" * 2001}, "Le message doit faire au plus 2 000 caractères."),
        ({"themes": ["999999"]}, "Choisissez des thèmes de la liste."),
        ({"school": "École\x00"}, "Ce champ contient des caractères non permis."),
        ({"phone": "abc"}, "Indiquez un numéro de téléphone, par exemple 418 555-0199 (poste 12)."),
        (
            {"phone": "555-0199"},
            "Indiquez un numéro de téléphone, par exemple 418 555-0199 (poste 12).",
        ),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(
    client, request_page, clock, overrides, message
):
    data = form_data(**overrides)
    clock.advance(30)
    before = WorkshopBooking.objects.count()
    emails = OutboxEmail.objects.count()
    response = client.post(request_page.url, data)
    assert response.status_code == 400
    assert message in summary(response)
    assert WorkshopBooking.objects.count() == before
    assert OutboxEmail.objects.count() == emails
    # What the teacher typed is kept for the correction.
    html = BeautifulSoup(response.content, "html.parser")
    assert html.select_one("input[name=contact_name]")["value"] == "Nadia Roy"


def test_the_same_date_twice_is_refused(client, request_page, clock):
    data = form_data(preferred_date_2=in_days(30).isoformat())
    clock.advance(30)
    response = client.post(request_page.url, data)
    assert response.status_code == 400
    assert "Choisissez des dates différentes." in summary(response)


def test_a_weekend_date_is_refused(client, request_page, clock):
    """The workshop is given in class: a Saturday or a Sunday is no date for it."""
    monday = in_days(30)
    monday -= timedelta(days=monday.weekday())
    before = WorkshopBooking.objects.count()
    for weekend in (monday + timedelta(days=5), monday + timedelta(days=6)):
        data = form_data(preferred_date_2=weekend.isoformat())
        clock.advance(30)
        response = client.post(request_page.url, data)
        assert response.status_code == 400
        assert "Choisissez un jour de classe, du lundi au vendredi." in summary(response)
    assert WorkshopBooking.objects.count() == before


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ((12, 25), "Ce jour est férié (Noël) : choisissez un jour de classe."),
        ((6, 24), "Ce jour est férié (Fête nationale du Québec) : choisissez un jour de classe."),
        ((12, 30), "Les écoles sont fermées pendant les vacances des Fêtes"),
        ((7, 20), "Les écoles sont fermées pendant l'été : choisissez un jour de classe."),
    ],
)
def test_a_holiday_or_a_school_break_is_refused(client, request_page, clock, day, message):
    """No school gives class then; the next such weekday within the year and a half asked."""
    from datetime import date

    today = timezone.localdate()
    wanted = next(
        date(year, *day)
        for year in (today.year, today.year + 1, today.year + 2)
        if date(year, *day) > today and date(year, *day).weekday() < 5
    )
    data = form_data(preferred_date_2=wanted.isoformat())
    clock.advance(30)
    before = WorkshopBooking.objects.count()
    response = client.post(request_page.url, data)
    assert response.status_code == 400
    assert any(message in line for line in summary(response)), summary(response)
    assert WorkshopBooking.objects.count() == before


def test_easter_monday_and_patriots_day_are_holidays():
    from datetime import date

    from schools.calendar import easter, no_class

    assert [easter(y) for y in (2024, 2025, 2026, 2027, 2038)] == [
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
        date(2038, 4, 25),
    ]
    assert "Lundi de Pâques" in no_class(date(2027, 3, 29))
    assert "Vendredi saint" in no_class(date(2027, 3, 26))
    assert "Journée nationale des patriotes" in no_class(date(2027, 5, 24))
    assert "Action de grâce" in no_class(date(2027, 10, 11))
    assert no_class(date(2027, 3, 30)) is None


@pytest.mark.parametrize(
    ("overrides", "wait", "message"),
    [
        ({"site_web": "http://spam.example"}, 30, "ressemble à un envoi automatique"),
        ({}, 1, "trop vite"),
        ({"form_started": "forged"}, 30, "a expiré"),
    ],
)
def test_spam_is_refused_and_nothing_saved(client, request_page, clock, overrides, wait, message):
    data = form_data(**overrides)
    clock.advance(wait)
    before = WorkshopBooking.objects.count()
    response = client.post(request_page.url, data)
    assert response.status_code == 400
    assert any(message in line for line in summary(response))
    assert WorkshopBooking.objects.count() == before


def test_a_client_sending_too_many_requests_is_stopped(client, request_page, clock, settings):
    settings.RATE_LIMITS = {"posts": (2, 600)}
    clock.advance(30)
    for _ in range(2):
        assert client.post(request_page.url, form_data(site_web="x")).status_code == 400
    response = client.post(request_page.url, form_data())
    assert response.status_code == 429


def test_requests_sent_count_apart_from_mistakes(client, request_page, clock, settings):
    settings.RATE_LIMITS = {"form": (1, 600)}
    mistaken, valid = form_data(school=""), form_data()
    clock.advance(30)
    before = WorkshopBooking.objects.count()
    for _ in range(3):  # mistakes corrected are not requests sent
        assert client.post(request_page.url, mistaken).status_code == 400
    assert client.post(request_page.url, valid).status_code == 302
    assert client.post(request_page.url, valid).status_code == 429
    assert WorkshopBooking.objects.count() == before + 1
