"""Paying with the keyboard alone (issue 16): from the registration form to the payment page
and back to the receipt, each step reached with Tab and confirmed with Enter or Space, the focus
visible on the payment button and the confirmation announced in a status region."""

import pytest

from tests.browser.conftest import axe_wcag22_violations
from tests.conftest import plain

pytestmark = pytest.mark.django_db(transaction=True)


def focused(page, prop):
    return page.evaluate(f"document.activeElement.{prop}")


def tab_to(page, test, what, limit=60):
    """Press Tab until `test(page)` holds for the focused element; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if test(page):
            return
    pytest.fail(f"{what} cannot be reached with Tab")


def named(name):
    return lambda page: focused(page, "name") == name


def test_pay_for_a_ticket_with_the_keyboard_alone(browser_page, site_url, demo_checkout):  # noqa: F811
    page = browser_page
    page.goto(site_url + "/activites/atelier-consommation-equitable/inscription/")

    tab_to(page, lambda p: focused(p, "type") == "radio", "the first date")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked")
    tab_to(page, lambda p: focused(p, "type") == "number", "the first ticket's quantity")
    page.keyboard.type("1")
    tab_to(page, lambda p: focused(p, "autocomplete") == "name", "the buyer's name")
    page.keyboard.type("Awa Diallo")
    tab_to(page, lambda p: focused(p, "type") == "email", "the buyer's email")
    page.keyboard.type("awa@example.org")
    tab_to(page, named("consent"), "the consent box")
    page.keyboard.press("Space")
    tab_to(page, lambda p: focused(p, "type") == "submit", "the submit button")
    page.keyboard.press("Enter")

    # The payment page: its "Payer" button is reached with Tab and its focus ring shows.
    page.wait_for_url(demo_checkout.url + "/checkout/**")
    tab_to(page, lambda p: focused(p, "innerText").strip() == "Payer", "the pay button")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.keyboard.press("Enter")

    # Back on the site: the confirmation is in a status region, read out without moving focus.
    page.wait_for_url(f"{site_url}/**")
    status = page.locator("[role=status]", has_text="Votre commande est confirmée")
    status.wait_for(timeout=20_000)
    assert "Atelier : consommer équitable au quotidien" in plain(page.locator("main").inner_text())
    # The first Tab reaches the skip link, which leads into the receipt.
    page.keyboard.press("Tab")
    assert focused(page, "getAttribute('href')") == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert axe_wcag22_violations(page) == [], page.url
