"""The site search as a visitor uses it: French words found whatever their ending or accents,
results labelled by kind with counts, filters, highlighted excerpts, dates and prices,
pagination, promoted results, an empty state that helps, in French and in English.

Tests marked `postgres` run the real French full-text search (DATABASE_URL); the others run on
whichever database the suite uses, and those about the fallback only on SQLite."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection

from search import text
from tests.conftest import plain, service_missing

pytestmark = pytest.mark.django_db


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def results(client, q, url="/recherche/", **params):
    html = soup(client.get(url, {"q": q, **params}))
    return html, [
        {
            "title": plain(li.h2.get_text(strip=True)),
            "href": li.h2.a["href"],
            "kind": li.select_one(".badge").get_text(strip=True),
            "excerpt": li.select_one(".search-result__excerpt"),
            "meta": plain(li.select_one(".search-result__kind").get_text(" ", strip=True)),
        }
        for li in html.select("ul.search-results:not(.search-results--promoted) > li")
    ]


def marked(found):
    return {m.get_text() for r in found if r["excerpt"] for m in r["excerpt"].find_all("mark")}


@pytest.fixture
def postgres(demo_site):
    if connection.vendor != "postgresql":
        service_missing("the French full-text search needs PostgreSQL (DATABASE_URL)")


@pytest.fixture
def sqlite(demo_site):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite fallback is only used on SQLite")


def standard_page(home, title, introduction, capture):
    """A published page, indexed as it would be once its transaction commits."""
    from home.models import StandardPage

    with capture(execute=True):
        page = home.add_child(instance=StandardPage(title=title, introduction=introduction))
        page.save_revision().publish()
    return page


# --- French words on PostgreSQL -------------------------------------------------------------


@pytest.mark.postgres
def test_climat_finds_justice_climatique(client, postgres):
    _html, found = results(client, "climat")
    assert "Conférence : la justice climatique vue du Sud" in [r["title"] for r in found]
    assert "climatique" in marked(found)


@pytest.mark.postgres
def test_femme_finds_femmes(client, postgres):
    _html, found = results(client, "femme")
    titles = [r["title"] for r in found]
    assert "Atelier passé : la Marche mondiale des femmes" in titles
    # Also a page where "femmes" is only in the body (indexed text, not just the summary).
    assert "Notre mission" in titles
    assert "femmes" in marked(found)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("url", "query", "model"),
    [
        ("/recherche/", "membre", "memberships.MembershipPage"),
        ("/recherche/", "don", "donations.DonationPage"),
        ("/en/search/", "member", "memberships.MembershipPage"),
        ("/en/search/", "give", "donations.DonationPage"),
    ],
)
def test_pages_whose_text_is_rich_text_are_found_with_an_excerpt(
    client, postgres, url, query, model
):
    """The donation and membership pages keep their text in a rich text field, not a stream
    of blocks: a search that found them answered 500."""
    from django.apps import apps

    language = "en" if url.startswith("/en/") else "fr"
    page = apps.get_model(model).objects.live().get(locale__language_code=language)
    _html, found = results(client, query, url=url)
    [hit] = [r for r in found if r["title"] == plain(page.title)]
    assert hit["excerpt"] is not None and "<" not in hit["excerpt"].get_text()


@pytest.mark.postgres
def test_equitable_without_accent_finds_equitable(client, postgres):
    _html, found = results(client, "equitable")
    titles = [r["title"] for r in found]
    assert "Atelier : consommer équitable au quotidien" in titles
    assert "équitable" in marked(found)
    # The same results whatever the accents or case typed.
    assert [r["title"] for r in results(client, "ÉQUITABLES")[1]] == titles


@pytest.mark.postgres
def test_a_new_page_is_found_once_published(
    client, postgres, home_fr, django_capture_on_commit_callbacks
):
    standard_page(
        home_fr,
        "Souveraineté des peuples",
        "Les paysannes défendent leurs semences.",
        django_capture_on_commit_callbacks,
    )
    _html, found = results(client, "paysanne souverainete")
    assert [r["title"] for r in found] == ["Souveraineté des peuples"]


# --- The fallback on SQLite -----------------------------------------------------------------


def test_sqlite_fallback_finds_french_words(client, sqlite):
    titles = {
        q: [r["title"] for r in results(client, q)[1]] for q in ["climat", "femme", "equitable"]
    }
    assert "Conférence : la justice climatique vue du Sud" in titles["climat"]
    assert "Atelier passé : la Marche mondiale des femmes" in titles["femme"]
    assert "Atelier : consommer équitable au quotidien" in titles["equitable"]
    assert [r["title"] for r in results(client, "EQUITABLES")[1]] == titles["equitable"]


def test_sqlite_fallback_needs_every_word(client, sqlite):
    _html, found = results(client, "équitable chocolat")
    assert found and all("chocolat" in r["title"].lower() for r in found)


# --- What a result shows ------------------------------------------------------------------


def test_results_are_labelled_by_kind_with_counts_and_filters(client, demo_site):
    html, found = results(client, "equitable")
    kinds = {r["kind"] for r in found}
    assert {"Activité", "Produit"} <= kinds
    links = {a.get_text(strip=True): a["href"] for a in html.select(".search-kinds a")}
    counts = {label.split(" (")[0]: int(label.split("(")[1].rstrip(")")) for label in links}
    assert counts["Tout"] == sum(n for k, n in counts.items() if k != "Tout")
    # The first page of results shows ten of them (the network's members made it eleven).
    assert len(found) == min(counts["Tout"], 10)
    assert {"Activités", "Pages", "Actualités", "Campagnes", "Produits"} <= set(counts)
    assert (
        html.select_one('.search-kinds a[aria-current="page"]')
        .get_text(strip=True)
        .startswith("Tout")
    )

    only_products = results(client, "equitable", type="produits")[1]
    assert len(only_products) == counts["Produits"]
    assert {r["kind"] for r in only_products} == {"Produit"}
    # Each product shows its price, the Québec way.
    assert all(r["meta"].count("$") == 1 for r in only_products)
    assert any("," in r["meta"] for r in only_products)


def test_upcoming_activities_come_first_and_past_ones_last_with_their_dates(client, demo_site):
    _html, found = results(client, "atelier", type="activites")
    past = [i for i, r in enumerate(found) if "Passée" in r["meta"]]
    upcoming = [i for i, r in enumerate(found) if "Prochaine date" in r["meta"]]
    assert past and upcoming and max(upcoming) < min(past)
    assert found[past[0]]["title"] == "Atelier passé : la Marche mondiale des femmes"


def test_excerpt_is_escaped_and_highlights_the_words():
    cut = text.excerpt(["<b>Justice</b> et crise climatique & Équité"], "climat equite")
    assert str(cut) == (
        "&lt;b&gt;Justice&lt;/b&gt; et crise <mark>climatique</mark> &amp; <mark>Équité</mark>"
    )
    long = "mot " * 100 + "justice climatique " + "fin " * 100
    cut = str(text.excerpt([long], "climat"))
    assert cut.startswith("…") and cut.endswith("…") and "<mark>climatique</mark>" in cut


def test_a_hostile_page_title_is_escaped_in_results(
    client, demo_site, home_fr, django_capture_on_commit_callbacks
):
    standard_page(
        home_fr,
        "Climat <script>alert(1)</script>",
        "<img src=x onerror=alert(1)> climat",
        django_capture_on_commit_callbacks,
    )
    response = client.get("/recherche/", {"q": "climat"})
    assert b"<script>alert(1)" not in response.content
    assert b"<img src=x" not in response.content
    assert "&lt;img src=x onerror=alert(1)&gt;" in response.content.decode()


def test_results_are_paginated(client, demo_site, home_fr, django_capture_on_commit_callbacks):
    for n in range(12):
        standard_page(
            home_fr,
            f"Fiche pédagogique {n}",
            "Ressource sur la solidarité maraîchère.",
            django_capture_on_commit_callbacks,
        )
    html, first = results(client, "maraichere")
    assert len(first) == 10
    assert "Page 1 sur 2" in html.select_one("nav.pagination").get_text()
    next_href = html.select_one('nav.pagination a[rel="next"]')["href"]
    _html, second = results(client, "maraichere", page=2)
    assert "page=2" in next_href and "q=maraichere" in next_href
    assert len(second) == 2
    assert not {r["href"] for r in first} & {r["href"] for r in second}


def test_no_result_suggests_themes_and_upcoming_activities(client, demo_site):
    html, found = results(client, "xylophonie")
    assert found == []
    empty = html.select_one(".search-empty")
    assert "Aucun résultat pour « xylophonie »" in plain(empty.get_text())
    themes = [a.get_text(strip=True) for a in empty.select(".search-empty__themes a")]
    assert "Justice climatique" in themes
    assert all(
        a["href"].startswith("/activites/?theme=") for a in empty.select(".search-empty__themes a")
    )
    assert len(empty.select(".search-empty__upcoming a")) == 3


def test_english_search_stays_in_english(client, demo_site):
    html, found = results(client, "climate", url="/en/search/")
    assert "Talk: climate justice seen from the South" in [r["title"] for r in found]
    assert all(r["href"].startswith("/en/") for r in found)
    assert {r["kind"] for r in found} <= {
        "Activity",
        "Page",
        "News",
        "Campaign",
        "Teaching resource",
        "Product",
    }
    _html, found = results(client, "women", url="/en/search/")
    assert "Past workshop: the World March of Women" in [r["title"] for r in found]
    assert "Past:" in found[-1]["meta"]


def test_promoted_results_come_first_and_queries_are_counted(client, demo_site):
    from wagtail.contrib.search_promotions.models import Query, SearchPromotion
    from wagtail.models import Page

    shop = Page.objects.get(slug="boutique", locale__language_code="fr")
    SearchPromotion.objects.create(
        query=Query.get("cadeau"), page=shop, description="Des idées de cadeaux équitables."
    )
    html = soup(client.get("/recherche/", {"q": "Cadeau"}))
    promoted = html.select_one(".search-results--promoted li")
    assert promoted.h2.get_text(strip=True) == "Boutique équitable"
    assert "Des idées de cadeaux équitables." in promoted.get_text()
    # English visitors get the page in English.
    html = soup(client.get("/en/search/", {"q": "cadeau"}))
    assert html.select_one(".search-results--promoted li h2 a")["href"] == "/en/shop/"
    assert Query.get("cadeau").hits == 2


def test_every_page_has_the_header_search_box(client, demo_site):
    for url in ["/", "/en/", "/activites/", "/boutique/", "/panier/", "/mission/"]:
        html = soup(client.get(url))
        form = html.select_one("header form[role=search]")
        assert form["action"] == ("/en/search/" if url.startswith("/en/") else "/recherche/"), url
        assert form.select_one("input[name=q]")


def test_the_search_page_describes_itself_in_each_language(client, demo_site):
    """A page that is not a Wagtail page still has a meta description (Lighthouse's SEO
    audit); searches themselves stay out of the index (noindex)."""
    page = soup(client.get("/recherche/"))
    assert page.select_one('meta[name="description"]')["content"] == (
        "Cherchez parmi les activités, les actualités, les ressources et les produits du CÉSIQ."
    )
    assert page.select_one('meta[name="robots"]') is None
    page = soup(client.get("/en/search/", {"q": "climate"}))
    assert page.select_one('meta[name="description"]')["content"] == (
        "Search CÉSIQ's activities, news, resources and products."
    )
    assert page.select_one('meta[name="robots"]')["content"] == "noindex, follow"


def test_a_private_section_is_not_searched(client):
    """Pages under a section restricted to logged-in visitors are not found (nor their titles
    shown), in full-text search and in the fallback alike."""
    from wagtail.models import PageViewRestriction

    from events.models import EventIndexPage, EventPage

    index = EventIndexPage.objects.get(locale__language_code="fr")
    hidden = EventPage.objects.descendant_of(index).live().order_by("path").first()
    _html, found = results(client, hidden.title)
    assert hidden.url in [r["href"] for r in found]

    PageViewRestriction.objects.create(page=index, restriction_type=PageViewRestriction.LOGIN)
    private = {page.url for page in EventPage.objects.descendant_of(index)}
    for q in (hidden.title, "atelier", "conférence"):
        _html, found = results(client, q)
        shown = {r["href"] for r in found} & private
        assert shown == set(), (q, shown)
