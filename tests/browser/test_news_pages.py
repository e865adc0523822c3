"""axe-core (every WCAG 2.2 A/AA rule) finds nothing on the page with every body block with the
questions of its accordion opened (their answers count), and on the news list filtered by tag
and the search filtered by type, in French and in English, on a phone and a desktop. The news
list, an article, a campaign and the page with its accordion closed are page kinds of
tests/a11y_pages.py, checked by test_wcag22.py."""

import pytest

from tests.browser.conftest import at_each_width, axe_wcag22_violations

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    ("/questions-frequentes/", "/en/faq/"),
    ("/actualites/?tag=mobilisation", "/en/news/?tag=schools"),
    ("/recherche/?q=climat&type=actualites", "/en/search/?q=racism&type=campagnes"),
]


@pytest.mark.slow
def test_editorial_pages_pass_wcag_22_aa(browser_page, site_url):
    page = browser_page
    found = {}
    for paths in PAGES:
        for path in paths:
            for width in at_each_width(page, site_url + path):
                if width == 1280:  # opened once, they stay open at the other width
                    for summary in page.locator("details.accordion__item > summary").all():
                        summary.click()
                violations = axe_wcag22_violations(page)
                if violations:
                    found[f"{path} @{width}"] = violations
    assert found == {}, "\n".join(f"{where}: {found[where]}" for where in found)


def test_accordion_opens_with_the_keyboard(browser_page, site_url):
    page = browser_page
    page.goto(site_url + "/questions-frequentes/")
    question = page.locator("details.accordion__item").first
    assert question.get_attribute("open") is None
    question.locator("summary").focus()
    page.keyboard.press("Enter")
    assert question.get_attribute("open") == ""
    assert question.locator(".accordion__answer").is_visible()
