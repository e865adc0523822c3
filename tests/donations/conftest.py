from decimal import Decimal
from urllib.parse import urlsplit

import pytest

from donations.models import CharitySettings, DonationPage
from orders.models import Order
from tests.orders.test_payments import last_event, press

PAGE = "/faire-un-don/"


def gift_data(**overrides):
    data = {
        "amount": "25.00",
        "other_amount": "",
        "tribute": "",
        "tribute_name": "",
        "donor_name": "Awa Diallo",
        "donor_email": "awa@example.org",
        "street_address": "12, rue des Érables",
        "city": "Québec",
        "province": "QC",
        "postal_code": "G1R 2B5",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def page(demo_site):
    return DonationPage.objects.get(slug="faire-un-don")


@pytest.fixture
def charity(db):
    return CharitySettings.load()


@pytest.fixture
def not_a_charity(charity):
    charity.registered_charity = False
    charity.save()
    return charity


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    from tests.conftest import post_webhook

    def deliver_event(event):
        with django_capture_on_commit_callbacks(execute=True):
            return post_webhook(client, event)

    return deliver_event


@pytest.fixture
def give(client, page, fake_stripe, deliver):
    """A visitor fills the donation form, pays on the (fake) Stripe page, and Stripe's signed
    webhook comes back: the paid order."""

    def give_gift(url=PAGE, **overrides):
        response = client.post(url, gift_data(**overrides))
        assert response.status_code == 302, response.content.decode()[:2000]
        assert response["Location"].startswith(fake_stripe.url + "/checkout/")
        status, location = press(response["Location"], "pay")
        assert status == 303
        client.get(urlsplit(location).path)
        assert deliver(last_event(fake_stripe, "checkout.session.completed")).status_code == 200
        return Order.objects.filter(kind="donation").latest("created_at")

    return give_gift


D = Decimal
