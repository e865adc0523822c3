"""axe-core (every WCAG 2.2 A/AA rule) finds nothing on the editorial page kinds: the page with
every body block, the news list, an article and a campaign, in French and in English, on a
phone and a desktop. The questions of the accordion are opened too (their answers count)."""

import pytest

from tests.browser.conftest import at_each_width, axe_wcag22_violations

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = [
    ("/questions-frequentes/", "/en/faq/"),
    ("/actualites/", "/en/news/"),
    ("/actualites/?tag=mobilisation", "/en/news/?tag=schools"),
    (
        "/actualites/justice-climatique-militantes-du-sud/",
        "/en/news/justice-climatique-militantes-du-sud/",
    ),
    (
        "/actualites/12-jours-action-violence-femmes/",
        "/en/news/12-jours-action-violence-femmes/",
    ),
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
