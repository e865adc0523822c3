"""At the door, on a phone: a staff member logs in, checks one person in by typing the ticket
code and another by searching a name; the check-in page passes axe (WCAG 2.1 A/AA)."""

import pytest
from django.test import Client
from django.urls import reverse

from events.models import Attendee, EventPage
from orders.models import Order
from tests.browser.conftest import axe_violations
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def door(site_url, django_user_model):
    page = EventPage.objects.get(slug="conference-justice-climatique", locale__language_code="fr")
    date = page.source.upcoming_dates[0]
    ticket = page.source.ticket_types.get(name="Entrée libre")
    data = registration_data(
        page,
        buyer_email="door@example.org",
        date=date.pk,
        attendee_names="Fatou Diallo\nLéa Tremblay",
        **{f"quantity_{ticket.pk}": 2},
    )
    assert Client().post(page.url + "inscription/", data).status_code == 302
    order = Order.objects.get(buyer_email="door@example.org")
    django_user_model.objects.create_superuser("accueil-mobile", "accueil@example.org", "pw")
    fatou, lea = Attendee.objects.filter(order_line__order=order).order_by("pk")
    return date, fatou, lea


def test_checking_in_on_a_phone_by_code_and_by_name(phone_page, site_url, door):
    date, fatou, lea = door
    page = phone_page
    page.goto(site_url + "/admin/login/")
    page.fill("#id_username", "accueil-mobile")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(site_url + "/admin/")

    page.goto(site_url + reverse("events_staff:checkin", args=[date.pk]))
    code = page.get_by_label("Code du billet")
    assert code.evaluate("el => document.activeElement === el")
    counts = page.locator(".checkin-counts")
    before = int(page.locator("#count-in").inner_text())
    expected = int(page.locator("#count-expected").inner_text())

    code.fill(fatou.ticket_code)
    code.press("Enter")
    result = page.locator("#checkin-result")
    assert "Valide" in result.inner_text() and "Fatou Diallo" in result.inner_text()
    assert result.get_attribute("data-status") == "ok"
    assert f"{before + 1} / {expected}" in counts.inner_text()
    assert axe_violations(page) == [], page.url

    # The same ticket again: already in, with the time.
    page.get_by_label("Code du billet").fill(fatou.ticket_code)
    page.get_by_role("button", name="Valider").click()
    assert "Déjà entré·e à" in page.locator("#checkin-result").inner_text()

    page.get_by_label("Chercher un nom").fill("Tremblay")
    page.get_by_role("button", name="Chercher", exact=True).click()
    page.get_by_role("button", name="Faire entrer Léa Tremblay").click()
    result = page.locator("#checkin-result")
    assert "Valide" in result.inner_text() and "Léa Tremblay" in result.inner_text()
    assert f"{before + 2} / {expected}" in counts.inner_text()
    assert axe_violations(page) == [], page.url

    # Undo, from the result panel.
    page.get_by_role("button", name="Annuler l'entrée").first.click()
    assert "Entrée annulée" in page.locator("#checkin-result").inner_text()
    assert f"{before + 1} / {expected}" in counts.inner_text()

    fatou.refresh_from_db()
    lea.refresh_from_db()
    assert fatou.checked_in_at is not None
    assert lea.checked_in_at is None
