"""WCAG 2.2 A/AA on every public page kind, in French and in English, on a phone (320 px) and
a desktop (1280 px): axe-core with its experimental WCAG rules finds nothing."""

import pytest

from tests.a11y_pages import page_kinds
from tests.browser.conftest import axe_wcag22_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.slow
def test_every_page_kind_passes_wcag_22_aa(browser_page, site_url):
    page = browser_page
    found = {}
    for name, french, english_path in page_kinds():
        for path in (french, english_path):
            # The public pages have no script: the layout at another width is the same page
            # resized (CSS media queries), checked without loading it again.
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(site_url + path)
            for width in (1280, 320):
                page.set_viewport_size({"width": width, "height": 900})
                violations = axe_wcag22_violations(page)
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
