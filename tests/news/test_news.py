"""News and campaigns as visitors, feed readers and search engines get them, in French and in
English: the list and its filters, articles, campaigns that gather their activities and news,
RSS and Atom feeds, NewsArticle data, the search's "Actualités" and "Campagnes", the home page's
latest news, and a new article showing on the very next request."""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import Locale

from tests.conftest import plain

pytestmark = pytest.mark.django_db

HOST = "www.cesiq.example"
INDEX = {"fr": "/actualites/", "en": "/en/news/"}
ARTICLE = {
    "fr": "/actualites/justice-climatique-militantes-du-sud/",
    "en": "/en/news/justice-climatique-militantes-du-sud/",
}
CAMPAIGN = {
    "fr": "/actualites/12-jours-action-violence-femmes/",
    "en": "/en/news/12-jours-action-violence-femmes/",
}
ATOM = "{http://www.w3.org/2005/Atom}"


def soup(client, url, **params):
    response = client.get(url, params, HTTP_HOST=HOST) if params else client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def card_titles(html, selector=".news-list .card__title"):
    return [plain(h.get_text(strip=True)) for h in html.select(selector)]


def index_page(lang="fr"):
    from news.models import NewsIndexPage

    return NewsIndexPage.objects.get(locale__language_code=lang)


def theme(slug, lang="fr"):
    from events.models import Theme

    return Theme.objects.get(slug=slug, locale__language_code=lang)


# --- the list ---------------------------------------------------------------------------------


def test_news_list_shows_articles_newest_first_in_each_language(client, demo_site):
    html = soup(client, INDEX["fr"])
    assert html.html["lang"] == "fr-CA"
    assert html.h1.get_text(strip=True) == "Actualités"
    titles = card_titles(html)
    assert titles[0] == "Justice climatique : trois militantes du Sud en tournée à Québec"
    assert len(titles) == 5
    assert plain(html.select_one(".result-count").get_text(strip=True)) == "5 articles"
    english = soup(client, INDEX["en"])
    assert english.html["lang"] == "en-CA"
    assert card_titles(english)[0] == (
        "Climate justice: three activists from the South on tour in Québec City"
    )
    assert "Campaigns" in english.get_text()
    assert "12 days of action against violence against women" in card_titles(
        english, ".news__campaigns .card__title"
    )


def test_news_list_is_in_the_menu_and_has_a_breadcrumb(client, demo_site):
    html = soup(client, INDEX["fr"])
    current = html.select_one('nav.site-nav a[aria-current="page"]')
    assert current.get_text(strip=True) == "Actualités"


def test_news_list_announces_its_feeds_in_the_head(client, demo_site):
    for prefix in INDEX.values():
        head = soup(client, prefix).head
        feeds = {
            link["type"]: link["href"]
            for link in head.find_all("link", rel="alternate")
            if link.get("type")
        }
        assert feeds == {
            "application/rss+xml": prefix + "rss/",
            "application/atom+xml": prefix + "atom/",
        }


def test_filter_by_theme_without_javascript(client, demo_site):
    women = theme("droits-des-femmes")
    html = soup(client, INDEX["fr"], theme=str(women.translation_key))
    assert card_titles(html) == [
        "Le CÉSIQ se joint aux 12 jours d'action contre la violence faite aux femmes"
    ]
    current = html.select_one('.news-filters a[aria-current="page"]')
    assert current.get_text(strip=True) == "Droits des femmes"
    assert plain(html.title.get_text()).startswith("Actualités : Droits des femmes")
    # The same key filters the English list (themes are translations of each other).
    english = soup(client, INDEX["en"], theme=str(women.translation_key))
    assert card_titles(english) == [
        "CÉSIQ joins the 12 days of action against violence against women"
    ]
    assert english.select_one('.news-filters a[aria-current="page"]').get_text(strip=True) == (
        "Women's rights"
    )
    # English punctuation in English: no space before the colon.
    assert english.title.get_text().startswith("News: Women's rights")


def test_filter_by_tag(client, demo_site):
    html = soup(client, INDEX["fr"], tag="mobilisation")
    assert len(card_titles(html)) == 2
    assert "Mot-clé : mobilisation" in plain(html.select_one(".news__tag").get_text())
    assert card_titles(soup(client, INDEX["en"], tag="schools")) == [
        "A new school session on children's rights"
    ]


def test_a_tampered_filter_is_ignored_or_finds_nothing(client, demo_site):
    assert len(card_titles(soup(client, INDEX["fr"], theme="pas-un-uuid"))) == 5
    html = soup(client, INDEX["fr"], tag="<script>alert(1)</script>")
    assert card_titles(html) == []
    assert "Aucun article ne correspond à ce filtre." in plain(html.get_text())
    assert "<script>alert(1)</script>" not in str(html.select_one("main"))


def test_news_list_is_paginated_and_keeps_the_filter(client, demo_site):
    from news.models import ARTICLES_PER_PAGE, ArticlePage

    index = index_page()
    climate = theme("justice-climatique")
    for n in range(ARTICLES_PER_PAGE):
        article = index.add_child(
            instance=ArticlePage(
                title=f"Brève climatique {n}",
                introduction="Une brève.",
                date=timezone.localdate() - timedelta(days=40 + n),
            )
        )
        article.themes.set([climate])
        article.save_revision().publish()
    html = soup(client, INDEX["fr"], theme=str(climate.translation_key))
    assert len(card_titles(html)) == ARTICLES_PER_PAGE
    next_link = html.select_one(".pagination a[rel=next]")
    assert next_link["href"] == f"?theme={climate.translation_key}&page=2"
    second = soup(client, INDEX["fr"], theme=str(climate.translation_key), page="2")
    assert card_titles(second) == [f"Brève climatique {ARTICLES_PER_PAGE - 1}"]
    assert len(card_titles(soup(client, INDEX["fr"], page="999"))) >= 1  # last page, not 404


# --- articles ---------------------------------------------------------------------------------


def test_article_page_in_french(client, demo_site):
    html = soup(client, ARTICLE["fr"])
    assert plain(html.h1.get_text(strip=True)) == (
        "Justice climatique : trois militantes du Sud en tournée à Québec"
    )
    meta = plain(html.select_one(".article__meta").get_text(" ", strip=True))
    assert "Par Camille Tremblay" in meta
    assert html.select_one(".article__meta time")["datetime"] == str(
        timezone.localdate() - timedelta(days=3)
    )
    assert "crise climatique" in plain(html.select_one(".prose").get_text())
    topics = html.select_one(".article__topics")
    themes = [a.get_text(strip=True) for a in topics.select("ul")[0].find_all("a")]
    assert themes == ["Justice climatique"]
    assert topics.select("ul")[0].a["href"].startswith("/actualites/?theme=")
    tags = {a.get_text(strip=True): a["href"] for a in topics.select("ul")[1].find_all("a")}
    assert tags == {
        "climat": "/actualites/?tag=climat",
        "conférence": "/actualites/?tag=conf%C3%A9rence",
    }
    related = html.select_one("#related-activities").find_parent("section")
    assert related.a["href"] == "/activites/conference-justice-climatique/"
    crumbs = [plain(a.get_text(strip=True)) for a in html.select("nav.breadcrumbs li")]
    assert crumbs[:2] == ["Accueil", "Actualités"]


def test_article_page_in_english(client, demo_site):
    html = soup(client, ARTICLE["en"])
    assert html.html["lang"] == "en-CA"
    assert html.h1.get_text(strip=True) == (
        "Climate justice: three activists from the South on tour in Québec City"
    )
    assert "By Camille Tremblay" in html.select_one(".article__meta").get_text(" ", strip=True)
    topics = html.select_one(".article__topics")
    assert topics.select("ul")[0].a.get_text(strip=True) == "Climate justice"
    related = html.select_one("#related-activities").find_parent("section")
    assert related.a["href"] == "/en/activities/conference-justice-climatique/"
    assert related.a.get_text(strip=True) == "Talk: climate justice seen from the South"
    alternates = {link["hreflang"]: link["href"] for link in html.find_all("link", hreflang=True)}
    assert alternates["fr-CA"].endswith(ARTICLE["fr"])


def test_an_article_without_author_is_signed_by_cesiq(client, demo_site):
    html = soup(client, "/actualites/12-jours-violence-faite-aux-femmes/")
    assert "Par CÉSIQ" in plain(html.select_one(".article__meta").get_text(" ", strip=True))


def article_json_ld(client, url):
    response = client.get(url, HTTP_HOST=HOST)
    html = BeautifulSoup(response.content, "html.parser")
    found = [json.loads(s.string) for s in html.find_all("script", type="application/ld+json")]
    return {item["@type"]: item for item in found if isinstance(item, dict)}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_article_has_news_article_structured_data(client, demo_site, lang):
    """Google's Article rich result: `headline` (≤ 110 characters), `image` (absolute),
    `datePublished` and `dateModified` (ISO 8601 with an offset), `author` with a `name` (and
    `url` for an organisation), `publisher` with `name` and `logo`; plus `inLanguage`,
    `mainEntityOfPage` and the BreadcrumbList that ends on the article."""
    found = article_json_ld(client, ARTICLE[lang])
    article = found["NewsArticle"]
    url = f"http://{HOST}{ARTICLE[lang]}"
    assert article["@context"] == "https://schema.org"
    assert 0 < len(article["headline"]) <= 110
    assert article["headline"].startswith("Justice climatique" if lang == "fr" else "Climate")
    assert article["url"] == url and article["mainEntityOfPage"]["@id"] == url
    assert all(i.startswith(f"http://{HOST}/") for i in article["image"])
    for key in ("datePublished", "dateModified"):
        assert timezone.datetime.fromisoformat(article[key]).utcoffset() is not None
    assert article["datePublished"] <= article["dateModified"]
    assert article["datePublished"].startswith(str(timezone.localdate() - timedelta(days=3)))
    assert article["author"] == [{"@type": "Person", "name": "Camille Tremblay"}]
    assert article["publisher"]["name"] == "CÉSIQ"
    assert article["publisher"]["logo"]["url"].startswith(f"http://{HOST}/")
    assert article["inLanguage"] == lang
    assert article["description"]
    trail = found["BreadcrumbList"]["itemListElement"]
    assert trail[-1]["item"] == url and len(trail) == 3


# --- campaigns --------------------------------------------------------------------------------


def test_campaign_lists_its_activities_and_news_by_theme_and_date(client, demo_site):
    html = soup(client, CAMPAIGN["fr"])
    assert plain(html.h1.get_text(strip=True)) == (
        "12 jours d'action contre la violence faite aux femmes"
    )
    start = timezone.localdate() + timedelta(days=5)
    assert html.select_one(".campaign__dates time")["datetime"] == str(start)
    assert plain(html.select_one(".campaign__dates").get_text(" ", strip=True)).startswith("Du ")
    activities = html.select_one("#campaign-activities").find_parent("section")
    assert [a["href"] for a in activities.find_all("a")] == ["/activites/projection-semences/"]
    news = html.select_one("#campaign-news").find_parent("section")
    assert card_titles(news, ".card__title") == [
        "Le CÉSIQ se joint aux 12 jours d'action contre la violence faite aux femmes"
    ]
    partners = [li.get_text(strip=True) for li in html.select(".campaign__partners li")]
    assert "CAPMO" in partners and len(partners) == 3
    assert html.select_one(".page-header a.button")["href"] == "/activites/"


def test_campaign_in_english_and_with_an_external_call_to_action(client, demo_site):
    html = soup(client, "/en/news/semaine-actions-contre-racisme/")
    assert html.h1.get_text(strip=True) == "Week of action against racism"
    activities = html.select_one("#campaign-activities").find_parent("section")
    hrefs = [a["href"] for a in activities.find_all("a")]
    assert hrefs == [
        "/en/activities/formation-citoyennete-mondiale/",
        "/en/activities/semaine-contre-le-racisme/",
    ]
    button = html.select_one(".page-header a.button")
    assert button.get_text(strip=True) == "Full programme"
    assert button["href"] == "https://www.example.org/semaine-contre-le-racisme"


def test_campaign_dates_and_call_to_action_are_checked(demo_site):
    from news.models import CampaignPage

    campaign = CampaignPage.objects.get(
        slug="12-jours-action-violence-femmes", locale__language_code="fr"
    )
    campaign.end_date = campaign.start_date - timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        campaign.full_clean()
    assert "end_date" in error.value.message_dict
    campaign.end_date = campaign.start_date
    campaign.cta_page, campaign.cta_url = None, ""
    with pytest.raises(ValidationError) as error:
        campaign.full_clean()
    assert "cta_page" in error.value.message_dict


# --- feeds ------------------------------------------------------------------------------------


def test_rss_feed_is_valid_xml_in_the_list_language(client, demo_site):
    for lang, first in [
        ("fr", "Justice climatique : trois militantes du Sud en tournée à Québec"),
        ("en", "Climate justice: three activists from the South on tour in Québec City"),
    ]:
        response = client.get(INDEX[lang] + "rss/", HTTP_HOST=HOST)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/rss+xml")
        channel = ET.fromstring(response.content).find("channel")  # noqa: S314 — our own feed
        assert channel.findtext("language") == f"{lang}-CA"
        items = channel.findall("item")
        assert len(items) == 5
        assert plain(items[0].findtext("title")) == first
        assert (
            items[0].findtext("link")
            == f"http://{HOST}{INDEX[lang]}justice-climatique-militantes-du-sud/"
        )
        assert items[0].findtext("pubDate")
        assert items[0].find("guid").get("isPermaLink") == "false"
        categories = {c.text for c in items[0].findall("category")}
        assert ("Justice climatique" if lang == "fr" else "Climate justice") in categories


def test_atom_feed_is_valid_xml_in_the_list_language(client, demo_site):
    for lang in ("fr", "en"):
        response = client.get(INDEX[lang] + "atom/", HTTP_HOST=HOST)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)  # noqa: S314 — the site's own feed
        assert feed.tag == f"{ATOM}feed"
        assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == f"{lang}-CA"
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == 5
        for entry in entries:
            assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated")
            assert entry.find(f"{ATOM}link").get("href").startswith(f"http://{HOST}{INDEX[lang]}")
        self_link = [x for x in feed.findall(f"{ATOM}link") if x.get("rel") == "self"]
        assert self_link[0].get("href") == f"http://{HOST}{INDEX[lang]}atom/"


# --- search -----------------------------------------------------------------------------------


def search(client, url, **params):
    html = soup(client, url, **params)
    return html, [
        {
            "title": plain(li.h2.get_text(strip=True)),
            "kind": li.select_one(".badge").get_text(strip=True),
            "when": li.select_one(".search-result__when time"),
        }
        for li in html.select("ul.search-results:not(.search-results--promoted) > li")
    ]


def test_search_finds_articles_and_filters_by_kind(client, demo_site):
    html, found = search(client, "/recherche/", q="climat")
    kinds = {link.get_text(strip=True) for link in html.select(".search-kinds__link")}
    assert any(k.startswith("Actualités (") for k in kinds)
    assert any(k.startswith("Campagnes (") for k in kinds)
    html, found = search(client, "/recherche/", q="climat", type="actualites")
    titles = [r["title"] for r in found]
    assert "Justice climatique : trois militantes du Sud en tournée à Québec" in titles
    assert {r["kind"] for r in found} == {"Actualité"}
    hit = next(r for r in found if r["title"].startswith("Justice climatique"))
    assert hit["when"]["datetime"] == str(timezone.localdate() - timedelta(days=3))


def test_search_finds_campaigns_in_english(client, demo_site):
    html, found = search(client, "/en/search/", q="racism", type="campagnes")
    assert [r["title"] for r in found] == ["Week of action against racism"]
    assert found[0]["kind"] == "Campaign"
    assert found[0]["when"]["datetime"] == str(timezone.localdate() + timedelta(days=35))
    _html, french = search(client, "/recherche/", q="femmes", type="campagnes")
    assert [r["title"] for r in french] == ["12 jours d'action contre la violence faite aux femmes"]


# --- home page and cache ----------------------------------------------------------------------


def test_home_page_shows_the_latest_news(client, demo_site):
    html = soup(client, "/")
    section = html.select_one("section.home-news")
    assert section.h2.get_text(strip=True) == "Dernières nouvelles"
    assert len(section.select(".card__title")) == 3
    assert card_titles(section, ".card__title")[0].startswith("Justice climatique")
    assert section.find("a", string="Toutes les actualités")["href"] == "/actualites/"
    english = soup(client, "/en/").select_one("section.home-news")
    assert english.h2.get_text(strip=True) == "Latest news"
    assert card_titles(english, ".card__title")[0].startswith("Climate justice")


def test_a_new_article_shows_on_the_news_list_and_home_on_the_next_request(
    client, settings, demo_site, django_capture_on_commit_callbacks
):
    from news.models import ArticlePage

    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    for url in (INDEX["fr"], "/", INDEX["fr"] + "rss/"):
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit", url
    with django_capture_on_commit_callbacks(execute=True):
        article = index_page().add_child(
            instance=ArticlePage(
                title="Marche pour le climat : rendez-vous samedi",
                introduction="Le réseau marche ensemble.",
                date=timezone.localdate(),
            )
        )
        article.save_revision().publish()
    for url in (INDEX["fr"], "/", INDEX["fr"] + "rss/"):
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss", url
        assert "Marche pour le climat : rendez-vous samedi" in plain(response.content.decode())
    cache.clear()


def test_news_pages_can_be_added_where_editors_expect(demo_site):
    from home.models import HomePage
    from news.models import ArticlePage, CampaignPage, NewsIndexPage

    assert NewsIndexPage in HomePage.allowed_subpage_models()
    assert CampaignPage in HomePage.allowed_subpage_models()
    assert set(NewsIndexPage.allowed_subpage_models()) == {ArticlePage, CampaignPage}
    assert ArticlePage.allowed_parent_page_models() == [NewsIndexPage]
    assert Locale.objects.filter(language_code="en").exists()
