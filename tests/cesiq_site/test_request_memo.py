"""What a request remembers (cesiq_site/request_memo.py) answers as Wagtail would: a private
section stays private, for its pages and those below them, and only that section."""

import pytest
from wagtail.models import PageViewRestriction

from events.models import EventIndexPage, EventPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_activities(demo_site):
    index = EventIndexPage.objects.get(locale__language_code="fr")
    PageViewRestriction.objects.create(page=index, restriction_type=PageViewRestriction.LOGIN)
    return index


def test_a_private_section_and_the_pages_below_it_ask_for_a_login(client, private_activities):
    activity = EventPage.objects.child_of(private_activities).live().first()
    for url in (private_activities.url, activity.url, activity.url):  # twice: nothing kept
        response = client.get(url)
        assert response.status_code == 302, url
        assert "login" in response["Location"] or "connexion" in response["Location"]


def test_pages_outside_it_are_served(client, private_activities):
    assert client.get("/mission/").status_code == 200
    assert client.get("/en/activities/").status_code == 200  # the English section is not private
