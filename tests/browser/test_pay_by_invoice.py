"""A teacher registers a class for a school session, paying by invoice, with a browser (no
JavaScript needed): the payment choice, the billing fields and the optional gift pass WCAG 2.2
AA before and after an error, and the registration ends on the order page with its invoice."""

import pytest

from tests.browser.conftest import axe_wcag22_violations

pytestmark = pytest.mark.django_db(transaction=True)

FRENCH = "/activites/animation-droits-enfants/inscription/"
ENGLISH = "/en/activities/animation-droits-enfants/register/"


def test_the_form_passes_wcag_22_aa_with_and_without_errors(browser_page, site_url):
    page = browser_page
    for path in (FRENCH, ENGLISH):
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(site_url + path)
            assert axe_wcag22_violations(page) == [], (path, width)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site_url + FRENCH)
    page.get_by_label("Payer sur facture (groupes scolaires)").check()
    page.get_by_label("25,00 $").check()  # a gift with an invoice: refused, said on the field
    page.locator("input[name=gift_street]").fill("12, rue des Érables")
    page.locator("input[name=gift_city]").fill("Québec")
    page.locator("input[name=gift_postal_code]").fill("G1R 2B5")
    page.locator(".registration-form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert page.get_by_text("Indiquez le courriel où envoyer la facture.").count() >= 1
    assert page.get_by_text("Un don s'ajoute seulement à un paiement par carte").count() >= 1
    assert axe_wcag22_violations(page) == []


def test_a_teacher_registers_a_class_paying_by_invoice(browser_page, site_url):
    page = browser_page
    page.goto(site_url + FRENCH)
    page.get_by_label("Élève").fill("24")
    page.locator("input[name=school]").fill("École primaire des Découvertes")
    page.locator("input[name=grade]").fill("5e année")
    page.locator("input[name=buyer_name]").fill("Nadia Roy")
    page.locator("input[name=buyer_email]").fill("nadia.roy@ecole.example")
    page.locator("#id_consent").check()
    page.get_by_label("Payer sur facture (groupes scolaires)").check()
    page.locator("input[name=invoice_school_board]").fill("CSS de la Capitale")
    page.locator("input[name=invoice_po]").fill("BC-4410")
    page.locator("input[name=invoice_email]").fill("secretariat@decouvertes.example")
    page.locator(".registration-form button[type=submit]").click()
    page.wait_for_selector(".receipt")
    text = page.locator("main").inner_text()
    assert "La facture a été envoyée à secretariat@decouvertes.example" in text
    assert "Bon de commande : BC-4410" in text or "Bon de commande\u00a0: BC-4410" in text
    assert page.get_by_role("link", name="(PDF)").count() >= 1
    assert axe_wcag22_violations(page) == []
