"""The list, a filtered list, the month view and the archive each have a title of their own
(WCAG 2.4.2): a visitor with several tabs, or a screen reader, can tell them apart."""

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

pytestmark = pytest.mark.django_db


def title(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser").title.get_text()


def test_each_view_of_the_activities_has_its_own_title(client, demo_site):
    month = timezone.localdate().strftime("%Y-%m")
    titles = {
        "list": title(client, "/activites/"),
        "filtered": title(client, "/activites/?audience=adultes&price=gratuit"),
        "month": title(client, f"/activites/?vue=mois&mois={month}"),
        "archive": title(client, "/activites/?archives=1"),
    }
    assert titles["list"] == "Activités — CÉSIQ"
    assert titles["filtered"] == "Activités (Adultes, Gratuit) — CÉSIQ"
    assert titles["month"].startswith("Activités, ")
    assert timezone.localdate().strftime("%Y") in titles["month"]
    assert titles["archive"] == "Activités passées — CÉSIQ"
    assert len(set(titles.values())) == 4


def test_english_titles_say_the_same(client, demo_site):
    assert title(client, "/en/activities/?audience=adultes") == "Activities (Adults) — CÉSIQ"
    assert title(client, "/en/activities/?archives=1") == "Past activities — CÉSIQ"
