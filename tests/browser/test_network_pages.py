"""axe-core (WCAG 2.1 AA and every WCAG 2.2 A/AA rule) finds nothing on the network's pages, in
French and in English, on a phone and a desktop; the filters work without JavaScript.

The directory, its filters, an empty result and an organisation are page kinds of
tests/a11y_pages.py, checked in both languages by test_wcag22.py; here, the network's other
pages (an unknown theme, another organisation, the search results that list organisations)."""

import pytest

from tests.browser.conftest import at_each_width, axe_wcag22_violations
from tests.network.test_markup import network_pages

pytestmark = pytest.mark.django_db(transaction=True)


def checked_by_test_wcag22(path):
    """The directory, an organisation, and the directory filtered by theme and region (with
    and without results): page kinds of tests/a11y_pages.py."""
    pages = {"/reseau/", "/en/network/", "/reseau/oxfam-quebec/", "/en/network/oxfam-quebec/"}
    return path in pages or "region=" in path


@pytest.mark.slow
def test_network_pages_pass_wcag_aa(browser_page, site_url):
    page = browser_page
    found = {}
    for path in network_pages():
        if checked_by_test_wcag22(path):
            continue
        for width in at_each_width(page, site_url + path):
            # The WCAG 2.2 run includes every WCAG 2.0 and 2.1 A/AA rule.
            violations = axe_wcag22_violations(page)
            if violations:
                found[f"{path} @{width}"] = violations
    assert found == {}, "\n".join(f"{where}: {found[where]}" for where in found)


def test_filtering_needs_no_javascript(chromium, site_url):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(site_url + "/reseau/")
        page.select_option("#id_region", "chaudiere-appalaches")
        page.click(".filters button[type=submit]")
        page.wait_for_url("**region=chaudiere-appalaches**")
        cards = page.locator(".network-card h3").all_inner_texts()
        assert cards == ["Comité de solidarité internationale de Lévis"]
        assert "1 organisation" in page.locator(".result-count").inner_text()
    finally:
        context.close()
