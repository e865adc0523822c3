"""Checking out: one shop order placed through `orders`, paid on Stripe Checkout (the fake
Stripe over HTTP, a signed webhook), picked up at the CÉSIQ office. Units sold out between
the cart and the payment are never sold; a cancelled or expired order gives its units back."""

import urllib.request
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.utils import timezone

from orders import services
from orders.models import Order, OrderState
from orders.services import OrderError, Selection
from shop import delivery
from tests.conftest import plain, post_webhook
from tests.orders.test_payments import last_event, press
from tests.shop.conftest import variant

pytestmark = pytest.mark.django_db
D = Decimal

CHECKOUT = "/panier/commander/"


def checkout_data(**overrides):
    data = {
        "buyer_name": "Awa Diallo",
        "buyer_email": "awa@example.org",
        "delivery": "office",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def errors(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [
        plain(e.get_text(" ", strip=True))
        for e in html.select(".field__error, .error-summary__list li")
    ]


def messages_of(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [plain(m.get_text(strip=True)) for m in html.select(".messages .message")]


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    def deliver_event(event):
        with django_capture_on_commit_callbacks(execute=True):
            return post_webhook(client, event)

    return deliver_event


@pytest.fixture
def taxes_on(db):
    from orders.models import OrderSettings

    settings = OrderSettings.load()
    settings.taxes_enabled = True
    settings.gst_number = "123456789 RT0001"
    settings.qst_number = "1234567890 TQ0001"
    settings.save()
    return settings


def test_checkout_page_offers_three_ways_to_get_the_products(client, shop_fr, add_to_cart):
    add_to_cart("CAF-PER-340", 1)
    response = client.get(CHECKOUT)
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    choices = [label.get_text(" ", strip=True) for label in html.select(".delivery-choice > label")]
    assert choices == [
        "Cueillette au bureau du CÉSIQ",
        "Cueillette à une activité",
        "Livraison par la poste",
    ]
    text = plain(html.get_text(" ", strip=True))
    # Where and when, each its own sentence (the demo's address is a street, not « Canada »;
    # the editors' hours begin with a capital, which « Heures : » before them would not take).
    assert (
        "125, rue de la Solidarité, Québec (Québec) G1K 3A1. "
        "Du mardi au jeudi, de 10 h à 16 h. Sans frais."
    ) in text
    english = client.get("/en/cart/checkout/").content.decode()
    assert "Pickup at the CÉSIQ office" in english
    assert "Tuesday to Thursday, 10 a.m. to 4 p.m." in english


def test_empty_cart_goes_back_to_the_cart(client, shop_fr, shop_en):
    response = client.get(CHECKOUT, follow=True)
    assert response.redirect_chain[-1][0] == "/panier/"
    # Said once, by the page (a message said it a second time).
    assert "Votre panier est vide." not in messages_of(response)
    assert response.content.decode().count("Votre panier est vide.") == 1
    # …and leads back to the shop, in the visitor's language.
    html = BeautifulSoup(response.content, "html.parser")
    assert html.find("a", string="Voir la boutique")["href"] == shop_fr.url
    english = BeautifulSoup(client.get("/en/cart/").content, "html.parser")
    assert english.find("a", string="Browse the shop")["href"] == shop_en.url


def test_checkout_pays_on_stripe_and_confirms_with_pickup(
    client, shop_fr, add_to_cart, fake_stripe, deliver
):
    add_to_cart("CAF-PER-340", 2)
    add_to_cart("CHO-NOI-100", 3)
    response = client.post(CHECKOUT, checkout_data())
    assert response.status_code == 302
    assert response["Location"].startswith(fake_stripe.url + "/checkout/")
    order = Order.objects.get(buyer_email="awa@example.org")
    assert order.kind == "shop" and order.state == OrderState.PENDING
    assert order.total == D("43.85")  # 2 × 14,50 + 3 × 4,95, taxes off
    assert sorted((line.description, line.quantity) for line in order.lines.all()) == [
        ("Café du Pérou biologique — 340 g", 2),
        ("Tablette de chocolat noir 70 % — Tablette de 100 g", 3),
    ]
    assert variant("CAF-PER-340").left() == 38  # held while the buyer pays
    assert client.get("/panier/").context["cart"].count == 0  # the cart became the order
    # Its page, before it is paid, speaks of the goods it holds (not of « places »).
    pending = plain(client.get(order.get_absolute_url()).content.decode())
    assert "Vos articles sont réservés jusqu'à" in pending
    assert "Vos places" not in pending

    status, location = press(response["Location"], "pay")
    assert status == 303
    back = client.get(urlsplit(location).path + "?" + urlsplit(location).query)
    assert "Paiement en cours de confirmation" in back.content.decode()
    assert deliver(last_event(fake_stripe, "checkout.session.completed")).status_code == 200
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert variant("CAF-PER-340").left() == 38  # now sold
    confirmation = next(m for m in mail.outbox if m.to == ["awa@example.org"])
    assert order.code in confirmation.subject
    assert "Cueillette au bureau du CÉSIQ" in confirmation.body
    assert "Heures : Du mardi au jeudi, de 10 h à 16 h" in plain(confirmation.body)
    assert confirmation.body.count("Réception des achats") == 1
    assert "Votre commande est confirmée" in client.get(order.get_absolute_url()).content.decode()


def test_a_cart_page_left_open_in_another_tab_does_not_fill_the_cart_again(
    client, shop_fr, add_to_cart, fake_stripe
):
    """The cart became an order in one tab; « Passer la commande » on the cart page still
    open in another put its lines back and opened the checkout for a second order."""
    add_to_cart("CHO-NOI-100", 2)
    chocolate = variant("CHO-NOI-100")
    assert client.post(CHECKOUT, checkout_data()).status_code == 302
    order = Order.objects.get(buyer_email="awa@example.org")
    response = client.post(
        "/panier/modifier/", {f"quantity_{chocolate.pk}": "2", "checkout": "1"}, follow=True
    )
    assert client.get("/panier/").context["cart"].count == 0
    assert order.code in plain(response.content.decode())  # the order waiting to be paid
    assert Order.objects.filter(buyer_email="awa@example.org").count() == 1
    assert variant("CHO-NOI-100").left() == chocolate.left()


def test_an_unpaid_shop_order_can_be_cancelled_by_its_buyer(
    client, shop_fr, add_to_cart, fake_stripe, django_capture_on_commit_callbacks
):
    """Back from Stripe's « Annuler », the order page offers to cancel: the goods are put
    back on sale at once (not at the end of the hold), and its payment page closes."""
    add_to_cart("CAF-PER-340", 2)
    response = client.post(CHECKOUT, checkout_data())
    order = Order.objects.get(buyer_email="awa@example.org")
    assert variant("CAF-PER-340").left() == 38
    page = plain(client.get(order.get_absolute_url()).content.decode())
    assert "Vous n'avez pas encore payé : vous pouvez annuler cette commande" in page
    confirm = plain(client.get(order.get_absolute_url() + "annuler/").content.decode())
    assert "Les articles réservés seront remis en vente." in confirm
    with django_capture_on_commit_callbacks(execute=True):
        client.post(order.get_absolute_url() + "annuler/")
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert variant("CAF-PER-340").left() == 40
    assert not order.refunds.exists()  # nothing was paid
    # Its payment page at Stripe is closed: nobody pays for a cancelled order.
    hosted = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with hosted.open(response["Location"], timeout=10) as answer:
        assert "Cette session de paiement a expiré" in answer.read().decode()
    assert "Annuler ma commande" not in client.get(order.get_absolute_url()).content.decode()


def test_english_checkout_gives_an_english_order(client, shop_fr, add_to_cart, fake_stripe):
    add_to_cart("THE-DAR-100", 1)
    response = client.post("/en/cart/checkout/", checkout_data())
    assert response.status_code == 302
    order = Order.objects.get(buyer_email="awa@example.org")
    assert order.language == "en"
    assert order.lines.get().description == "Darjeeling black tea — 100 g"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"consent": ""}, "Cochez la case pour accepter que le CÉSIQ conserve ces renseignements."),
        ({"buyer_email": "pas-un-courriel"}, "Saisissez une adresse de courriel valide."),
        ({"delivery": "livraison"}, "Choisissez un mode de réception proposé."),
        ({"website": "http://spam.example"}, "réservé aux robots"),
    ],
)
def test_bad_checkout_input_changes_nothing(client, shop_fr, add_to_cart, overrides, message):
    add_to_cart("THE-DAR-100", 1)
    response = client.post(CHECKOUT, checkout_data(**overrides))
    assert response.status_code == 400
    assert any(message in e for e in errors(response)), errors(response)
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()
    assert variant("THE-DAR-100").left() == 30


def test_sold_out_since_the_cart_sends_back_to_the_cart_and_sells_nothing(
    client, shop_fr, add_to_cart
):
    add_to_cart("CHO-LAI-100", 3)
    # Someone else buys the last bars meanwhile.
    services.place_order(
        kind="shop",
        buyer_name="Autre",
        buyer_email="autre@example.org",
        language="fr",
        selections=[Selection(item=variant("CHO-LAI-100"), quantity=2)],
    )
    response = client.post(CHECKOUT, checkout_data(), follow=True)
    assert response.redirect_chain[-1][0] == "/panier/"
    assert (
        "Il ne reste qu'une unité de « Tablette de chocolat au lait — Tablette de 100 g » : "
        "la quantité a été ajustée." in messages_of(response)
    )
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_place_order_refuses_more_than_is_left(shop_fr):
    """The last word is the quota's, under its lock: what the cart saw may be stale."""
    with pytest.raises(OrderError, match="Il ne reste que 3 place"):
        services.place_order(
            kind="shop",
            buyer_name="Awa",
            buyer_email="awa@example.org",
            language="fr",
            selections=[Selection(item=variant("CHO-LAI-100"), quantity=4)],
        )
    with pytest.raises(OrderError, match="est complet"):
        services.place_order(
            kind="shop",
            buyer_name="Awa",
            buyer_email="awa@example.org",
            language="fr",
            selections=[Selection(item=variant("CAF-DEC-340"), quantity=1)],
        )
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_sold_out_during_checkout_post_adjusts_the_cart_and_sells_nothing(
    client, shop_fr, add_to_cart, monkeypatch
):
    """The cart looked fine, then another buyer took the units before our order's lock."""
    add_to_cart("CHO-LAI-100", 3)
    real_place_order = services.place_order
    # Another buyer's order is placed (and committed) just before this one.
    real_place = delivery.place

    def other_buyer_first(*args, **kwargs):
        real_place_order(
            kind="shop",
            buyer_name="Autre",
            buyer_email="autre@example.org",
            language="fr",
            selections=[Selection(item=variant("CHO-LAI-100"), quantity=1)],
        )
        return real_place(*args, **kwargs)

    monkeypatch.setattr(delivery, "place", other_buyer_first)
    response = client.post(CHECKOUT, checkout_data(), follow=True)
    assert response.redirect_chain[-1][0] == "/panier/"
    assert (
        "Il ne reste que 2 unités de « Tablette de chocolat au lait — Tablette de 100 g » : "
        "la quantité a été ajustée." in messages_of(response)
    )
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()
    assert client.session["panier"] == {str(variant("CHO-LAI-100").pk): 2}


def test_an_order_refused_for_another_reason_shows_the_reason(
    client, shop_fr, add_to_cart, monkeypatch
):
    add_to_cart("CHO-LAI-100", 1)

    def refused(**kwargs):
        raise OrderError("Refusée pour le test.")

    monkeypatch.setattr(services, "place_order", refused)
    response = client.post(CHECKOUT, checkout_data())
    assert response.status_code == 400
    assert "Refusée pour le test." in errors(response)
    assert client.session["panier"] == {str(variant("CHO-LAI-100").pk): 1}


def place(sku, quantity, now=None):
    return services.place_order(
        kind="shop",
        buyer_name="Awa",
        buyer_email="awa@example.org",
        language="fr",
        selections=[Selection(item=variant(sku), quantity=quantity)],
        now=now,
    )


def test_cancelled_and_expired_orders_give_their_stock_back(shop_fr):
    scarf = variant("ART-ECH-01")  # 8 in stock
    first = place("ART-ECH-01", 5)
    assert scarf.left() == 3
    services.cancel_order(first, reason="test", notify=False)
    assert scarf.left() == 8

    earlier = timezone.now() - timedelta(hours=2)
    stale = place("ART-ECH-01", 6, now=earlier)
    assert stale.expires_at < timezone.now()
    assert scarf.left() == 8  # an expired hold stops counting by itself
    services.expire_stale_orders()
    stale.refresh_from_db()
    assert stale.state == OrderState.EXPIRED
    assert scarf.left() == 8


def test_taxes_follow_each_products_category(client, shop_fr, taxes_on):
    """Coffee and cocoa powder zero-rated, the chocolate bar and the basket taxable
    (GST + QST), the printed book GST only."""
    order = services.place_order(
        kind="shop",
        buyer_name="Awa",
        buyer_email="awa@example.org",
        language="fr",
        selections=[
            Selection(item=variant("CAF-PER-340"), quantity=1),  # 14.50, zero-rated
            Selection(item=variant("CHO-CAC-250"), quantity=1),  # 8.95, zero-rated
            Selection(item=variant("CHO-NOI-100"), quantity=2),  # 9.90, taxable
            Selection(item=variant("ART-PAN-01"), quantity=1),  # 38.00, taxable
            Selection(item=variant("LIV-CEQ-01"), quantity=1),  # 24.95, GST only
        ],
    )
    categories = {line.description.split(" — ")[0]: line.tax_category for line in order.lines.all()}
    assert categories == {
        "Café du Pérou biologique": "zero",
        "Cacao en poudre non sucré": "zero",
        "Tablette de chocolat noir 70 %": "taxable",
        "Panier tressé": "taxable",
        "Livre : le commerce équitable, trente ans après": "gst_only",
    }
    # GST on 9.90 + 38.00 + 24.95 = 72.85 → 3.64; QST on 47.90 → 4.778… → 4.78.
    assert order.gst == D("3.64")
    assert order.qst == D("4.78")
    assert order.total == D("96.30") + D("3.64") + D("4.78")


@pytest.mark.parametrize("taxes", [False, True])
def test_the_cart_and_checkout_speak_of_taxes_only_when_they_are_collected(
    client, shop_fr, add_to_cart, taxes
):
    from orders.models import OrderSettings

    settings = OrderSettings.load()
    settings.taxes_enabled = taxes
    settings.save()
    add_to_cart("CAF-PER-340", 1)
    cart = plain(BeautifulSoup(client.get("/panier/").content, "html.parser").get_text(" "))
    checkout = plain(BeautifulSoup(client.get(CHECKOUT).content, "html.parser").get_text(" "))
    mentions = [
        "Les taxes applicables" in cart,
        "TPS et TVQ" in checkout,
        "taxes de la province de livraison" in checkout,
        "Taxes du Québec" in checkout,
    ]
    assert mentions == [taxes] * 4
    assert "Sans frais" in checkout and "Tarif fixe selon la province" in checkout


def test_checkout_sent_twice_is_one_order_on_one_stripe_page(
    client, shop_fr, add_to_cart, fake_stripe
):
    """A double click on « Commander » (or the page sent again from the history) places one
    order and holds its units once; the second sending leads to the same Stripe page, not to
    the cart the first one emptied."""
    add_to_cart("CAF-PER-340", 2)
    html = BeautifulSoup(client.get(CHECKOUT).content, "html.parser")
    token = html.select_one("form input[name=csrfmiddlewaretoken]")["value"]
    data = checkout_data(csrfmiddlewaretoken=token)
    first = client.post(CHECKOUT, data)
    second = client.post(CHECKOUT, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"].startswith(fake_stripe.url + "/checkout/")
    assert second["Location"] == first["Location"]
    assert Order.objects.filter(buyer_email="awa@example.org").count() == 1
    assert len(fake_stripe.sessions) == 1
    assert variant("CAF-PER-340").left() == 38


def test_back_from_the_payment_page_the_cart_offers_to_pay_the_order(
    client, shop_fr, add_to_cart, fake_stripe, deliver
):
    """The browser's Back button on Stripe's page led to an empty cart, with no way to the
    order holding the units."""
    add_to_cart("CAF-PER-340", 1)
    response = client.post(CHECKOUT, checkout_data())
    order = Order.objects.get(buyer_email="awa@example.org")
    html = BeautifulSoup(client.get("/panier/").content, "html.parser")
    notice = plain(html.select_one(".notice--pending").get_text(" ", strip=True))
    assert f"Votre commande {order.code} attend son paiement" in notice
    pay = html.select_one(".notice--pending form")
    assert pay["action"] == f"{order.get_absolute_url()}payer/"
    assert client.post(pay["action"]).headers["Location"] == response["Location"]
    # Paid: nothing more to offer.
    press(response["Location"], "pay")
    deliver(last_event(fake_stripe, "checkout.session.completed"))
    html = BeautifulSoup(client.get("/panier/").content, "html.parser")
    assert html.select_one(".notice--pending") is None
    assert "Votre panier est vide." in html.get_text()


def test_cancelled_on_the_payment_page_the_order_page_says_so(
    client, shop_fr, add_to_cart, fake_stripe
):
    """« Annuler » on Stripe's page led back to a page that said nothing of it, and offered
    to print an unpaid order as a receipt."""
    add_to_cart("CAF-PER-340", 1)
    response = client.post(CHECKOUT, checkout_data())
    order = Order.objects.get(buyer_email="awa@example.org")
    status, location = press(response["Location"], "cancel")
    assert status == 303
    parts = urlsplit(location)
    assert (parts.path, parts.query) == (order.get_absolute_url(), "retour=annule")
    page = plain(
        BeautifulSoup(client.get(f"{parts.path}?{parts.query}").content, "html.parser").get_text(
            " ", strip=True
        )
    )
    assert (
        "Le paiement n'a pas été fait. Rien n'a été débité. Vous pouvez payer de nouveau "
        "ci-dessous, ou annuler la commande."
    ) in page
    assert "Pour garder ce reçu" not in page
    # The same page without coming back from Stripe: no such notice.
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Le paiement n'a pas été fait." not in plain(page)
