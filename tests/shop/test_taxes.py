"""Each product category follows the CRA's and Revenu Québec's published rules (cited in
shop/taxes.py); a product page may override its category's rule."""

from decimal import Decimal

import pytest

from orders.taxes import compute_taxes
from shop.taxes import default_tax_category
from tests.shop.conftest import variant


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("cafe", "zero"),  # coffee beans: basic groceries
        ("the", "zero"),  # tea leaves: basic groceries
        ("sucre-epices", "zero"),  # sugar and spices: basic groceries
        ("chocolat", "taxable"),  # chocolate bars and candy
        ("artisanat", "taxable"),  # crafts
        ("livres", "gst_only"),  # printed books: GST, QST zero-rated
        ("inconnue", "taxable"),  # anything unknown is taxed rather than not
    ],
)
def test_default_tax_category_by_product_category(category, expected):
    assert default_tax_category(category) == expected


@pytest.mark.django_db
def test_a_product_page_can_override_its_category(demo_site):
    assert variant("CHO-NOI-100").tax_category() == "taxable"
    assert variant("CHO-CAC-250").tax_category() == "zero"  # cocoa powder
    assert variant("LIV-CEQ-01").tax_category() == "gst_only"


def test_a_book_and_a_chocolate_bar():
    result = compute_taxes([("gst_only", Decimal("24.95")), ("taxable", Decimal("4.95"))])
    # GST on 29.90 = 1.495 → 1.50; QST on 4.95 = 0.4937… → 0.49.
    assert (result.gst, result.qst) == (Decimal("1.50"), Decimal("0.49"))
