"""What a person sees when the site refuses hostile input at its boundary (any database):
a translated form error, the current month, or a plain 404 for an address that cannot name
anything. The property-based test (test_hostile_input.py) covers the rest on PostgreSQL."""

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from wagtail.models import Locale

from events.models import EventPage
from orders.models import Order
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db


def errors(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [
        e.get_text(" ", strip=True)
        for e in html.select(".field__error, .notice--error p, .error-summary li")
    ]


@pytest.fixture
def talk(demo_site):
    return EventPage.objects.get(slug="conference-justice-climatique", locale__language_code="fr")


def one_place(page):
    ticket = page.source.ticket_types.get()
    return {f"quantity_{ticket.pk}": 1}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("fr", "Ce champ contient des caractères non permis."),
        ("en", "This field contains characters that are not allowed."),
    ],
)
def test_control_characters_in_a_name_are_refused_in_the_visitors_language(
    client, talk, language, message
):
    shown = (
        talk if language == "fr" else talk.get_translation(Locale.objects.get(language_code="en"))
    )
    data = registration_data(talk, buyer_name="Awa\x1b[31m Diallo", **one_place(talk))
    response = client.post(shown.url + "inscription/", data)
    assert response.status_code == 400
    assert message in errors(response)
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_a_line_break_in_the_attendee_names_is_fine_but_not_a_nul(client, talk):
    data = registration_data(talk, attendee_names="Awa\x00", **one_place(talk))
    response = client.post(talk.url + "inscription/", data)
    assert response.status_code == 400
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()
    data = registration_data(talk, attendee_names="Awa Diallo\r\n", **one_place(talk))
    assert client.post(talk.url + "inscription/", data).status_code == 302


def test_an_email_longer_than_its_column_is_a_form_error(client, talk):
    email = "a" * 300 + "@example.org"
    response = client.post(
        talk.url + "inscription/", registration_data(talk, buyer_email=email, **one_place(talk))
    )
    assert response.status_code == 400
    assert any("254" in e for e in errors(response)), errors(response)
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_a_month_that_has_no_calendar_shows_this_month(client, demo_site):
    response = client.get("/activites/", {"vue": "mois", "mois": "0000-01"})
    assert response.status_code == 200
    caption = BeautifulSoup(response.content, "html.parser").select_one(".month__caption")
    today = timezone.localdate()
    assert str(today.year) in caption.get_text()


@pytest.mark.parametrize(
    "url",
    [
        "/billet/a%00b/",
        "/billet/a%20b/",
        "/liste-attente/a%00b/quitter/",
        "/commande/A%00B/token/",
        "/commande/ABCDEFO/token/",  # O is not in the order-code alphabet
        "/commande/ABCDEFG/t%00k/annuler/",
    ],
)
def test_addresses_that_cannot_name_anything_are_not_found(client, demo_site, url):
    assert client.get(url).status_code == 404


def test_a_search_with_a_control_character_says_so(client, demo_site):
    response = client.get("/recherche/", {"q": "climat\x00"})
    assert response.status_code == 400
    assert "Ce champ contient des caractères non permis." in response.content.decode()
    response = client.get("/recherche/", {"q": "climat"})
    assert response.status_code == 200
