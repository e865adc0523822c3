"""A visitor's first steps on the site, in a real browser."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_french_home_page_loads(browser_page, site_url):
    page = browser_page
    response = page.goto(site_url + "/")
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "fr-CA"
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Ensemble pour un monde plus juste et solidaire"
    )
    # The stylesheet is served locally and applied (nothing comes from a CDN).
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.site-header')).display")
        != "inline"
    )
    external = page.evaluate(
        "[...document.querySelectorAll('link[href], script[src], img[src]')]"
        ".map(e => e.href || e.src).filter(u => !u.startsWith(location.origin))"
    )
    assert external == []


def test_language_switcher_reaches_the_english_page(browser_page, site_url):
    page = browser_page
    page.goto(site_url + "/partenaires/")
    page.get_by_role("navigation", name="Choix de la langue").get_by_role(
        "link", name="English"
    ).click()
    page.wait_for_url(site_url + "/en/partners/")
    assert page.get_by_role("heading", level=1).inner_text() == "Our partners"
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    page.wait_for_url(site_url + "/partenaires/")


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(browser_page, site_url):
    page = browser_page
    page.goto(site_url + "/mission/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


# The accessibility and reflow checks of every page kind, the not-found page included, at both
# widths and in both languages: tests/browser/test_wcag22.py.
