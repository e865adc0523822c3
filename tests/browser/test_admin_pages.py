"""The back-office pages staff read most, in a real browser: the dashboard, the next dates, an
activity's dates, a date's attendees (one Wagtail table of dates and one of attendees), the
form to cancel one ticket, the sales report and the Law 25 screen. Each shows what it is
about and passes axe (WCAG 2.1 A/AA).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Attendee, EventPage
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.slow
def test_staff_pages_show_their_tables_and_pass_axe(browser_page, site_url, django_user_model):
    django_user_model.objects.create_superuser("direction-vp", "direction@example.org", "pw")
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(site_url + "/admin/login/")
    page.fill("#id_username", "direction-vp")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(site_url + "/admin/")

    now = timezone.now()
    attendee = (
        Attendee.objects.filter(
            order_line__order__state="paid",
            date__end__gt=now,
            date__start__lt=now + timedelta(days=60),
        )
        .order_by("date__start", "pk")
        .first()
    )
    assert attendee, "the demo has a paid registration in the next 60 days"
    date = attendee.date
    activity = EventPage.objects.get(pk=date.page_id)
    pages = {
        reverse("wagtailadmin_home"): "Prochaines dates",
        reverse("events_staff:upcoming"): activity.title,
        reverse("events_staff:dates", args=[activity.pk]): "Annuler cette date",
        reverse("events_staff:attendees", args=[date.pk]): attendee.ticket_code,
        reverse("events_staff:cancel_ticket", args=[date.pk, attendee.pk]): "Je confirme "
        "l'annulation de ce billet",
        reverse("orders_sales_report"): "Revenus par activité",
        reverse("privacy:search") + "?email=commande-payee@demo.cesiq.example": "Ce que le site "
        "conserve",
    }
    for url, expected in pages.items():
        page.goto(site_url + url)
        assert expected in page.locator("main").inner_text(), url
        assert axe_violations(page) == [], url
    # The date's row, in the one dates table, leads to its attendees.
    page.goto(site_url + reverse("events_staff:upcoming"))
    row = page.locator(f"#date-{date.pk}")
    row.get_by_role("link", name="Participant·es").click()
    page.wait_for_url(site_url + reverse("events_staff:attendees", args=[date.pk]))
    assert page.locator(f"#attendee-{attendee.pk}").is_visible()


def test_the_refund_box_confirms_the_amount_typed(browser_page, site_url, django_user_model):
    """« Je confirme le remboursement de 60,00 $ » stayed while 20,50 was typed: the page came
    back asking to confirm again. The box follows the amount now."""
    from orders.models import Order

    django_user_model.objects.create_superuser("direction-rb", "direction@example.org", "pw")
    page = browser_page
    page.goto(site_url + "/admin/login/")
    page.fill("#id_username", "direction-rb")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(site_url + "/admin/")
    order = Order.objects.get(buyer_email="commande-payee@demo.cesiq.example")
    page.goto(site_url + reverse("order:refund", args=[order.pk]))
    box = page.locator("label[for=id_confirm]")
    assert "Je confirme le remboursement de 60,00 $" in " ".join(box.inner_text().split())
    page.get_by_label("Montant à rembourser").fill("20,50")
    assert "Je confirme le remboursement de 20,50 $" in " ".join(box.inner_text().split())
    assert page.locator("input[name=confirmed_amount]").input_value() == "20.50"
    page.get_by_label("Montant à rembourser").fill("vingt")  # not an amount: left as it was
    assert page.locator("input[name=confirmed_amount]").input_value() == "20.50"
