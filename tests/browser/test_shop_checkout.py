"""One cart for products and a ticket, in a real browser: filter the catalogue, add two
products and a ticket to the cart, choose shipping to Ontario (HST) and then pickup (GST and
QST) and see the totals change, pay on the demo checkout page, see the confirmation; axe finds
no WCAG 2.1 A/AA violation on the cart and checkout pages, in French and in English."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations
from tests.conftest import plain

pytestmark = pytest.mark.django_db(transaction=True)


def check_accessibility(page):
    assert axe_violations(page) == [], page.url


@pytest.fixture
def taxes_on(site_url):
    from orders.models import OrderSettings

    settings = OrderSettings.load()
    settings.taxes_enabled = True
    settings.gst_number = "123456789 RT0001"
    settings.qst_number = "1234567890 TQ0001"
    settings.save()


def summary(page):
    return page.locator("#checkout-summary").inner_text().replace("\xa0", " ")


@pytest.mark.slow
def test_products_and_a_ticket_shipped_then_picked_up_then_paid(
    browser_page,
    site_url,
    taxes_on,
    demo_checkout,  # noqa: F811
):
    page = browser_page
    page.goto(site_url + "/boutique/")
    page.get_by_label("Catégorie").select_option(label="Chocolat")
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer", exact=True).click()
    assert page.get_by_role("link", name="Café du Pérou biologique").count() == 0
    page.get_by_role("link", name="Tablette de chocolat noir 70 %").click()
    page.get_by_label("Quantité").fill("2")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.wait_for_url(site_url + "/panier/")
    page.goto(site_url + "/boutique/cafe-perou-biologique/")
    page.get_by_label("340 g").check()
    page.get_by_role("button", name="Ajouter au panier").click()
    page.wait_for_url(site_url + "/panier/")

    page.goto(site_url + "/activites/formation-citoyennete-mondiale/")
    page.get_by_label("Date").select_option(index=0)
    page.get_by_label("Nombre de billets").fill("1")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.wait_for_url(site_url + "/panier/")
    assert "a été ajouté à votre panier" in page.content()
    assert page.locator(".cart-link__count").inner_text() == "(4)"
    check_accessibility(page)

    page.get_by_role("button", name="Passer la commande").click()
    check_accessibility(page)
    # Picked up at the office (chosen at first): no address asked; shipping: the address.
    shipping_address = page.get_by_role("group", name="Pour une livraison au Canada")
    expect(page.get_by_label("Cueillette au bureau du CÉSIQ")).to_be_checked()
    expect(shipping_address).to_be_hidden()
    # Shipping to Ontario, with the "Recalculer" button (no JavaScript needed).
    page.get_by_label("Livraison par la poste").check()
    expect(shipping_address).to_be_visible()
    page.get_by_label("Adresse", exact=True).fill("100, rue Queen")
    page.get_by_label("Ville", exact=True).fill("Ottawa")
    page.get_by_label("Province ou territoire", exact=True).select_option("ON")
    page.get_by_label("Code postal", exact=True).fill("K1P 1J9")
    page.get_by_role("button", name="Recalculer").click()
    page.wait_for_selector("text=TVH (13 %, ON)")
    shipped = summary(page)
    # Goods 24,40 $: shipping 16,00 $, HST 2,13 $; the 60,00 $ ticket: GST 3,00, QST 5,99.
    assert "16,00 $" in shipped and "2,13 $" in shipped and "111,52 $" in shipped
    check_accessibility(page)

    # Pickup at the office: the totals follow the choice (the page's script, or the button).
    page.get_by_label("Cueillette au bureau du CÉSIQ").check()
    page.get_by_role("button", name="Recalculer").click()
    expect(shipping_address).to_be_hidden()
    # Retried until true, whichever document is there meanwhile (the next one may be arriving).
    expect(page.locator("#checkout-summary")).not_to_contain_text("TVH")
    picked_up = summary(page)
    # All in Québec: GST 5 % of 69,90 = 3,50; QST 9,975 % of 69,90 = 6,97; no shipping.
    assert "3,50 $" in picked_up and "6,97 $" in picked_up and "94,87 $" in picked_up

    page.get_by_label("Votre nom").fill("Awa Diallo")
    page.get_by_label("Votre courriel").fill("awa@example.org")
    page.get_by_label("J'accepte").check()
    page.get_by_role("button", name="Payer", exact=True).click()

    page.wait_for_url(demo_checkout.url + "/checkout/**")
    assert "MODE DÉMO — aucun paiement réel" in page.content()
    assert "94,87" in page.content()
    page.get_by_role("button", name="Payer", exact=True).click()
    page.wait_for_url(f"{site_url}/**")
    page.wait_for_selector("text=Votre commande est confirmée", timeout=20_000)
    # inner_text: the page's Québec typography spaces read as spaces (page.content() writes
    # them as &nbsp;).
    content = plain(page.locator("main").inner_text())
    assert "Tablette de chocolat noir 70 % — Tablette de 100 g" in content
    assert "Formation : animer en éducation à la citoyenneté mondiale" in content
    assert "Cueillette au bureau du CÉSIQ" in content
    check_accessibility(page)


def test_cart_and_checkout_in_english_are_accessible(browser_page, site_url):
    page = browser_page
    page.goto(site_url + "/en/activities/formation-citoyennete-mondiale/")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(site_url + "/en/cart/")
    page.goto(site_url + "/en/shop/")
    page.get_by_role("link", name="Darjeeling black tea").click()
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(site_url + "/en/cart/")
    check_accessibility(page)
    page.get_by_role("button", name="Check out").click()
    check_accessibility(page)
    page.get_by_label("Shipping by mail").check()
    page.get_by_label("Province or territory", exact=True).select_option("BC")
    page.get_by_label("Postal code", exact=True).fill("G1R 2B5")
    with page.expect_navigation():
        page.get_by_role("button", name="Pay", exact=True).click()
    assert page.get_by_role("alert").is_visible()
    assert "postal codes there begin with V" in page.content()
    check_accessibility(page)
