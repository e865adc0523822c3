"""Unpublishing an activity: its translation goes with it (the English page sold the French
page's places and stayed open to registration), and with registrations on dates to come the
editor is told that unpublishing neither cancels nor refunds them, then asked again."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.urls import reverse

from events.models import EventPage
from tests.events.conftest import hold_places

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(client, demo_site, fake_stripe):
    client.force_login(get_user_model().objects.get(username="admin"))
    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    return page, page.get_translations().get().specific


def said(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def test_unpublishing_with_registrations_to_come_says_what_it_does_not_do(client, workshop):
    page, english = workshop
    hold_places(page, 2)
    url = reverse("wagtailadmin_pages:unpublish", args=[page.pk])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 200
    text = said(response)
    assert "Des personnes sont inscrites à des dates à venir de cette activité" in text
    assert "2 places vendues ou réservées" in text
    assert "personne n'est prévenu ni remboursé" in text
    page.refresh_from_db()
    assert page.live
    response = client.post(url, {"malgre_inscriptions": "1"})
    assert response.status_code == 302
    page.refresh_from_db()
    english.refresh_from_db()
    assert not page.live and not english.live


def test_unpublishing_without_registrations_takes_the_translation_along(client, workshop):
    page, english = workshop
    response = client.post(reverse("wagtailadmin_pages:unpublish", args=[page.pk]))
    assert response.status_code == 302
    english.refresh_from_db()
    assert not english.live
    assert not english.registration_open()


def test_the_page_lists_bulk_unpublishing_refuses_an_activity_with_registrations(client, workshop):
    """The bulk action skipped the warning, and left the English page live."""
    page, english = workshop
    hold_places(page, 1)
    url = (
        reverse("wagtail_bulk_action", args=("wagtailcore", "page", "unpublish")) + f"?id={page.pk}"
    )
    response = client.post(url, follow=True)
    assert "a des inscriptions à des dates à venir" in said(response)
    page.refresh_from_db()
    assert page.live


def test_the_french_page_unpublished_any_way_takes_its_translation_along(workshop):
    """A schedule, a script, the bulk action: the English page follows the French one."""
    page, english = workshop
    page.get_latest_revision().publish()  # as a schedule would, then:
    page.unpublish()
    english.refresh_from_db()
    assert not english.live
