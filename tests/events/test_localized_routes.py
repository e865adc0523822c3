"""English pages have English addresses for their sub-pages (/en/…/register/, not
/en/…/inscription/); the French addresses keep working; the language switcher and the
emails link to the page language's address."""

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.django_db


def links(client, url):
    html = BeautifulSoup(client.get(url).content, "html.parser")
    return [a["href"] for a in html.select("a[href]")]


def test_english_activity_links_to_english_sub_pages(client, english):
    hrefs = links(client, english.url)
    assert english.url + "register/" in hrefs
    assert not any(h.startswith(english.url + "inscription/") for h in hrefs)
    assert client.get(english.url + "register/").status_code == 200
    assert client.get(english.url + "calendar/").status_code == 200


def test_french_addresses_keep_working_everywhere(client, activity, english):
    assert activity.url + "inscription/" in links(client, activity.url)
    assert client.get(activity.url + "inscription/").status_code == 200
    assert client.get(english.url + "inscription/").status_code == 200  # old English links


def test_english_activities_feed_and_waiting_list(client, english, demo_site):
    index = english.get_parent().specific
    assert index.reverse_subpage("feed") == "calendar/"
    assert english.reverse_subpage("waiting_list") == "waiting-list/"
    assert client.get(english.url + "waiting-list/").status_code == 200


def test_language_switcher_translates_the_sub_page(client, activity, english):
    html = BeautifulSoup(client.get(activity.url + "inscription/").content, "html.parser")
    switch = html.select_one("a[hreflang=en], a[lang=en]")
    assert switch is not None
    assert switch["href"] == english.url + "register/"
    html = BeautifulSoup(client.get(english.url + "register/").content, "html.parser")
    assert html.select_one("a[hreflang=fr], a[lang=fr]")["href"] == activity.url + "inscription/"
