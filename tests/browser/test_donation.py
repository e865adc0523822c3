"""A visitor gives 25 $ in a real browser: the donation page, the demo checkout page, the
confirmation; the official receipt arrives by email as a PDF; axe finds no WCAG 2.1 A/AA
violation on the donation page (with its error summary) and the receipt page."""

import time

import pytest
from django.core import mail

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitor_gives_25_dollars_and_receives_the_receipt(
    browser_page,
    site_url,
    demo_checkout,  # noqa: F811
):
    page = browser_page
    page.goto(site_url + "/faire-un-don/")
    assert axe_violations(page) == []
    # Nothing chosen: the error summary says what to fix, nothing is created.
    with page.expect_navigation():
        page.get_by_role("button", name="Donner").click()
    assert page.get_by_role("alert").is_visible()
    assert "Choisissez un montant ou indiquez le vôtre." in page.content()
    assert axe_violations(page) == []

    page.get_by_label("25,00 $").check()
    page.get_by_label("Votre nom complet").fill("Awa Diallo")
    page.get_by_label("Votre courriel").fill("awa@example.org")
    page.get_by_label("Adresse").fill("12, rue des Érables")
    page.get_by_label("Ville").fill("Québec")
    page.get_by_label("Province ou territoire").select_option("QC")
    page.get_by_label("Code postal").fill("G1R 2B5")
    page.get_by_label("J'accepte").check()
    page.get_by_role("button", name="Donner").click()

    page.wait_for_url(demo_checkout.url + "/checkout/**")
    assert "MODE DÉMO — aucun paiement réel" in page.content()
    assert "25,00" in page.content()
    page.get_by_role("button", name="Payer", exact=True).click()
    page.wait_for_url(f"{site_url}/**")
    page.wait_for_selector("text=Merci pour votre don !", timeout=20_000)
    assert axe_violations(page) == []

    from donations.models import Receipt

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(m.attachments for m in mail.outbox):
        time.sleep(0.2)
    receipt = Receipt.objects.get(donation__donor_email="awa@example.org")
    [email] = [m for m in mail.outbox if m.to == ["awa@example.org"]]
    [part] = email.attachments
    assert part.get_filename() == f"recu-{receipt.number}.pdf"
    assert receipt.number.encode() in part.get_payload(decode=True)
