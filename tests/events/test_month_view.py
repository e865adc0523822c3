"""The month view of the activity list (?vue=mois&mois=AAAA-MM): a calendar grid, no JavaScript,
in both languages, with the list's filters."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from devtools.demo.events import ACTIVITIES, at
from tests.conftest import plain

pytestmark = pytest.mark.django_db


def freeze_on_the_seed_day(monkeypatch):
    """Freeze "now" at noon on the day the demo was seeded, for the page and the test alike.

    The seed dates the demo activities from the day it runs (once per test session) and
    these tests recompute those dates with `at()`: a run that crosses midnight in Toronto
    would otherwise compare today's dates with yesterday's seed. The seed's day is read back
    from one demo date, so the tests give the same answer at any hour.
    """
    from events.models import EventPage

    slug = "conference-justice-climatique"
    days_from_seed = next(a for a in ACTIVITIES if a["slug"] == slug)["dates"][0][0]
    talk = EventPage.objects.get(slug=slug, locale__language_code="fr")
    seed_day = timezone.localdate(talk.dates.get().start) - timedelta(days=days_from_seed)
    frozen = timezone.make_aware(datetime.combine(seed_day, time(12)))
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    return frozen


@pytest.fixture(autouse=True)
def seed_day_clock(demo_site, monkeypatch):
    return freeze_on_the_seed_day(monkeypatch)


def month_of(moment):
    return timezone.localtime(moment).date().replace(day=1)


def param(month):
    return month.strftime("%Y-%m")


def add_months(month, n):
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def expected_days(month, language="fr"):
    """{day: {titles}} for the demo's dates in `month`, computed the way the seed dates them."""
    days = defaultdict(set)
    for activity in ACTIVITIES:
        for days_from_now, hour, *_ in activity["dates"]:
            start = at(days_from_now, hour)
            if month_of(start) == month:
                days[timezone.localtime(start).date()].add(activity[language][0])
    return dict(days)


def grid(response):
    """{day: [titles]} as the grid shows them."""
    html = BeautifulSoup(response.content, "html.parser")
    shown = {}
    for cell in html.select("table.month__grid td"):
        stamp = cell.select_one("time.month__full")
        titles = [plain(a.get_text(strip=True)) for a in cell.select(".month__link")]
        if stamp is None:
            assert not titles, "a day outside the month lists activities"
            continue
        if titles:
            shown[date.fromisoformat(stamp["datetime"])] = titles
    return shown


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def caption(response):
    return soup(response).select_one("table.month__grid caption").get_text(strip=True)


def month_view(client, month, url="/activites/", **filters):
    return client.get(url, {"vue": "mois", "mois": param(month), **filters})


def demo_months():
    starts = [at(d, h) for a in ACTIVITIES for d, h, *_ in a["dates"]]
    return sorted({month_of(s) for s in starts})


def test_each_demo_date_is_on_its_day(client, demo_site):
    for month in demo_months():
        shown = grid(month_view(client, month))
        assert {day: set(titles) for day, titles in shown.items()} == expected_days(month)


def test_a_run_that_crosses_midnight_still_finds_the_seeded_dates(
    client, demo_site, monkeypatch, seed_day_clock
):
    # The session seeded the demo yesterday evening; this test starts at 00:05.
    after_midnight = timezone.make_aware(
        datetime.combine(seed_day_clock.date() + timedelta(days=1), time(0, 5))
    )
    monkeypatch.setattr(timezone, "now", lambda: after_midnight)
    assert freeze_on_the_seed_day(monkeypatch) == seed_day_clock
    start = at(12, 19)  # the climate justice talk, as the seed dated it
    shown = grid(month_view(client, month_of(start)))
    assert "Conférence : la justice climatique vue du Sud" in shown[timezone.localdate(start)]


def test_an_activity_with_several_dates_is_on_each_of_its_days(client, demo_site):
    title = "Formation : animer en éducation à la citoyenneté mondiale"
    for days_from_now in (30, 37):
        start = at(days_from_now, 9)
        shown = grid(month_view(client, month_of(start)))
        assert title in shown[timezone.localtime(start).date()]


def test_a_day_shows_the_time_and_a_link_to_the_activity(client, demo_site):
    start = at(12, 19)  # the climate justice talk
    html = soup(month_view(client, month_of(start)))
    link = html.find(
        "a", string=lambda s: plain(s) == "Conférence : la justice climatique vue du Sud"
    )
    entry = link.find_parent("li")
    assert link["href"] == "/activites/conference-justice-climatique/"
    # The talk starts on the hour: « 19 h » (OQLF), not « 19 h 00 ».
    assert entry.select_one("time").get_text() == "19\u00a0h"
    assert entry.find_parent("td").select_one(".month__full")["datetime"] == str(
        timezone.localtime(start).date()
    )


def test_the_grid_is_a_table_of_weeks_from_sunday_with_the_month_as_caption(client, demo_site):
    month = date(2026, 12, 1)
    response = month_view(client, month)
    assert caption(response) == "décembre 2026"
    html = soup(response)
    headers = html.select("table.month__grid thead th")
    assert [th.select_one(".visually-hidden").get_text() for th in headers] == [
        "dimanche",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
    ]
    assert headers[0].abbr.get_text() == "dim" and headers[0].abbr["title"] == "dimanche"
    weeks = html.select("table.month__grid tbody tr")
    assert all(len(week.select("td")) == 7 for week in weeks)
    # December 1st 2026 is a Tuesday: two empty cells before it.
    first_week = weeks[0].select("td")
    assert [td.select_one(".month__full") is None for td in first_week[:3]] == [True, True, False]
    assert first_week[2].select_one(".month__full")["datetime"] == "2026-12-01"


def test_english_month_view_shows_english_titles_and_month(client, demo_site):
    month = month_of(at(9, 18))
    response = month_view(client, month, url="/en/activities/")
    with translation.override("en"):
        assert caption(response) == date_format(month, "YEAR_MONTH_FORMAT")
    assert caption(response) == month.strftime("%B %Y")  # e.g. "December 2026"
    shown = grid(response)
    assert {day: set(titles) for day, titles in shown.items()} == expected_days(month, "en")
    html = soup(response)
    assert html.select_one("thead th .visually-hidden").get_text() == "Sunday"
    link = html.find("a", string="Workshop: fair-trade shopping every day")
    assert link["href"].startswith("/en/activities/")
    switch = [a.get_text(strip=True) for a in html.select(".view-switch a")]
    assert switch == ["List", "Month"]


def test_filters_apply_to_the_month(client, demo_site):
    month = month_of(at(9, 18))
    response = month_view(client, month, audience="adultes", price="payant")
    titles = {t for day in grid(response).values() for t in day}
    expected = {
        a["fr"][0]
        for a in ACTIVITIES
        if a["slug"] in {"atelier-consommation-equitable", "formation-citoyennete-mondiale"}
        and any(month_of(at(d, h)) == month for d, h, *_ in a["dates"])
    }
    assert titles == expected
    html = soup(response)
    # the form keeps the view and the month, and has no date range here
    assert html.select_one("form.filters input[name=vue]")["value"] == "mois"
    assert html.select_one("form.filters input[name=mois]")["value"] == param(month)
    assert not html.select("form.filters input[name=start], form.filters input[name=end]")
    assert html.select_one("#id_audience option[selected]")["value"] == "adultes"


def test_filter_with_nothing_this_month_says_so(client, demo_site):
    month = month_of(at(14, 12))
    response = month_view(client, month, mode="en-ligne", price="payant")
    assert grid(response) == {}
    assert soup(response).select_one(".result-count").get_text(strip=True) == (
        "Aucune activité ce mois-ci."
    )
    english = month_view(client, month, url="/en/activities/", mode="en-ligne", price="payant")
    assert soup(english).select_one(".result-count").get_text(strip=True) == (
        "No activities this month."
    )


@pytest.mark.parametrize("value", ["2026-13", "décembre", "12-2026", "1999-01", "2100-01", ""])
def test_a_bad_month_falls_back_to_the_current_month(client, demo_site, value):
    response = client.get("/activites/", {"vue": "mois", "mois": value})
    with translation.override("fr"):
        assert caption(response) == date_format(timezone.localdate(), "YEAR_MONTH_FORMAT")


def test_the_default_month_is_the_current_one(client, demo_site):
    response = client.get("/activites/", {"vue": "mois"})
    today = timezone.localdate()
    html = soup(response)
    assert html.select_one("form.filters input[name=mois]")["value"] == param(today)
    cell = html.select_one("td[aria-current=date]")
    assert cell.select_one(".month__full")["datetime"] == str(today)


def test_previous_and_next_months_keep_the_filters(client, demo_site):
    month = month_of(at(9, 18))
    html = soup(month_view(client, month, audience="adultes"))
    previous = html.select_one(".month-nav__link--prev")
    following = html.select_one(".month-nav__link--next")
    for link, target in ((previous, add_months(month, -1)), (following, add_months(month, 1))):
        query = parse_qs(urlsplit(link["href"]).query)
        assert query == {"audience": ["adultes"], "vue": ["mois"], "mois": [param(target)]}
        with translation.override("fr"):
            assert date_format(target, "YEAR_MONTH_FORMAT") in link.get_text()
        assert caption(client.get(link["href"])) == caption(month_view(client, target))
    assert "Mois précédent" in previous.get_text()


def test_the_calendar_stops_two_years_away(client, demo_site):
    this_month = timezone.localdate().replace(day=1)
    last = soup(month_view(client, add_months(this_month, 24)))
    assert last.select(".month-nav__link--prev") and not last.select(".month-nav__link--next")
    first = soup(month_view(client, add_months(this_month, -24)))
    assert first.select(".month-nav__link--next") and not first.select(".month-nav__link--prev")


def test_the_switch_between_list_and_month_keeps_the_filters(client, demo_site):
    listing = soup(client.get("/activites/", {"audience": "adultes", "start": "2026-01-01"}))
    current = listing.select(".view-switch a[aria-current]")
    assert [a.get_text() for a in current] == ["Liste"]
    to_month = listing.find("a", string="Mois")
    assert parse_qs(urlsplit(to_month["href"]).query) == {"audience": ["adultes"], "vue": ["mois"]}

    month = soup(client.get(to_month["href"]))
    assert [a.get_text() for a in month.select(".view-switch a[aria-current]")] == ["Mois"]
    to_list = month.find("a", string="Liste")
    assert parse_qs(urlsplit(to_list["href"]).query) == {"audience": ["adultes"]}
    assert month.select_one("#id_audience option[selected]")["value"] == "adultes"
    assert not month.select(".activity-list")
    assert not listing.select(".month__grid")


@pytest.mark.slow
def test_the_month_renders_in_a_constant_number_of_queries(client, activity, settings):
    # What every page shares is counted each time (the render cache would keep it before
    # the pages are added and read it afresh after, while their bump is pending).
    settings.RENDER_CACHE = False
    from events.models import EventDate, EventPage, TicketType

    month = month_of(at(9, 18))

    def query_count(url):
        month_view(client, month, url=url)  # warm caches (site, settings)
        with CaptureQueriesContext(connection) as queries:
            assert month_view(client, month, url=url).status_code == 200
        return len(queries)

    before = {url: query_count(url) for url in ("/activites/", "/en/activities/")}
    index = activity.get_parent()
    for n in range(12):
        page = EventPage(
            title=f"Atelier {n}",
            slug=f"atelier-mois-{n}",
            summary="…",
            audience="adultes",
            format="atelier",
        )
        for day in (n % 28 + 1, (n + 7) % 28 + 1):  # two dates each, in the month
            start = timezone.make_aware(datetime.combine(month.replace(day=day), time(10)))
            page.dates.add(EventDate(start=start, end=start + timedelta(hours=2)))
        page.ticket_types.add(TicketType(name="Billet", price=5))
        index.add_child(instance=page)
    assert len(grid(month_view(client, month))[month.replace(day=1)]) >= 1
    assert {url: query_count(url) for url in before} == before
