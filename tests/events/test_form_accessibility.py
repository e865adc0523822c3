"""Forms that guide (WCAG 3.3.1, 3.3.2, 1.3.5, 2.4.2): after a failed submit the page title
says so, an error summary links to every field in error, each error is tied to its field or
group, the fields carry autocomplete tokens and the required marks are explained."""

import pytest
from bs4 import BeautifulSoup

from events.models import EventPage
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db


def post(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 400
    return BeautifulSoup(response.content, "html.parser")


def summary_links(html):
    summary = html.select_one("main .error-summary")
    assert summary is not None
    return {a["href"]: a.get_text(" ", strip=True) for a in summary.select("a")}


def test_failed_registration_has_a_titled_summary_linking_to_each_field(client, activity):
    empty = {"date": "", "buyer_name": "", "buyer_email": "", "website": ""}
    html = post(client, activity.url + "inscription/", empty)

    # Québec typography: a non-breaking space before the colon.
    assert html.title.get_text().startswith("Erreur\u00a0: Inscription — ")
    summary = html.select_one("main .error-summary")
    assert summary["role"] == "alert" and summary["tabindex"] == "-1"
    # First thing in <main>'s content, and focused by the page's own script.
    assert html.select_one("main .container").find(True) is summary
    assert "error-summary" in html.select_one("main script").get_text()
    links = summary_links(html)
    assert links["#id_date_0"] == "Choisissez une date."
    assert links["#id_buyer_name"] == "Indiquez votre nom."
    assert links["#id_buyer_email"] == "Indiquez votre courriel."
    assert links["#id_consent"].startswith("Cochez la case")
    # Every link leads to an element that exists.
    for anchor in links:
        assert html.select_one(anchor) is not None, anchor


def test_each_error_is_tied_to_its_field_and_the_dates_error_to_their_fieldset(client, activity):
    html = post(client, activity.url + "inscription/", {"website": ""})
    for name in ("buyer_name", "buyer_email", "consent"):
        field = html.select_one(f"#id_{name}")
        assert field["aria-invalid"] == "true"
        described = field["aria-describedby"].split()
        assert f"id_{name}_error" in described
        assert html.select_one(f"#id_{name}_error").get_text(strip=True)
    fieldset = html.select_one("#id_date_0").find_parent("fieldset")
    assert fieldset["aria-describedby"] == "id_date_error"
    assert "Choisissez une date." in html.select_one("#id_date_error").get_text()


def test_no_ticket_marks_every_quantity_field_invalid(client, activity):
    html = post(client, activity.url + "inscription/", registration_data(activity))
    quantities = html.select("fieldset.tickets input[name^=quantity_]")
    assert len(quantities) == 2
    for field in quantities:
        assert field["aria-invalid"] == "true"
        assert field["aria-describedby"] == "tickets-error"
    assert html.select_one("#tickets-error").get_text(strip=True) == (
        "Choisissez au moins un billet."
    )
    assert summary_links(html) == {"#" + quantities[0]["id"]: "Choisissez au moins un billet."}


def test_an_english_failure_is_titled_in_english(client, english):
    html = post(client, english.url + "inscription/", {"website": ""})
    assert html.title.get_text().startswith("Error: Registration — ")
    assert html.select_one(".error-summary h2").get_text() == "There is a problem"
    assert summary_links(html)["#id_buyer_name"] == "Enter your name."


def test_waiting_list_errors_use_the_same_summary(client, demo_site):
    page = EventPage.objects.get(slug="atelier-presque-complet", locale__language_code="fr")
    html = post(client, page.url + "liste-attente/", {"website": ""})
    assert html.title.get_text().startswith("Erreur\u00a0: ")
    links = summary_links(html)
    assert links["#id_name"] == "Indiquez votre nom."
    assert links["#id_email"] == "Indiquez votre courriel."


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("inscription/", {"buyer_name": "name", "buyer_email": "email"}),
        ("liste-attente/", {"name": "name", "email": "email"}),
    ],
)
def test_name_and_email_fields_have_autocomplete_tokens(client, activity, path, fields):
    html = BeautifulSoup(client.get(activity.url + path).content, "html.parser")
    for name, token in fields.items():
        assert html.select_one(f"#id_{name}")["autocomplete"] == token


@pytest.mark.parametrize("path", ["inscription/", "liste-attente/"])
def test_required_marks_are_explained_once_and_the_consent_box_has_one(client, activity, path):
    html = BeautifulSoup(client.get(activity.url + path).content, "html.parser")
    form = html.select_one("form.registration-form")
    notes = form.select(".form__required-note")
    assert [n.get_text(strip=True) for n in notes] == [
        "Les champs marqués d'un astérisque (*) sont obligatoires."
    ]
    consent_label = form.select_one("label[for=id_consent]")
    assert consent_label.select_one(".field__required").get_text() == "*"


def test_logo_link_is_named_by_its_visible_text(client, demo_site):
    html = BeautifulSoup(client.get("/").content, "html.parser")
    brand = html.select_one("a.brand")
    assert not brand.has_attr("aria-label")
    name = brand.get_text(" ", strip=True)
    assert name.startswith("CÉSIQ Éducation à la solidarité internationale")
