"""Searching from the header box, as a visitor would."""


def test_search_from_the_header_box(browser_page, site_url):
    page = browser_page
    page.goto(site_url + "/boutique/")
    page.fill("header input[name=q]", "equitable")
    page.press("header input[name=q]", "Enter")
    page.wait_for_url("**/recherche/?q=equitable")
    assert page.locator("ul.search-results mark").first.inner_text().lower() == "équitable"
    with page.expect_navigation():
        page.get_by_role("link", name="Produits").click()
    assert page.locator("ul.search-results .badge").all_inner_texts() == ["Produit"] * len(
        page.locator("ul.search-results > li").all()
    )
    # The other language keeps the search.
    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/en/search/?q=equitable&type=produits")


# The search pages' accessibility and reflow checks (results, one kind of result, none), at
# both widths and in both languages: tests/browser/test_wcag22.py.
