"""Forms that guide, in a real browser and with the keyboard alone: after a failed
registration the focus lands on the error summary, its links take the focus to the field,
and the focus ring shows on radios and checkboxes marked invalid (WCAG 2.4.3, 2.4.7, 3.3.1)."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

FOCUSED = "document.activeElement"


def outline(page, selector):
    return page.evaluate(
        """s => { const st = getComputedStyle(document.querySelector(s));
                  return [st.outlineStyle, st.outlineWidth, st.outlineColor].join(' '); }""",
        selector,
    )


def test_keyboard_journey_lands_on_the_error_summary_then_on_the_field(browser_page, site_url):
    page = browser_page
    page.goto(site_url + "/activites/atelier-consommation-equitable/inscription/")
    page.focus(".registration-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")

    assert page.title().startswith("Erreur\u00a0: Inscription — ")
    assert page.evaluate(f"{FOCUSED}.id") == "error-summary"
    page.keyboard.press("Tab")
    assert page.evaluate(f"{FOCUSED}.textContent") == "Choisissez une date."
    page.keyboard.press("Enter")
    assert page.evaluate(f"{FOCUSED}.id") == "id_date_0"

    # The focused invalid radio looks different from its unfocused invalid neighbour, and
    # wears the site's focus ring.
    assert page.evaluate("document.querySelector('#id_date_1').ariaInvalid") == "true"
    focused, unfocused = outline(page, "#id_date_0"), outline(page, "#id_date_1")
    assert focused != unfocused
    assert focused == "solid 3px rgb(28, 43, 37)"


def test_focus_ring_shows_on_the_invalid_consent_box(browser_page, site_url):
    page = browser_page
    page.goto(site_url + "/activites/atelier-consommation-equitable/inscription/")
    page.focus(".registration-form button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    unfocused = outline(page, "#id_consent")
    page.get_by_role("link", name="Cochez la case").focus()
    page.keyboard.press("Enter")
    assert page.evaluate(f"{FOCUSED}.id") == "id_consent"
    assert outline(page, "#id_consent") == "solid 3px rgb(28, 43, 37)" != unfocused
