"""WCAG 2.2 A/AA on every public page kind, in French and in English, on a phone (320 px) and
a desktop (1280 px): axe-core with its experimental WCAG rules finds nothing, and nothing is
wider than the window (WCAG 1.4.10, reflow)."""

import pytest

from tests.a11y_pages import page_kinds
from tests.browser.conftest import at_each_width, axe_wcag22_violations

pytestmark = pytest.mark.django_db(transaction=True)


# One test per language: two tests of a minute or more, which the two test processes can
# run side by side, rather than one of two or three minutes.
@pytest.mark.slow
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_kind_passes_wcag_22_aa(browser_page, site_url, language):
    page = browser_page
    found = {}
    for name, french, english_path in page_kinds():
        path = french if language == "fr" else english_path
        for width in at_each_width(page, site_url + path):
            violations = axe_wcag22_violations(page)
            # Nothing overflows sideways, on a small phone included.
            overflow = page.evaluate("document.documentElement.scrollWidth") - width
            if overflow > 0:
                violations.append(f"the page is {overflow} px wider than the window")
            if violations:
                found[f"{name} {path} @{width}"] = violations
    assert found == {}, "\n".join(f"{where}: {found[where]}" for where in found)


def test_registration_with_errors_passes_wcag_22_aa(browser_page, site_url):
    page = browser_page
    for path in (
        "/activites/atelier-consommation-equitable/inscription/",
        "/en/activities/atelier-consommation-equitable/register/",
    ):
        page.goto(site_url + path)
        page.locator(".registration-form button[type=submit]").click()
        page.wait_for_selector(".error-summary")
        assert axe_wcag22_violations(page) == [], path
