"""A visitor joins as a member in a real browser, pays on the demo checkout page, and then sees
the member price when registering for an activity with the member code from the email; axe
finds no WCAG 2.1 A/AA violation on the membership page and the registration page."""

import re
import time
from decimal import Decimal

import pytest
from django.core import mail

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_visitor_joins_and_then_sees_the_member_price(
    browser_page,
    site_url,
    demo_checkout,  # noqa: F811
):
    from events.models import EventPage, TicketType

    activity = EventPage.objects.get(
        slug="atelier-consommation-equitable", locale__language_code="fr"
    )
    TicketType.objects.create(
        page=activity.source, name="Prix membre", price=Decimal("12.00"), members_only=True
    )

    page = browser_page
    page.goto(site_url + "/devenir-membre/")
    assert axe_violations(page) == []
    page.get_by_label("Membre individuel").check()
    page.get_by_label("Votre nom").fill("Awa Diallo")
    page.get_by_label("Votre courriel").fill("awa@example.org")
    page.get_by_label("J'accepte").check()
    page.get_by_role("button", name="Adhérer ou renouveler").click()
    page.wait_for_url(demo_checkout.url + "/checkout/**")
    page.get_by_role("button", name="Payer", exact=True).click()
    page.wait_for_url(f"{site_url}/**")
    page.wait_for_selector("text=Votre commande est confirmée", timeout=20_000)

    deadline = time.monotonic() + 20
    code = None
    while time.monotonic() < deadline and code is None:
        for message in mail.outbox:
            found = re.search(r"Votre code de membre\W+([A-Z0-9]{10})", message.body)
            if found:
                code = found.group(1)
        time.sleep(0.2)
    assert code

    page.goto(site_url + activity.url + "inscription/")
    assert "Prix membre" not in page.content()
    page.get_by_label("Vous avez un code de rabais ou de membre ?").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Appliquer").click()
    assert "Prix membre" in page.content()
    assert "Vous êtes membre en règle" in page.content()
    assert axe_violations(page) == []
