"""Paying by invoice keeps places for months without money: it must not let one visitor or
one billing address keep an activity's places. The order keeps the connection's cap on unpaid
holds, and one billing address has at most one unpaid invoice per date."""

import pytest
from bs4 import BeautifulSoup

from orders.models import Order, OrderState
from schools.models import Invoice
from tests.conftest import plain
from tests.events.test_pay_by_invoice import invoice_data, register_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice_activity(activity, settings):
    settings.RATE_LIMITS = {
        "posts": (1000, 600),
        "register": (1000, 600),
    }  # the hold caps on their own
    activity.allow_invoice = True
    activity.max_places_per_order = 4
    activity.save_revision().publish()
    activity.refresh_from_db()
    return activity


def texts(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [
        plain(e.get_text(" ", strip=True))
        for e in html.select(".field__error, .notice--error p, .error-summary li")
    ]


def test_one_connection_cannot_hold_more_places_by_invoice_than_the_cap(client, invoice_activity):
    date_ = invoice_activity.upcoming_dates[0]
    seats, invoices = date_.seats_left(), Invoice.objects.count()
    first = client.post(register_url(invoice_activity), invoice_data(invoice_activity, places=4))
    assert first.status_code == 302
    order = Order.objects.get(buyer_email="awa@example.org")
    assert order.state == OrderState.PENDING and order.client_key

    # Other names, other billing addresses, same connection: refused, nothing more held.
    for n in range(3):
        response = client.post(
            register_url(invoice_activity),
            invoice_data(
                invoice_activity,
                places=4,
                buyer_email=f"robot{n}@example.org",
                invoice_email=f"factures{n}@example.org",
            ),
        )
        assert response.status_code == 400
        assert any("depuis votre connexion" in t for t in texts(response))
    assert not Order.objects.filter(buyer_email__startswith="robot").exists()
    assert Invoice.objects.count() == invoices + 1
    assert date_.seats_left() == seats - 4


def test_one_billing_address_has_one_unpaid_invoice_per_date(client, invoice_activity):
    date_ = invoice_activity.upcoming_dates[0]
    seats, invoices = date_.seats_left(), Invoice.objects.count()
    client.post(register_url(invoice_activity), invoice_data(invoice_activity, places=2))
    # Another teacher, from another connection, billed to the same school address.
    response = client.post(
        register_url(invoice_activity),
        invoice_data(
            invoice_activity,
            places=2,
            buyer_email="marc@example.org",
            invoice_email="SECRETARIAT@cite.example",
        ),
        REMOTE_ADDR="198.51.100.20",
    )
    assert response.status_code == 400
    assert (
        "Une facture non payée à l'adresse SECRETARIAT@cite.example réserve déjà des places "
        "pour cette date. Payez-la ou demandez-nous de l'annuler avant d'en demander une autre."
    ) in texts(response)
    assert not Order.objects.filter(buyer_email="marc@example.org").exists()
    assert Invoice.objects.count() == invoices + 1
    assert date_.seats_left() == seats - 2

    # Another date of the same activity is another set of places: allowed.
    other = invoice_activity.upcoming_dates[1]
    response = client.post(
        register_url(invoice_activity),
        invoice_data(invoice_activity, places=2, date=other.pk, buyer_email="marc@example.org"),
        REMOTE_ADDR="198.51.100.20",
    )
    assert response.status_code == 302
    assert Invoice.objects.count() == invoices + 2
