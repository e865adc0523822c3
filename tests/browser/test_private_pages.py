"""The forms of pages whose address is a secret (the receipt, the link emailed to confirm a free
registration) work in a real browser. Such pages keep their address from other sites with their
referrer policy; under "no-referrer" Chromium sends "Origin: null" with their forms, which
Django's CSRF check refuses with a 403 — these journeys ended there."""

import pytest
from django.urls import reverse

from orders.models import Order, OrderState
from orders.services import email_confirmation_key

pytestmark = pytest.mark.django_db(transaction=True)


def register(page, site_url, path, ticket, email):
    page.goto(site_url + path)
    page.get_by_role("radio").first.check()
    page.get_by_label(ticket).fill("1")
    page.get_by_label("Votre nom").fill("Awa Diallo")
    page.get_by_label("Votre courriel").fill(email)
    page.get_by_label("J'accepte").check()
    page.get_by_role("button", name="Confirmer l'inscription").click()


def test_a_free_registration_is_confirmed_from_the_emailed_link(browser_page, site_url):
    page = browser_page
    path = "/activites/webinaire-decroissance/inscription/"
    register(page, site_url, path, "Gratuit", "lien@example.org")
    page.wait_for_selector("text=Votre inscription n'est pas encore confirmée")
    order = Order.objects.get(buyer_email="lien@example.org")
    assert order.state == OrderState.PENDING

    # The link the email carries (its host is the site's configured address, not the test's).
    key = email_confirmation_key(order)
    page.goto(site_url + reverse("orders:confirm_email", kwargs={"code": order.code, "key": key}))
    page.get_by_role("button", name="Confirmer mon inscription").click()

    page.wait_for_selector("text=Votre inscription est confirmée")
    assert "403" not in page.title()
    order.refresh_from_db()
    assert order.state == OrderState.PAID  # a free order, confirmed: its tickets are sent


def test_an_order_left_at_the_checkout_is_paid_from_its_receipt(
    browser_page, site_url, demo_checkout
):
    page = browser_page
    register(
        page,
        site_url,
        "/activites/atelier-consommation-equitable/inscription/",
        "Régulier",
        "reprise@example.org",
    )
    page.wait_for_url(demo_checkout.url + "/checkout/**")
    page.get_by_role("button", name="Annuler", exact=True).click()

    # Back on the receipt: the places are still held, and it offers to pay.
    page.wait_for_url(f"{site_url}/commande/**")
    pay = page.get_by_role("button", name="Payer 25,00")
    pay.click()

    page.wait_for_url(demo_checkout.url + "/checkout/**")
    assert "MODE DÉMO — aucun paiement réel" in page.content()
    page.get_by_role("button", name="Payer", exact=True).click()
    page.wait_for_url(f"{site_url}/**")
    page.wait_for_selector("text=Votre commande est confirmée", timeout=20_000)
    assert Order.objects.get(buyer_email="reprise@example.org").state == OrderState.PAID
