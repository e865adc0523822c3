"""The receipt page while a payment is being confirmed, in a real browser: it never reloads
itself; "Vérifier de nouveau" asks on request and the answer is spoken in a live region;
the confirmation, when it comes, is announced in place (WCAG 2.2.1, 4.1.3)."""

from decimal import Decimal

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pending_order(site_url):
    from orders import services
    from tests.testshop.models import Item

    item = Item.objects.create(name="Atelier", price=Decimal("25.00"), capacity=10)
    return services.place_order(
        kind="tickets",
        buyer_name="Awa Diallo",
        buyer_email="awa@example.org",
        language="fr",
        selections=[services.Selection(item=item, quantity=2)],
    )


def test_waiting_for_the_payment_is_quiet_and_announced_in_place(
    browser_page, site_url, pending_order
):
    from orders.models import Order

    page = browser_page
    page.goto(site_url + pending_order.get_absolute_url() + "?retour=paiement")
    assert axe_violations(page) == []
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("link", name="Vérifier de nouveau").click()
    live = page.get_by_role("status").filter(has_text="toujours en attente")
    live.wait_for()

    # Longer than the old 5-second refresh: the page is still the same page.
    page.wait_for_timeout(6_000)
    assert page.evaluate("window.stillTheSamePage") is True

    Order.objects.filter(pk=pending_order.pk).update(state="paid")
    page.get_by_role("status").filter(has_text="Votre paiement est confirmé").wait_for(
        timeout=12_000
    )
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.get_by_role("link", name="Afficher la commande à jour").is_visible()
    assert axe_violations(page) == []
