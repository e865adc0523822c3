"""Teaching resources in Chromium: axe-core (WCAG 2.1 and 2.2 A/AA) finds nothing on a list
filtered with an audience it does not know and on a filtered list with no result, in French
and English, on a phone and a desktop (the list, other filters and the resources themselves are
page kinds of tests/a11y_pages.py, checked by test_wcag22.py); and the filters work with
JavaScript turned off."""

import pytest

from tests.browser.conftest import at_each_width, axe_wcag22_violations

pytestmark = pytest.mark.django_db(transaction=True)

# The list, a resource and other filters are page kinds of tests/a11y_pages.py, checked by
# test_wcag22.py; here, an unknown audience and a search that finds nothing.
PAGES = [
    (
        "/ressources-pedagogiques/?audience=martiens&level=cegep",
        "/en/teaching-resources/?audience=martiens&level=cegep",
    ),
    (
        "/ressources-pedagogiques/?audience=adultes&level=primaire-1",
        "/en/teaching-resources/?audience=adultes&level=primaire-1",
    ),
]


@pytest.mark.slow
def test_resource_pages_pass_wcag_aa(browser_page, site_url):
    page = browser_page
    found = {}
    for paths in PAGES:
        for path in paths:
            for width in at_each_width(page, site_url + path):
                # The WCAG 2.2 run includes every WCAG 2.0 and 2.1 A/AA rule.
                violations = axe_wcag22_violations(page)
                if violations:
                    found[f"{path} @{width}"] = violations
    assert found == {}, "\n".join(f"{where}: {found[where]}" for where in found)


def test_filters_work_without_javascript(chromium, site_url):
    context = chromium.new_context(locale="fr-CA", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site_url + "/ressources-pedagogiques/")
        page.select_option("#id_audience", "jeunesse")
        page.select_option("#id_level", "cegep")
        page.get_by_role("button", name="Filtrer").click()
        page.wait_for_url("**/ressources-pedagogiques/?audience=jeunesse&level=cegep*")
        titles = page.locator(".resource-list .card__title").all_inner_texts()
        assert titles == ["Jeu de rôle sur les migrations climatiques"]
        shown = page.locator(".result-count").inner_text().replace("\u00a0", " ")
        assert shown == "1 ressource"
        with page.expect_navigation():
            page.get_by_role("link", name="Effacer les filtres").click()
        assert page.locator(".resource-list .card__title").count() == 6
    finally:
        context.close()
