"""Searching from the header box, as a visitor would, and the results page's accessibility
(WCAG 2.1 AA with axe) with results, with a filter, and with none, on a wide and a small
screen."""

import pytest

from tests.browser.conftest import axe_violations


def test_search_from_the_header_box(browser_page, site_url):
    page = browser_page
    page.goto(site_url + "/boutique/")
    page.fill("header input[name=q]", "equitable")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url("**/recherche/?q=equitable")
    assert page.locator("ul.search-results mark").first.inner_text().lower() == "équitable"
    page.get_by_role("link", name="Produits").click()
    assert page.locator("ul.search-results .badge").all_inner_texts() == ["Produit"] * len(
        page.locator("ul.search-results > li").all()
    )
    # The other language keeps the search.
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/en/search/?q=equitable&type=produits")


@pytest.mark.parametrize(
    "path", ["/recherche/?q=climat", "/en/search/?q=women&type=activites", "/recherche/?q=zzz"]
)
@pytest.mark.parametrize("width", [1280, 320])
def test_search_pages_have_no_wcag_21_aa_violation(browser_page, site_url, path, width):
    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site_url + path)
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
