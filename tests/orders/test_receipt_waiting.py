"""While a payment is being confirmed the receipt page never reloads itself (WCAG 2.2.1,
failure F41): it offers "Vérifier de nouveau" (a plain link, so it works without
JavaScript) and its script asks a small status address quietly, then speaks in a live
region."""

import json
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from orders.models import Order, OrderState
from tests.conftest import plain
from tests.orders import test_payments
from tests.orders.test_payments import last_event, press

pytestmark = pytest.mark.django_db

# The payment tests' fixtures: Stripe's hosted page and its webhook.
checkout = test_payments.checkout
deliver = test_payments.deliver


@pytest.fixture
def returned(client, place, item, checkout):
    """An order whose buyer has just paid on Stripe and come back before the webhook."""
    order = place((item, 2))
    _status, location = press(checkout(order), "pay")
    parts = urlsplit(location)
    return order, parts.path + "?" + parts.query


def test_the_page_waits_without_reloading_itself(client, returned):
    order, url = returned
    response = client.get(url)
    assert "Refresh" not in response
    html = BeautifulSoup(response.content, "html.parser")
    assert html.select_one("meta[http-equiv]") is None
    live = html.select_one("#payment-status")
    assert live["role"] == "status" and live["aria-live"] == "polite"
    check = html.find("a", string="Vérifier de nouveau")
    assert check["href"] == url
    assert html.select_one(".payment-wait")["data-status-url"] == (
        order.get_absolute_url() + "etat/"
    )


def test_the_status_address_says_when_the_payment_is_confirmed(
    client, returned, fake_stripe, deliver
):
    order, _url = returned
    status_url = order.get_absolute_url() + "etat/"
    answer = json.loads(client.get(status_url).content)
    assert answer["waiting"] is True and answer["state"] == "pending"
    assert answer["message"].startswith("Paiement toujours en attente de confirmation")
    assert "\u00a0h" in answer["message"]  # the time as the page shows it: « 14 h 32 »

    deliver(last_event(fake_stripe, "checkout.session.completed"))
    assert Order.objects.get(pk=order.pk).state == OrderState.PAID
    answer = json.loads(client.get(status_url).content)
    assert answer == {
        "state": "paid",
        "waiting": False,
        "message": "Votre paiement est confirmé. Votre commande est payée.",
    }


def test_the_status_address_needs_the_orders_secret(client, returned):
    order, _url = returned
    assert client.get(f"/commande/{order.code}/{'x' * 20}/etat/").status_code == 404


@pytest.mark.parametrize(
    ("expires", "words"),
    [
        ((2026, 12, 4, 23, 0), "Vos places sont réservées jusqu'à 23 h."),
        ((2026, 12, 5, 0, 4), "Vos places sont réservées jusqu'au 5 décembre 2026, 0 h 04."),
    ],
)
def test_a_hold_says_until_what_time_today_or_until_which_day(
    client, place, item, monkeypatch, expires, words
):
    """« jusqu'à 23 h » today, « jusqu'au 5 décembre… » past midnight (it said « jusqu'à
    5 décembre »)."""
    from datetime import datetime

    from django.utils import timezone

    evening = timezone.make_aware(datetime(2026, 12, 4, 20, 0))
    monkeypatch.setattr(timezone, "now", lambda: evening)
    order = place((item, 1))
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.make_aware(datetime(*expires)))
    html = BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser")
    assert words in [plain(p.get_text(" ", strip=True)) for p in html.select("p")]
