"""Lists of names sort as a French reader expects, accents and capitals beside their letter:
the shop from A to Z, its producers, the themes offered as filters; on PostgreSQL (ICU's
collation) and on SQLite (`make run`), alike."""

import sqlite3
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from cesiq_site.collation import COLLATION, add_to_sqlite, sort_key

pytestmark = pytest.mark.django_db

WORDS = ["Zèbre", "Écharpe", "Ombre", "Droits", "côte", "écharpe", "Œuvre", "Cote", "cote"]
EXPECTED = ["cote", "Cote", "côte", "Droits", "écharpe", "Écharpe", "Œuvre", "Ombre", "Zèbre"]


def soup(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def test_the_shop_from_a_to_z_puts_accented_titles_among_their_letter(client, demo_site):
    titles = [a.get_text(strip=True) for a in soup(client, "/boutique/").select(".card__title")]
    assert titles == sorted(titles, key=sort_key)
    # « Écharpe » is among the E's of the first page, not after « Thé vert » on the second.
    assert "Écharpe en laine feutrée" in titles
    assert "Thé vert de l'Himalaya" not in titles


def test_producers_and_themes_offered_as_filters_are_in_reading_order(client, demo_site):
    shop = soup(client, "/boutique/")
    producers = [o.get_text(strip=True) for o in shop.select("select[name=producteur] option")]
    assert producers[-1] != "Éditions solidaires du Québec"
    named = [p for p in producers if p and not p.startswith("Tou")]
    assert named == sorted(named, key=sort_key)

    activities = soup(client, "/activites/")
    themes = [o.get_text(strip=True) for o in activities.select("select[name=theme] option")][1:]
    assert themes.index("Décroissance") < themes.index("Droits des enfants")
    assert themes == sorted(themes, key=sort_key)


def test_the_database_sorts_as_python_does():
    """The same order from the database (PostgreSQL's ICU collation, or the one SQLite
    connections are given) as from `sort_key`."""
    from django.db import connection

    assert COLLATION == "und-x-icu"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE collation_words (w varchar(20))")
        cursor.executemany("INSERT INTO collation_words VALUES (%s)", [(w,) for w in WORDS])
        cursor.execute('SELECT w FROM collation_words ORDER BY w COLLATE "und-x-icu"')
        assert [row[0] for row in cursor.fetchall()] == EXPECTED
    assert sorted(WORDS, key=sort_key) == EXPECTED


def test_sqlite_connections_get_the_same_collation():
    raw = sqlite3.connect(":memory:")
    add_to_sqlite(None, SimpleNamespace(vendor="sqlite", connection=raw))
    raw.execute("CREATE TABLE t (w TEXT)")
    raw.executemany("INSERT INTO t VALUES (?)", [(w,) for w in WORDS])
    rows = raw.execute('SELECT w FROM t ORDER BY w COLLATE "und-x-icu"').fetchall()
    assert [w for (w,) in rows] == EXPECTED


def test_address_forms_list_provinces_in_reading_order(client, demo_site):
    """Every address form lists the provinces alike, alphabetically in the page's language."""
    from django.utils import translation

    from cesiq_site.postal import province_choices

    def listed(url):
        page = soup(client, url)
        return [o.get_text(strip=True) for o in page.select("select[name=province] option")]

    french = listed("/faire-un-don/")
    assert french == sorted(french, key=sort_key)
    assert french[:3] == ["Alberta", "Colombie-Britannique", "Île-du-Prince-Édouard"]
    with translation.override("fr"):
        assert french == [str(label) for _code, label in province_choices()]
    with translation.override("en"):
        english = [str(label) for _code, label in province_choices()]
    assert english[:3] == ["Alberta", "British Columbia", "Manitoba"]
    assert english == sorted(english, key=sort_key)


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("fr", "Toronto (ON) M5V 2T6"),
        ("fr-ca", "Toronto (ON) M5V 2T6"),
        ("en", "Toronto, ON M5V 2T6"),
    ],
)
def test_an_addresss_last_line_is_written_as_its_reader_writes_it(language, line):
    from cesiq_site.postal import city_line

    assert city_line("Toronto", "ON", "M5V 2T6", language) == line
    with translation.override(language):
        assert city_line("Toronto", "ON", "M5V 2T6") == line
