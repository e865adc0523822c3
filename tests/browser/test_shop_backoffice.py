"""The shop team in a real browser: from the orders to prepare, open the demo order in
preparation, mark it ready for pickup, and the buyer's email (in the buyer's language, with
where and when) leaves through the outbox; the back-office pages pass axe (WCAG 2.1 A/AA)."""

import pytest
from django.core import mail
from django.urls import reverse

from orders.models import Order, OutboxEmail
from shop.models import FulfilmentStatus, ShopSettings
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_mark_an_order_ready_and_the_buyer_is_emailed(browser_page, site_url):
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(site_url + "/admin/login/")
    page.fill("#id_username", "boutique")
    page.fill("#id_password", "changeme")
    page.click("button[type=submit]")
    page.wait_for_url(site_url + "/admin/")

    order = Order.objects.get(buyer_email="boutique-en-preparation@demo.cesiq.example")
    assert order.fulfilment.status == FulfilmentStatus.PREPARING
    page.goto(site_url + reverse("shop_staff:orders"))
    assert axe_violations(page) == [], page.url
    page.get_by_label("Étape").select_option(label="En préparation")
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name=order.code).click()
    page.wait_for_url(site_url + reverse("shop_staff:order", args=[order.pk]))
    assert axe_violations(page) == [], page.url
    mail.outbox.clear()

    page.get_by_role("button", name="Passer à « Prête à récupérer »").click()
    page.wait_for_selector(f"text=Commande {order.code} : Prête à récupérer.")
    assert page.get_by_role("button", name="Passer à « Remise »").is_visible()

    # The buyer wrote in English: the email is in English, with the office's hours.
    [sent] = [m for m in mail.outbox if m.to == [order.buyer_email]]
    assert sent.subject == f"Your order {order.code} is ready for pickup"
    assert ShopSettings.load().pickup_hours_en in sent.body
    assert "at the CÉSIQ office" in sent.body
    row = OutboxEmail.objects.get(order=order, key__startswith="shop/email/order_ready:")
    assert row.sent_at is not None

    for url in (reverse("shop_staff:stock"), reverse("shop_staff:pick_list")):
        page.goto(site_url + url)
        assert axe_violations(page) == [], url
