"""Shopping in a real browser: filter the catalogue, add two products to the cart, check out
with pickup, pay on the demo checkout page, see the confirmation; axe finds no WCAG 2.1 A/AA
violation on the catalogue, product, cart and checkout pages, in French and in English."""

import pytest

from tests.browser.conftest import axe_violations
from tests.conftest import plain

pytestmark = pytest.mark.django_db(transaction=True)


def check_accessibility(page):
    assert axe_violations(page) == [], page.url


def test_filter_add_two_products_check_out_and_pay(browser_page, site_url, demo_checkout):  # noqa: F811
    page = browser_page
    page.goto(site_url + "/boutique/")
    check_accessibility(page)
    page.get_by_label("Catégorie").select_option(label="Café")
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer", exact=True).click()
    assert page.get_by_role("link", name="Tablette de chocolat noir 70 %").count() == 0
    page.get_by_role("link", name="Café du Pérou biologique").click()
    check_accessibility(page)
    page.get_by_label("1 kg").check()
    page.get_by_role("button", name="Ajouter au panier").click()
    page.wait_for_url(site_url + "/panier/")
    assert "a été ajouté à votre panier" in page.content()
    check_accessibility(page)

    page.goto(site_url + "/boutique/chocolat-noir-70/")
    page.get_by_label("Quantité").fill("2")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.wait_for_url(site_url + "/panier/")
    assert page.locator(".cart-link__count").inner_text() == "(3)"
    # Enter in a quantity box updates the quantities: it removed the first line.
    chocolate = page.get_by_label("Quantité : Tablette de chocolat noir 70 %", exact=False)
    chocolate.fill("3")
    with page.expect_navigation():
        chocolate.press("Enter")
    assert page.locator(".cart-link__count").inner_text() == "(4)"
    assert "Café du Pérou biologique" in page.locator("table").inner_text()
    chocolate = page.get_by_label("Quantité : Tablette de chocolat noir 70 %", exact=False)
    chocolate.fill("2")
    page.get_by_role("button", name="Mettre à jour les quantités").click()
    page.wait_for_url(site_url + "/panier/")
    assert page.locator(".cart-link__count").inner_text() == "(3)"
    # « Retirer » removes its own line.
    with page.expect_navigation():
        page.get_by_role("button", name="Retirer Café du Pérou biologique").click()
    assert page.locator(".cart-link__count").inner_text() == "(2)"
    assert "Café du Pérou biologique" not in page.locator("table").inner_text()
    page.goto(site_url + "/boutique/cafe-perou-biologique/")
    page.get_by_label("1 kg").check()
    page.get_by_role("button", name="Ajouter au panier").click()
    page.wait_for_url(site_url + "/panier/")
    assert page.locator(".cart-link__count").inner_text() == "(3)"
    # A quantity changed without « Mettre à jour » is the one bought (it was lost).
    page.get_by_label("Quantité : Tablette de chocolat noir 70 %", exact=False).fill("1")
    page.get_by_role("button", name="Passer la commande").click()
    page.wait_for_url(site_url + "/panier/commander/")
    check_accessibility(page)
    assert page.get_by_label("Cueillette au bureau du CÉSIQ").is_checked()
    page.get_by_label("Votre nom").fill("Awa Diallo")
    page.get_by_label("Votre courriel").fill("awa@example.org")
    page.get_by_label("J'accepte").check()
    page.get_by_role("button", name="Payer", exact=True).click()

    page.wait_for_url(demo_checkout.url + "/checkout/**")
    assert "MODE DÉMO — aucun paiement réel" in page.content()
    assert "40,95" in page.content()  # 36,00 + 4,95, coffee and chocolate taxes off
    page.get_by_role("button", name="Payer", exact=True).click()
    page.wait_for_url(f"{site_url}/**")
    page.wait_for_selector("text=Votre commande est confirmée", timeout=20_000)
    assert "Café du Pérou biologique — 1 kg" in plain(page.locator("main").inner_text())
    check_accessibility(page)


@pytest.mark.slow
def test_shop_pages_in_english_are_accessible(browser_page, site_url):
    page = browser_page
    page.goto(site_url + "/en/shop/")
    check_accessibility(page)
    page.get_by_label("In stock only").check()
    page.get_by_label("Sort by").select_option(label="Price, high to low")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply", exact=True).click()
    assert page.get_by_role("link", name="Water-process decaf coffee").count() == 0
    page.get_by_role("link", name="Darjeeling black tea").click()
    check_accessibility(page)
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(site_url + "/en/cart/")
    check_accessibility(page)
    page.get_by_role("button", name="Check out").click()
    check_accessibility(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Pay", exact=True).click()  # nothing filled in
    assert page.get_by_role("alert").is_visible()
    check_accessibility(page)
    page.goto(site_url + "/en/shop/producteurs/jardins-de-the-darjeeling/")
    check_accessibility(page)
