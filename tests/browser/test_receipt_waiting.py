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
    # The page's own timers run on a clock the test moves (no real waiting); a reload by the
    # browser itself would not follow that clock, so the page must ask for none.
    page.clock.install()
    response = page.goto(site_url + pending_order.get_absolute_url() + "?retour=paiement")
    assert "refresh" not in {name.lower() for name in response.headers}
    assert page.locator("meta[http-equiv='refresh' i]").count() == 0
    assert axe_violations(page) == []
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("link", name="Vérifier de nouveau").click()
    live = page.get_by_role("status").filter(has_text="toujours en attente")
    live.wait_for()

    # A minute of the page's clock, its quiet checks included (the page used to reload
    # itself after five seconds): still the same page.
    page.clock.run_for("01:00")
    assert page.evaluate("window.stillTheSamePage") is True

    Order.objects.filter(pk=pending_order.pk).update(state="paid")
    page.clock.run_for(5_000)
    page.get_by_role("status").filter(has_text="Votre paiement est confirmé").wait_for()
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.get_by_role("link", name="Afficher la commande à jour").is_visible()
    assert axe_violations(page) == []


def test_the_page_checks_by_itself_after_one_second_then_every_five(
    browser_page, site_url, pending_order
):
    from orders.models import Order

    page = browser_page
    confirmed = page.get_by_role("status").filter(has_text="Votre paiement est confirmé")
    page.clock.install()
    page.goto(site_url + pending_order.get_absolute_url() + "?retour=paiement")
    Order.objects.filter(pk=pending_order.pk).update(state="paid")
    page.clock.run_for(1_000)  # one second after it opened: the first check
    confirmed.wait_for()

    # Once those first checks (after one second, then two more) have said "waiting", one
    # every five seconds. (Each next check is timed from the answer to the one before: the
    # real wait lets each answer come in.)
    Order.objects.filter(pk=pending_order.pk).update(state="pending")
    page.goto(site_url + pending_order.get_absolute_url() + "?retour=paiement")
    for step in (1_000, 2_000):
        page.clock.run_for(step)
        page.wait_for_timeout(200)
    Order.objects.filter(pk=pending_order.pk).update(state="paid")
    page.clock.run_for(4_000)  # the page's clock also moves with the real waits
    page.wait_for_timeout(200)
    assert not confirmed.count()
    page.clock.run_for(1_000)
    confirmed.wait_for()
    assert page.get_by_role("link", name="Afficher la commande à jour").is_visible()
