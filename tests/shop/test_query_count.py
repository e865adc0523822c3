"""The catalogue costs the same number of queries with 13 products or 213: products, their
images, variants and stock are each read once for the whole page of results."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devtools.indexing import indexes_updated_at_the_end
from shop.models import ProductImage, ProductPage, ProductVariant

pytestmark = pytest.mark.django_db

QUERIES = [
    "",
    "?tri=prix",
    "?tri=-prix&page=2",
    "?categorie=cafe&en_stock=on&tri=recent",
    "?certification=bio&page=3",
]


def queries_for(client, url):
    client.get(url)  # first: image renditions are made once
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def add_products(index, n, image):
    with indexes_updated_at_the_end():
        for i in range(n):
            page = ProductPage(
                title=f"Café d'essai {i:03d}",
                slug=f"cafe-essai-{i:03d}",
                summary="Un café pour mesurer.",
                category="cafe",
            )
            index.add_child(instance=page)
            page.gallery_images.add(ProductImage(image=image))
            page.variants.add(
                ProductVariant(
                    sku=f"ESSAI-{i:03d}",
                    label="340 g",
                    price=Decimal("10.00") + i,
                    stock=i % 3,  # a third sold out
                )
            )
            page.save()


@pytest.mark.slow
def test_catalogue_queries_do_not_grow_with_the_number_of_products(
    client, shop_fr, shop_en, django_assert_max_num_queries, settings
):
    # What every page shares is counted each time (the render cache would keep it before
    # the products are added and read it afresh after, while their bump is pending).
    settings.RENDER_CACHE = False
    # Both languages once first: per-process caches (locales, site root paths) that an
    # earlier test may have left cold are warm before anything is counted.
    client.get(shop_fr.url)
    client.get(shop_en.url)
    before = {query: queries_for(client, shop_fr.url + query) for query in QUERIES}
    english_before = queries_for(client, shop_en.url)
    image = shop_fr.get_children().type(ProductPage).first().specific.gallery_images.first().image
    add_products(shop_fr, 200, image)
    assert ProductPage.objects.child_of(shop_fr).count() == 213

    after = {query: queries_for(client, shop_fr.url + query) for query in QUERIES}
    assert after == before
    assert queries_for(client, shop_en.url) == english_before
    budget = max(before.values())
    for query in QUERIES:
        with django_assert_max_num_queries(budget):
            response = client.get(shop_fr.url + query)
        assert len(response.context["products"]) == (6 if "certification" in query else 12)
