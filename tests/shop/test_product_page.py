"""A product page: its variants with their stock, and schema.org Product data whose offers
say what the availability service says, in both languages."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from orders import services
from orders.services import Selection
from tests.conftest import plain
from tests.shop.conftest import product, variant

pytestmark = pytest.mark.django_db


def json_ld(response):
    html = BeautifulSoup(response.content, "html.parser")
    return json.loads(html.select_one('script[type="application/ld+json"]').string)


def hold(sku, quantity, now=None):
    return services.place_order(
        kind="shop",
        buyer_name="Awa Diallo",
        buyer_email="awa@example.org",
        language="fr",
        selections=[Selection(item=variant(sku), quantity=quantity)],
        now=now,
    )


def test_product_page_offers_each_variant_with_its_sku_price_and_stock(client, shop_fr):
    response = client.get(product("cafe-perou-biologique").url)
    assert response.status_code == 200
    data = json_ld(response)
    assert data["@type"] == "Product"
    assert data["name"] == "Café du Pérou biologique"
    assert data["brand"]["name"] == "Coopérative des Andes"
    offers = {offer["sku"]: offer for offer in data["offers"]}
    assert offers["CAF-PER-340"]["price"] == "14.50"
    assert offers["CAF-PER-340"]["priceCurrency"] == "CAD"
    assert offers["CAF-PER-340"]["availability"] == "https://schema.org/InStock"
    assert offers["CAF-PER-1KG"]["price"] == "36.00"
    html = BeautifulSoup(response.content, "html.parser")
    labels = [
        plain(label.get_text(strip=True)) for label in html.select(".add-to-cart .choice label")
    ]
    assert labels == ["340 g", "1 kg"]
    # How it reaches the buyer, as the checkout offers it (it once said « pick-up only »).
    text = plain(html.get_text(" ", strip=True))
    assert "Livraison partout au Canada, ou récupération au bureau du CÉSIQ" in text
    english = plain(
        BeautifulSoup(
            client.get(product("cafe-perou-biologique", "en").url).content, "html.parser"
        ).get_text(" ", strip=True)
    )
    assert "Shipping anywhere in Canada, or pick-up at the CÉSIQ office" in english


def test_sold_out_variant_is_out_of_stock_and_cannot_be_chosen(client, shop_fr):
    response = client.get(product("cafe-decafeine").url)
    data = json_ld(response)
    assert [offer["availability"] for offer in data["offers"]] == ["https://schema.org/OutOfStock"]
    html = BeautifulSoup(response.content, "html.parser")
    assert html.select_one(".add-to-cart") is None
    assert "Ce produit est épuisé pour le moment." in html.get_text()


def test_units_held_by_a_pending_order_are_not_offered_and_come_back_when_it_expires(
    client, shop_fr
):
    hold("CHO-LAI-100", 3)  # the last three milk chocolate bars
    page = product("chocolat-au-lait")
    offer = json_ld(client.get(page.url))["offers"][0]
    assert offer["availability"] == "https://schema.org/OutOfStock"
    assert variant("CHO-LAI-100").left() == 0
    later = timezone.now() + timedelta(hours=1)
    assert variant("CHO-LAI-100").left(later) == 3


def test_english_page_shows_the_same_variants_and_stock(client, shop_fr):
    hold("CAF-PER-1KG", 12)  # every 1 kg bag held
    response = client.get(product("cafe-perou-biologique", "en").url)
    assert response.status_code == 200
    data = json_ld(response)
    assert data["name"] == "Organic Peruvian coffee"
    assert data["brand"]["name"] == "Andes Co-operative"
    offers = {offer["sku"]: offer for offer in data["offers"]}
    assert offers["CAF-PER-340"]["availability"] == "https://schema.org/InStock"
    assert offers["CAF-PER-1KG"]["availability"] == "https://schema.org/OutOfStock"
    text = BeautifulSoup(response.content, "html.parser").get_text()
    assert "$14.50" in text and "$36.00" in text
    assert "Sold out" in text


def test_changing_the_stock_resizes_its_quota(shop_fr):
    bag = variant("CAF-ETH-340")
    bag.stock = 7
    bag.save()
    assert bag.quota.__class__.objects.get(pk=bag.quota_id).size == 7
    assert bag.left() == 7
    bag.price = Decimal("16.00")
    bag.save()
    assert bag.left() == 7


def test_a_copied_product_gets_stock_of_its_own(shop_fr):
    """Like an activity date: a variant saved with another variant's quota gets a new one."""
    from shop.models import ProductVariant

    original = variant("THE-DAR-100")
    copy = ProductVariant(
        page=original.page, sku="THE-DAR-COPY", label="100 g", price=Decimal("9.75"), stock=4
    )
    copy.quota = original.quota
    copy.save()
    assert copy.quota_id != original.quota_id
    assert copy.left() == 4 and original.left() == 30


def test_translating_a_product_does_not_copy_its_variants(shop_fr):
    from wagtail.models import Locale

    english = product("the-vert-himalaya", "en")
    assert english.variants.count() == 0
    assert english.source.variants.get().sku == "THE-VER-100"
    assert english.source.locale == Locale.get_default()
