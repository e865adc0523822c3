import pytest
from wagtail.models import Locale

from events.models import EventPage


@pytest.fixture
def activity(demo_site):
    """The demo's paid workshop: two ticket types, two dates of 20 places."""
    return EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")


@pytest.fixture
def free_activity(demo_site):
    return EventPage.objects.get(slug="conference-justice-climatique", locale__language_code="fr")


@pytest.fixture
def english(activity):
    return activity.get_translation(Locale.objects.get(language_code="en")).specific


def registration_data(page, **overrides):
    date = page.source.upcoming_dates[0]
    data = {
        "date": date.pk,
        "buyer_name": "Awa Diallo",
        "buyer_email": "awa@example.org",
        "consent": "on",
        "website": "",
        "discount_code": "",
    }
    for ticket in page.source.ticket_types.all():
        data[f"quantity_{ticket.pk}"] = 0
    data.update(overrides)
    return data
