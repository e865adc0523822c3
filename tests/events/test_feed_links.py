"""The activity list links to its subscribable calendar feed, in each language at its own
address, with the list's audience and theme filters."""

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.django_db


def feed_link(client, url):
    html = BeautifulSoup(client.get(url).content, "html.parser")
    link = html.select_one(".activities__feed a")
    assert html.head.find("link", type="text/calendar")["href"] == link["href"]
    return link["href"]


@pytest.mark.parametrize(
    ("url", "feed"),
    [
        ("/activites/", "/activites/calendrier/"),
        ("/en/activities/", "/en/activities/calendar/"),
        ("/activites/?audience=adultes&format=atelier", "/activites/calendrier/?audience=adultes"),
    ],
)
def test_the_list_links_to_its_feed(client, demo_site, url, feed):
    assert feed_link(client, url) == feed


def test_the_english_feed_answers_in_english(client, demo_site):
    response = client.get("/en/activities/calendar/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "SUMMARY:Talk: climate justice seen from the South" in body.replace("\r\n ", "")
    assert "/en/activities/conference-justice-climatique/" in body.replace("\r\n ", "")
    # The French address keeps working, on both pages.
    assert client.get("/activites/calendrier/").status_code == 200
    assert client.get("/en/activities/calendrier/").status_code == 200


def test_the_feed_keeps_the_audience_filter(client, demo_site):
    body = client.get("/en/activities/calendar/?audience=scolaire").content.decode()
    body = body.replace("\r\n ", "")
    assert "School session: children's rights here and elsewhere" in body.replace("\\", "")
    assert "Talk: climate justice" not in body
