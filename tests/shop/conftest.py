import pytest
from wagtail.models import Locale

from shop.models import ProductIndexPage, ProductPage, ProductVariant


@pytest.fixture
def shop_fr(demo_site):
    return ProductIndexPage.objects.get(locale__language_code="fr")


@pytest.fixture
def shop_en(shop_fr):
    return shop_fr.get_translation(Locale.objects.get(language_code="en")).specific


def product(slug, language="fr"):
    return ProductPage.objects.get(slug=slug, locale__language_code=language)


def variant(sku):
    return ProductVariant.objects.get(sku=sku)


@pytest.fixture
def add_to_cart(client):
    def add(sku, quantity=1, prefix=""):
        return client.post(
            f"{prefix}/panier/ajouter/" if not prefix else f"{prefix}/cart/add/",
            {"variant": variant(sku).pk, "quantity": quantity},
        )

    return add
