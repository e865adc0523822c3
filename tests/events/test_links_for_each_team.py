"""The ticketing back-office links an activity to its page in the editor only for people who
may edit pages: the ticketing team was sent from the dashboard, the dates page, their
breadcrumbs and the sales report to « Désolé, vous n'avez pas les autorisations »."""

import re

import pytest
from django.contrib.auth import get_user_model

from events.models import EventPage

pytestmark = pytest.mark.django_db
EDITOR = re.compile(r'href="/admin/pages/\d+/(edit/)?"')


def pages_of(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    activity = EventPage.objects.get(
        slug="atelier-consommation-equitable", locale__language_code="fr"
    )
    urls = ["/admin/", f"/admin/activites/{activity.pk}/dates/", "/admin/rapport-des-ventes/"]
    date = activity.upcoming_dates[0]
    urls.append(f"/admin/activites/date/{date.pk}/participants/")
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        found[url] = EDITOR.findall(response.content.decode())
    return found


def test_the_ticketing_team_is_sent_nowhere_it_may_not_go(client, demo_site):
    assert pages_of(client, "billetterie") == {url: [] for url in pages_of(client, "billetterie")}


def test_an_administrator_still_has_the_links(client, demo_site):
    found = pages_of(client, "administration")
    assert all(found.values()), found
