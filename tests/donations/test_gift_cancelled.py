"""A gift left unpaid and cancelled by its donor: its cancel page speaks of a gift (not of
places given back), and once cancelled its page no longer promises a tax receipt."""

import pytest
from bs4 import BeautifulSoup

from orders import services
from orders.models import Order
from tests.conftest import plain
from tests.donations.conftest import PAGE, gift_data

pytestmark = pytest.mark.django_db


def shown(response):
    return plain(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


def test_an_unpaid_gift_is_cancelled_in_its_own_words(client, page, charity, fake_stripe):
    assert client.post(PAGE, gift_data()).status_code == 302
    order = Order.objects.filter(kind="donation").latest("created_at")
    receipt_promise = "Votre reçu officiel aux fins de l'impôt vous sera envoyé par courriel"
    assert receipt_promise in shown(client.get(order.get_absolute_url()))

    cancel_page = shown(client.get(order.get_absolute_url() + "annuler/"))
    assert "Cette action est définitive." in cancel_page
    assert "places" not in cancel_page

    services.cancel_by_buyer(order)
    after = shown(client.get(order.get_absolute_url()))
    assert "Cette commande a été annulée." in after
    assert receipt_promise not in after


def test_the_demo_receipt_gives_the_address_the_footer_gives(demo_site):
    """A donor read « Adresse de démonstration » on the receipt and another address in the
    footer."""
    from donations.models import CharitySettings
    from home.models import SiteSettings

    footer = SiteSettings.objects.get()
    receipt = CharitySettings.load().address
    assert footer.street_address in receipt and footer.postal_code in receipt
