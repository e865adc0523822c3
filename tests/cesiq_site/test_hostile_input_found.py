"""What a hostile-input tester found (5 December 2026): each request gave Django's error page
(a 500) or a wrong answer. Each is answered now, with the site's own message, changing nothing.

- digits that `str.isdigit` accepts and `int` refuses (« ² »), in a membership link, the
  registration form and the cart's keys;
- a NUL byte, which PostgreSQL refuses in any query: the news list's tag, the email of a
  registration for a full activity, a code typed at the door or sent by an offline phone;
- ids of twenty-five digits (SQLite cannot compare them: the demo's `make run`);
- a JSON body nested 100,000 deep for the door's sync;
- the orders list filtered to 9999-12-31 (its end of day, in UTC, is in the year 10000).
"""

import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from cesiq_site.validation import id_or_none
from events.models import EventPage
from orders.models import Order
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db

HUGE = "9" * 25


def said(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


@pytest.fixture
def visitor(demo_site):
    from cesiq_site import ratelimit

    ratelimit.reset()
    return Client(raise_request_exception=False)


@pytest.fixture
def staff(demo_site):
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("²", None),
        ("٣", None),
        ("1_0", None),
        ("-1", None),
        ("0", None),
        (HUGE, None),
        ("", None),
        (None, None),
        ("1e3", None),
    ],
)
def test_an_id_is_plain_digits_of_a_size_a_database_takes(value, expected):
    assert id_or_none(value) == expected


def test_a_membership_link_with_odd_digits_shows_the_form(visitor):
    for value in ("%C2%B2", HUGE, "-1"):
        response = visitor.get(f"/devenir-membre/?categorie={value}")
        assert response.status_code == 200, value


def test_a_registration_with_odd_digits_is_refused_with_a_message(visitor):
    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    assert page.ticket_types.count() >= 2  # the labels of each person's block: two types
    first = page.ticket_types.first()
    data = registration_data(page, **{f"quantity_{first.pk}": "²"})
    response = visitor.post(page.url + "inscription/", data)
    assert response.status_code == 400
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_cart_keys_with_odd_digits_or_huge_ids_change_nothing(visitor):
    for data in (
        {"quantity_t²-6": "1"},
        {"remove": "t²-6"},
        {"quantity_t9-²": "0"},
        {f"quantity_{HUGE}": "1"},
        {"remove": HUGE},
    ):
        response = visitor.post("/panier/modifier/", data, follow=True)
        assert response.status_code == 200, data
    response = visitor.post("/panier/ajouter/", {"variant": HUGE, "quantity": "1"}, follow=True)
    assert response.status_code in (200, 400)
    assert "Ce produit n'existe pas ou n'est plus en vente." in said(response)
    assert visitor.get("/panier/").context["cart"].count == 0


def test_removing_what_is_not_in_the_cart_does_not_say_it_was_removed(visitor):
    response = visitor.post("/panier/modifier/", {"remove": "12345"}, follow=True)
    assert "Cet article n'est plus dans votre panier." in said(response)
    assert "L'article a été retiré" not in said(response)


def test_a_school_request_with_odd_theme_ids_says_choose_from_the_list(visitor):
    for theme in ("abc", "-1", HUGE):
        response = visitor.post("/demande-d-animation/", {"themes": theme})
        assert response.status_code in (200, 400), theme
        assert "Choisissez des thèmes de la liste." in said(response), theme


@pytest.mark.postgres
def test_a_nul_byte_in_a_news_tag_is_no_filter(visitor):
    for url in ("/actualites/?tag=%00", "/en/news/?tag=a%00b"):
        assert visitor.get(url).status_code == 200, url


@pytest.mark.postgres
def test_a_nul_byte_in_the_email_for_a_full_activity_is_refused_by_the_form(visitor):
    page = EventPage.objects.get(slug="atelier-produits-menagers", locale__language_code="fr")
    data = registration_data(page, buyer_email="a\x00@example.ca")
    response = visitor.post(page.url + "inscription/", data)
    assert response.status_code in (200, 400)
    assert not Order.objects.filter(buyer_email__startswith="a").exists()


@pytest.mark.postgres
def test_the_door_answers_a_nul_byte_and_a_deeply_nested_sync(staff):
    from events.models import EventDate

    date = EventDate.objects.order_by("pk").first()
    response = staff.post(
        reverse("events_staff:checkin", args=[date.pk]), {"code": "a\x00"}, follow=True
    )
    assert response.status_code == 200
    sync = reverse("events_staff:checkin_sync", args=[date.pk])
    nested = staff.post(sync, "[" * 100_000, content_type="application/json")
    assert nested.status_code == 400
    scans = {"scans": [{"id": "z\x00", "code": "abc", "at": "2026-12-05T10:00:00+00:00"}]}
    refused = staff.post(sync, json.dumps(scans), content_type="application/json")
    assert refused.status_code == 400


def test_the_orders_list_refuses_dates_no_order_can_have(staff):
    response = staff.get("/admin/orders/", {"created_at_to": "9999-12-31"})
    assert response.status_code == 200
    assert "Choisissez des dates entre l'an 2000 et l'an 2999." in said(response)


def test_the_pick_list_ignores_odd_order_ids(staff):
    for value in ("%C2%B2", HUGE):
        response = staff.get(f"/admin/boutique/liste-de-cueillette/?commande={value}")
        assert response.status_code == 200, value


# --- messages: one, clear, in the site's words ------------------------------------------------


def errors_of(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [" ".join(e.get_text(" ").split()) for e in html.select(".field__error")]


def test_too_many_places_on_the_waiting_list_is_said_once_with_the_range(visitor):
    page = EventPage.objects.get(slug="atelier-produits-menagers", locale__language_code="fr")
    data = {
        "date": page.source.upcoming_dates[0].pk,
        "name": "Léa",
        "email": "lea@example.org",
        "consent": "on",
        "website": "",
    }
    for places in ("99", "0", "1e1"):
        response = visitor.post(page.url + "liste-attente/", {**data, "places": places})
        found = [e for e in errors_of(response) if "places" in e]
        assert len(found) == 1, (places, errors_of(response))
        assert found[0].startswith("Indiquez un nombre de places entre 1 et "), found


def test_a_nul_byte_in_a_name_is_one_error(visitor):
    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    ticket = page.ticket_types.first()
    data = registration_data(page, buyer_name="Awa\x00", **{f"quantity_{ticket.pk}": 1})
    response = visitor.post(page.url + "inscription/", data)
    assert errors_of(response).count("Ce champ contient des caractères non permis.") == 1
    assert not any("caractère nul" in e for e in errors_of(response))


def test_a_refused_tribute_name_is_not_said_missing(visitor):
    from tests.donations.conftest import PAGE, gift_data

    response = visitor.post(PAGE, gift_data(tribute="memory", tribute_name="Rosa\x00"))
    assert "Ce champ contient des caractères non permis." in errors_of(response)
    assert not any("Indiquez le nom de la personne" in e for e in errors_of(response))
    response = visitor.post(PAGE, gift_data(amount="autre", other_amount="1" * 16))
    assert len([e for e in errors_of(response) if "montant" in e]) == 1


def test_an_unknown_shop_filter_is_ignored_and_said_so_the_others_still_apply(visitor):
    response = visitor.get("/boutique/", {"tri": "zzz", "categorie": "the"})
    text = said(response)
    assert response.status_code == 200
    assert "Ce choix n’existe pas : le filtre est ignoré." in text
    assert "Sélectionnez un choix valide" not in text and "zzz" not in text
    titles = [
        a.get_text(strip=True)
        for a in BeautifulSoup(response.content, "html.parser").select(
            ".product-card__title a, .product-card a"
        )
    ]
    assert titles and not any(t.startswith("Café") for t in titles)  # the category applied


def test_a_form_sent_without_its_fields_says_what_is_missing(visitor):
    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    for url in (page.url + "inscription/", "/faire-un-don/", "/devenir-membre/"):
        response = visitor.post(url, {})
        assert response.status_code in (200, 400), url
        assert errors_of(response) or "error-summary" in response.content.decode(), url


def test_a_cart_quantity_is_plain_digits(visitor):
    from tests.shop.conftest import variant

    for typed in ("1_0", "٣"):
        response = visitor.post(
            "/panier/ajouter/",
            {"variant": variant("THE-DAR-100").pk, "quantity": typed},
            follow=True,
        )
        assert "La quantité doit être un nombre entier." in said(response), typed
    assert visitor.get("/panier/").context["cart"].count == 0


def test_a_refused_csrf_token_and_a_bad_request_have_the_sites_own_pages(demo_site, rf):
    from django.views.defaults import bad_request

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/faire-un-don/", {"amount": "25.00"})
    assert response.status_code == 403
    assert "Ce formulaire n'a pas pu être envoyé" in said(response)
    assert "Rien n'a été enregistré." in said(response)
    page = bad_request(rf.get("/"), Exception("Trop grand"))
    assert page.status_code == 400
    assert "Demande invalide" in page.content.decode()
