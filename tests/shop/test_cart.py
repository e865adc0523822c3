"""The session cart: POST forms that work without JavaScript, prices re-read from the
database, every bad input refused with a clear message and nothing changed."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from shop.cart import SESSION_KEY
from tests.conftest import plain
from tests.shop.conftest import variant

pytestmark = pytest.mark.django_db


def messages_of(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [plain(m.get_text(strip=True)) for m in html.select(".messages .message")]


def lines(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [
        (plain(row.select_one("th").get_text(" ", strip=True)), row.select_one("input")["value"])
        for row in html.select(".order-lines tbody tr")
    ]


def cart_count(response):
    html = BeautifulSoup(response.content, "html.parser")
    return html.select_one(".cart-link__count").get_text(strip=True)


def set_session_cart(client, value):
    session = client.session
    session[SESSION_KEY] = value
    session.save()


def test_add_update_and_remove_with_plain_forms(client, shop_fr, add_to_cart):
    response = add_to_cart("CAF-PER-340", 2)
    assert response.status_code == 302 and response["Location"] == "/panier/"
    add_to_cart("CHO-NOI-100", 1)
    add_to_cart("CAF-PER-340", 1)  # adds up
    page = client.get("/panier/")
    assert lines(page) == [
        ("Café du Pérou biologique — 340 g", "3"),
        ("Tablette de chocolat noir 70 % — Tablette de 100 g", "1"),
    ]
    assert cart_count(page) == "(4)"
    assert "48,45" in page.content.decode()  # 3 × 14,50 + 4,95

    coffee, chocolate = variant("CAF-PER-340"), variant("CHO-NOI-100")
    client.post("/panier/modifier/", {f"quantity_{coffee.pk}": "1", f"quantity_{chocolate.pk}": 2})
    assert lines(client.get("/panier/")) == [
        ("Café du Pérou biologique — 340 g", "1"),
        ("Tablette de chocolat noir 70 % — Tablette de 100 g", "2"),
    ]
    response = client.post("/panier/modifier/", {"remove": coffee.pk}, follow=True)
    assert "L'article a été retiré de votre panier." in messages_of(response)
    assert lines(response) == [("Tablette de chocolat noir 70 % — Tablette de 100 g", "2")]
    client.post("/panier/modifier/", {f"quantity_{chocolate.pk}": "0"})
    assert "Votre panier est vide." in client.get("/panier/").content.decode()


def test_checking_out_keeps_the_quantities_typed_without_updating(client, shop_fr, add_to_cart):
    """« Passer la commande » was a link: a quantity changed on screen was lost on the way."""
    add_to_cart("CHO-NOI-100", 1)
    chocolate = variant("CHO-NOI-100")
    response = client.post("/panier/modifier/", {f"quantity_{chocolate.pk}": "3", "checkout": "1"})
    assert response.status_code == 302 and response["Location"] == "/panier/commander/"
    assert "14,85" in client.get("/panier/commander/").content.decode()  # 3 × 4,95
    # A refused quantity stays in the cart, with its message, rather than going on.
    response = client.post(
        "/panier/modifier/", {f"quantity_{chocolate.pk}": "-2", "checkout": "1"}, follow=True
    )
    assert response.redirect_chain == [("/panier/", 302)]
    assert "la quantité ne peut pas être négative." in " ".join(messages_of(response)).lower()
    assert lines(response) == [("Tablette de chocolat noir 70 % — Tablette de 100 g", "3")]


def test_cart_count_shows_in_the_header_on_every_page(client, shop_fr, add_to_cart, home_fr):
    assert cart_count(client.get(home_fr.url)) == "(0)"
    add_to_cart("THE-DAR-100", 3)
    assert cart_count(client.get(home_fr.url)) == "(3)"
    assert cart_count(client.get(shop_fr.url)) == "(3)"


def test_cart_survives_a_language_switch(client, shop_fr, add_to_cart):
    add_to_cart("THE-DAR-100", 2)
    response = client.get("/en/cart/")
    assert response.status_code == 200
    assert lines(response) == [("Darjeeling black tea — 100 g", "2")]
    assert "$19.50" in response.content.decode()


def test_prices_are_always_read_from_the_database(client, shop_fr, add_to_cart):
    add_to_cart("SUC-CAN-1KG", 2)
    sugar = variant("SUC-CAN-1KG")
    sugar.price = Decimal("8.00")
    sugar.save()
    text = client.get("/panier/").content.decode()
    assert "16,00" in text and "14,50" not in text
    # Nothing but ids and quantities is kept in the session.
    assert client.session[SESSION_KEY] == {str(sugar.pk): 2}


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-1", "La quantité ne peut pas être négative."),
        ("0", "La quantité doit être d'au moins 1."),
        ("abc", "La quantité doit être un nombre entier."),
        ("1e3", "La quantité doit être un nombre entier."),
        ("100000000000000000000", "Au plus 50 unités par article dans une même commande."),
        ("31", "Il ne reste que 30 unités de « Thé noir Darjeeling — 100 g »."),
    ],
)
def test_bad_quantities_are_refused_and_change_nothing(
    client, shop_fr, add_to_cart, quantity, message
):
    response = add_to_cart("THE-DAR-100", quantity)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert message in " ".join(messages_of(page)), messages_of(page)
    assert SESSION_KEY not in client.session or client.session[SESSION_KEY] == {}


def test_a_bad_quantity_in_a_cart_of_several_lines_says_which_line(client, shop_fr, add_to_cart):
    add_to_cart("CAF-PER-340", 2)
    add_to_cart("CHO-NOI-100", 1)
    coffee, chocolate = variant("CAF-PER-340"), variant("CHO-NOI-100")
    response = client.post(
        "/panier/modifier/",
        {f"quantity_{coffee.pk}": "2,5", f"quantity_{chocolate.pk}": "99"},
        follow=True,
    )
    assert messages_of(response)[-2:] == [
        "« Café du Pérou biologique — 340 g » : la quantité doit être un nombre entier.",
        "« Tablette de chocolat noir 70 % — Tablette de 100 g » : au plus 50 unités par "
        "article dans une même commande.",
    ]
    assert lines(response) == [
        ("Café du Pérou biologique — 340 g", "2"),
        ("Tablette de chocolat noir 70 % — Tablette de 100 g", "1"),
    ]


@pytest.mark.parametrize("variant_id", ["999999", "abc", "", "-3"])
def test_unknown_variants_are_refused(client, shop_fr, variant_id):
    response = client.post("/panier/ajouter/", {"variant": variant_id, "quantity": 1}, follow=True)
    assert "Ce produit n'existe pas ou n'est plus en vente." in messages_of(response)
    assert lines(response) == []


def test_sold_out_variant_cannot_be_added(client, shop_fr, add_to_cart):
    response = client.get(add_to_cart("CAF-DEC-340", 1)["Location"])
    assert "« Café décaféiné à l'eau — 340 g » est épuisé." in messages_of(response)


def test_adding_more_than_is_left_across_two_adds(client, shop_fr, add_to_cart):
    add_to_cart("CHO-LAI-100", 2)
    response = client.get(add_to_cart("CHO-LAI-100", 2)["Location"])
    # What is already in the cart is said too: « 3 left » alone reads as « add 3 ».
    assert (
        "Il ne reste que 3 unités de « Tablette de chocolat au lait — Tablette de 100 g ». "
        "Votre panier en contient déjà 2."
    ) in messages_of(response)
    assert lines(response) == [("Tablette de chocolat au lait — Tablette de 100 g", "2")]


def test_redirect_after_an_error_stays_on_this_site(client, shop_fr):
    response = client.post(
        "/panier/ajouter/", {"variant": "x", "quantity": 1, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/panier/"


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ("pas un panier", "Votre panier était illisible : il a été vidé."),
        ({"999999": 1}, "Un article qui n'est plus en vente a été retiré de votre panier."),
        ({"abc": 1}, "Un article inconnu a été retiré de votre panier."),
        ({"{id}": "2"}, "Une quantité invalide a été retirée de votre panier."),
        ({"{id}": -4}, "Une quantité invalide a été retirée de votre panier."),
        ({"{id}": True}, "Une quantité invalide a été retirée de votre panier."),
        ({"{id}": 10**9}, "Une quantité invalide a été retirée de votre panier."),
    ],
)
def test_a_hand_edited_cart_is_cleaned_with_a_message(client, shop_fr, stored, message):
    tea = variant("THE-DAR-100")
    if isinstance(stored, dict):
        stored = {key.replace("{id}", str(tea.pk)): value for key, value in stored.items()}
    set_session_cart(client, stored)
    response = client.get("/panier/")
    assert response.status_code == 200
    assert message in messages_of(response)
    assert lines(response) == []
    assert client.session[SESSION_KEY] == {}


def test_stock_taken_since_adding_adjusts_the_cart_with_a_message(client, shop_fr, add_to_cart):
    add_to_cart("ART-PAN-01", 4)
    basket = variant("ART-PAN-01")
    basket.stock = 2
    basket.save()
    response = client.get("/panier/")
    assert (
        "Il ne reste que 2 unités de « Panier tressé — Moyen » : la quantité a été ajustée."
        in messages_of(response)
    )
    assert lines(response) == [("Panier tressé — Moyen", "2")]
    basket.stock = 0
    basket.save()
    response = client.get("/panier/")
    assert "« Panier tressé — Moyen » est épuisé. Il a été retiré de votre panier." in (
        messages_of(response)
    )


def test_units_kept_for_a_buyer_paying_are_said_reserved_not_sold_out(client, shop_fr, add_to_cart):
    """The last units are in another buyer's unpaid order: they may come back when its hold
    runs out, and the cart says when, in French and in English."""
    from django.utils import formats, timezone

    from cesiq_site.typography import french_text
    from orders.services import Selection, place_order

    add_to_cart("ART-PAN-01", 1)
    basket = variant("ART-PAN-01")
    other = place_order(
        kind="shop",
        buyer_name="Léa Roy",
        buyer_email="lea@example.org",
        language="fr",
        selections=[Selection(item=basket, quantity=basket.left())],
    )
    back = plain(french_text(formats.time_format(timezone.localtime(other.expires_at))))
    reserved = (
        "« Panier tressé — Moyen » est réservé par des personnes en train de payer leur "
        f"commande. Il sera peut-être de nouveau disponible après {back}."
    )
    assert f"{reserved} Il a été retiré de votre panier." in messages_of(client.get("/panier/"))
    assert lines(client.get("/panier/")) == []
    response = client.get(add_to_cart("ART-PAN-01", 1)["Location"])
    assert reserved in messages_of(response)
    response = client.post("/en/cart/add/", {"variant": basket.pk, "quantity": 1}, follow=True)
    with translation.override("en"):
        back = formats.time_format(timezone.localtime(other.expires_at))
    assert (
        "“Woven basket — Medium” is reserved by people paying for their order. It may be "
        f"available again after {back}."
    ) in messages_of(response)


def test_english_messages(client, shop_fr):
    response = client.post("/en/cart/add/", {"variant": "999999", "quantity": 1}, follow=True)
    assert "This product does not exist or is no longer for sale." in messages_of(response)
    tea = variant("THE-DAR-100")
    response = client.post("/en/cart/add/", {"variant": tea.pk, "quantity": "-2"}, follow=True)
    assert "The quantity cannot be negative." in messages_of(response)


def test_cart_forms_refuse_get(client, shop_fr):
    assert client.get("/panier/ajouter/").status_code == 405
    assert client.get("/panier/modifier/").status_code == 405
