"""Finding an activity: the list, its filters (no JavaScript), both languages."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devtools.indexing import indexes_updated_at_the_end
from events.models import Theme
from tests.conftest import plain

pytestmark = pytest.mark.django_db


def titles(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [plain(a.get_text(strip=True)) for a in html.select(".card__title a")]


def count_text(response):
    html = BeautifulSoup(response.content, "html.parser")
    return plain(html.select_one(".result-count").get_text(strip=True))


def test_upcoming_activities_in_date_order(client, demo_site):
    response = client.get("/activites/")
    assert response.status_code == 200
    shown = titles(response)
    assert shown[0] == "Atelier : cuisine des quatre coins du monde"  # the soonest
    assert "Atelier passé : la Marche mondiale des femmes" not in shown
    assert count_text(response) == f"{len(shown)} activités"


def test_past_activities_are_in_the_archive(client, demo_site):
    assert titles(client.get("/activites/?archives=1")) == [
        "Atelier passé : la Marche mondiale des femmes"
    ]


def test_filter_by_audience_and_price(client, demo_site):
    shown = titles(client.get("/activites/", {"audience": "adultes", "price": "payant"}))
    assert shown == [
        "Atelier : consommer équitable au quotidien",
        "Formation : animer en éducation à la citoyenneté mondiale",
    ]
    free = titles(client.get("/activites/", {"price": "gratuit", "mode": "en-ligne"}))
    assert free == ["Webinaire : la décroissance, c'est quoi ?"]


def test_filter_by_theme_works_in_both_languages(client, demo_site):
    theme_fr = Theme.objects.get(slug="decroissance", locale__language_code="fr")
    theme_en = Theme.objects.get(slug="decroissance", locale__language_code="en")
    assert theme_en.translation_key == theme_fr.translation_key
    fr = titles(client.get("/activites/", {"theme": str(theme_fr.translation_key)}))
    en = titles(client.get("/en/activities/", {"theme": str(theme_en.translation_key)}))
    assert fr == [
        "Atelier : consommer équitable au quotidien",
        "Atelier : fabriquer ses produits ménagers",
        "Webinaire : la décroissance, c'est quoi ?",
    ]
    assert en == [
        "Workshop: fair-trade shopping every day",
        "Workshop: make your own cleaning products",
        "Webinar: what is degrowth?",
    ]
    html = BeautifulSoup(client.get("/en/activities/").content, "html.parser")
    options = [o.get_text() for o in html.select("#id_theme option")]
    assert "Degrowth" in options and "Décroissance" not in options


def test_bad_filter_values_are_ignored_with_a_message(client, demo_site):
    response = client.get("/activites/", {"audience": "pirates", "start": "pas-une-date"})
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    assert html.select(".field__error")
    assert len(titles(response)) == 10  # every upcoming activity, unfiltered


def test_a_filter_no_longer_offered_is_set_aside_and_the_others_still_apply(client, demo_site):
    """An old link (a theme since removed) keeps its other filters, and says so in words."""
    adults = titles(client.get("/activites/", {"audience": "adultes"}))
    response = client.get("/activites/", {"audience": "adultes", "theme": "xyz"})
    assert response.status_code == 200
    assert titles(response) == adults
    errors = [
        plain(error.get_text(" ", strip=True))
        for error in BeautifulSoup(response.content, "html.parser").select(".field__error")
    ]
    assert errors == ["Ce choix n'est plus proposé : il est ignoré."]


def test_an_end_before_the_start_is_set_aside_with_a_message(client, demo_site):
    start = timezone.localdate() + timedelta(days=20)
    since = titles(client.get("/activites/", {"start": start.isoformat()}))
    response = client.get(
        "/activites/", {"start": start.isoformat(), "end": (start - timedelta(days=5)).isoformat()}
    )
    assert titles(response) == since and since
    errors = [
        plain(error.get_text(" ", strip=True))
        for error in BeautifulSoup(response.content, "html.parser").select(".field__error")
    ]
    assert errors == ["Cette date vient avant la première : elle est ignorée."]


@pytest.mark.slow
def test_the_list_renders_in_a_constant_number_of_queries(client, activity, settings):
    # What every page shares is counted each time (the render cache would keep it before
    # the pages are added and read it afresh after, while their bump is pending).
    settings.RENDER_CACHE = False
    from datetime import timedelta

    from django.utils import timezone

    from events.models import EventDate, EventPage, TicketType

    def query_count():
        client.get("/activites/")  # warm caches (site, settings)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/activites/").status_code == 200
        return len(queries)

    before = query_count()
    index = activity.get_parent()
    with indexes_updated_at_the_end():
        for n in range(200):  # the size of two years of CÉSIQ activities
            page = EventPage(
                title=f"Atelier {n}",
                slug=f"atelier-{n}",
                summary="…",
                audience="adultes",
                format="atelier",
            )
            page.dates.add(
                EventDate(
                    start=timezone.now() + timedelta(days=n + 1),
                    end=timezone.now() + timedelta(days=n + 1, hours=2),
                )
            )
            page.ticket_types.add(TicketType(name="Billet", price=5))
            index.add_child(instance=page)
    assert query_count() == before


def test_english_list_shows_translations_with_french_dates(client, demo_site):
    shown = titles(client.get("/en/activities/", {"audience": "adultes", "price": "payant"}))
    assert shown == [
        "Workshop: fair-trade shopping every day",
        "Training: facilitating global citizenship education",
    ]


def test_from_a_day_each_card_shows_its_first_date_from_that_day_in_order(client, activity):
    """An activity of two dates, asked for from a day after its first: its card shows the
    second, and it is placed by that one among the others."""
    first, second = activity.source.upcoming_dates[:2]
    start = timezone.localdate(first.end) + timedelta(days=1)
    assert timezone.localdate(second.end) >= start
    html = BeautifulSoup(
        client.get("/activites/", {"start": start.isoformat()}).content, "html.parser"
    )
    cards = {
        plain(card.select_one(".card__title a").get_text(strip=True)): card.select_one(
            ".card__date time"
        )["datetime"]
        for card in html.select(".card")
        if card.select_one(".card__date time")
    }
    assert cards[plain(activity.title)] == timezone.localtime(second.start).isoformat()
    shown = list(cards.values())
    assert shown == sorted(shown)
