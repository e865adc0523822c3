"""What search engines and link previews read, on every kind of page and in both languages:
title and description (promote tab first, the page's own summary otherwise), canonical
address, hreflang alternates with x-default, Open Graph and Twitter card with an image, the
sitemap with its alternates, robots.txt. Read from the HTML as a crawler reads it."""

import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from tests.conftest import plain

pytestmark = pytest.mark.django_db

HOST = "www.cesiq.example"

# (French address, English address, the page's title as editors wrote it)
PAGE_KINDS = {
    "home": ("/", "/en/", None),
    "standard": ("/mission/", "/en/mission/", "Notre mission"),
    "activity list": ("/activites/", "/en/activities/", "Activités"),
    "activity": (
        "/activites/conference-justice-climatique/",
        "/en/activities/conference-justice-climatique/",
        "Conférence : la justice climatique vue du Sud",
    ),
    "teaching resources": (
        "/ressources-pedagogiques/",
        "/en/teaching-resources/",
        "Ressources pédagogiques",
    ),
    "teaching resource": (
        "/ressources-pedagogiques/jeu-migrations-climatiques/",
        "/en/teaching-resources/jeu-migrations-climatiques/",
        "Jeu de rôle sur les migrations climatiques",
    ),
    "shop": ("/boutique/", "/en/shop/", "Boutique équitable"),
    "product": (
        "/boutique/cafe-perou-biologique/",
        "/en/shop/cafe-perou-biologique/",
        "Café du Pérou biologique",
    ),
    "producer": (
        "/boutique/producteurs/cooperative-des-andes/",
        "/en/shop/producteurs/cooperative-des-andes/",
        None,
    ),
}


def head(client, url, **params):
    response = client.get(url, params, HTTP_HOST=HOST)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser").head


def meta(tag, **attrs):
    found = tag.find("meta", attrs=attrs)
    return found["content"] if found else None


def alternates(tag):
    return {
        link["hreflang"]: link["href"]
        for link in tag.find_all("link", rel="alternate")
        if link.has_attr("hreflang")
    }


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_page_kind_has_complete_metadata_in_both_languages(client, demo_site, kind):
    french, english, title = PAGE_KINDS[kind]
    heads = {"fr": head(client, french), "en": head(client, english)}
    for language, url in (("fr", french), ("en", english)):
        tag = heads[language]
        assert tag.title.get_text().strip().endswith("— CÉSIQ")
        description = meta(tag, name="description")
        assert description and len(description) <= 160, (kind, language)
        canonical = tag.find("link", rel="canonical")["href"]
        assert canonical == f"http://{HOST}{url}"
        # Each language lists both versions and x-default (French), the same on both sides.
        assert alternates(tag) == {
            "fr-CA": f"http://{HOST}{french}",
            "en-CA": f"http://{HOST}{english}",
            "x-default": f"http://{HOST}{french}",
        }
        assert meta(tag, property="og:url") == canonical
        assert meta(tag, property="og:description") == description
        assert meta(tag, property="og:locale") == f"{language}_CA"
        assert meta(tag, property="og:locale:alternate") == (
            "en_CA" if language == "fr" else "fr_CA"
        )
        image = meta(tag, property="og:image")
        assert image.startswith(f"http://{HOST}/media/") and image.endswith(".jpg")
        assert meta(tag, name="twitter:card") == "summary_large_image"
        assert meta(tag, name="twitter:image") == image
    if title:
        assert meta(heads["fr"], property="og:title") == title
        assert plain(heads["fr"].title.get_text()).startswith(title)
    # The two languages do not share a description (each is written in its language).
    assert meta(heads["fr"], name="description") != meta(heads["en"], name="description")


def test_promote_tab_title_and_description_come_first(client, demo_site):
    from wagtail.models import Page

    page = Page.objects.get(slug="mission", locale__language_code="fr").specific
    page.seo_title = "Notre mission : éduquer à la solidarité"
    page.search_description = "Ce que fait le CÉSIQ, pour qui et pourquoi."
    page.save_revision().publish()
    tag = head(client, "/mission/")
    assert plain(tag.title.get_text()) == "Notre mission : éduquer à la solidarité — CÉSIQ"
    assert meta(tag, name="description") == "Ce que fait le CÉSIQ, pour qui et pourquoi."
    assert meta(tag, property="og:title") == "Notre mission : éduquer à la solidarité"
    assert meta(tag, name="twitter:description") == "Ce que fait le CÉSIQ, pour qui et pourquoi."


def test_a_long_summary_is_cut_at_a_word(client, demo_site):
    description = meta(head(client, "/"), name="description")
    assert len(description) <= 160 and description.endswith("…")
    assert not description[:-1].endswith(" ")
    home_text = BeautifulSoup(client.get("/").content, "html.parser").select_one(".hero__lead")
    assert home_text.get_text().startswith(description[:-1])


def test_canonical_leaves_filters_out(client, demo_site):
    tag = head(client, "/activites/", audience="adultes", page="2")
    assert tag.find("link", rel="canonical")["href"] == f"http://{HOST}/activites/"


def test_a_page_without_image_shares_the_site_image_or_none(client, demo_site):
    from home.models import SiteSettings

    tag = head(client, "/mission/")
    site_image = meta(tag, property="og:image")
    assert "cesiq-illustration" in site_image  # the default from Paramètres du site
    settings = SiteSettings.for_site(demo_site)
    settings.share_image = None
    settings.save()
    tag = head(client, "/mission/")
    assert meta(tag, property="og:image") is None
    assert meta(tag, name="twitter:card") == "summary"


def test_search_results_are_not_indexed_but_the_search_page_is_findable(client, demo_site):
    assert meta(head(client, "/recherche/", q="climat"), name="robots") == "noindex, follow"
    tag = head(client, "/en/search/")
    assert meta(tag, name="robots") is None
    assert alternates(tag)["fr-CA"] == f"http://{HOST}/recherche/"


def test_an_untranslated_page_has_no_alternates_but_itself(client, demo_site, home_fr):
    from home.models import StandardPage

    page = home_fr.add_child(instance=StandardPage(title="Seulement en français", slug="seul"))
    page.save_revision().publish()
    tag = head(client, "/seul/")
    assert alternates(tag) == {
        "fr-CA": f"http://{HOST}/seul/",
        "x-default": f"http://{HOST}/seul/",
    }


# --- sitemap.xml and robots.txt --------------------------------------------------------------

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def sitemap(client):
    response = client.get("/sitemap.xml", HTTP_HOST=HOST)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)  # noqa: S314 — our own sitemap, not untrusted input


def test_sitemap_lists_both_languages_with_alternates_and_lastmod(client, demo_site):
    from wagtail.models import Page

    root = sitemap(client)
    urls = {u.find("s:loc", NS).text: u for u in root.findall("s:url", NS)}
    live = Page.objects.live().public().filter(depth__gt=1)
    network = ("/reseau/", "/en/network/")
    pages = [
        loc for loc in urls if not any(f"{HOST}{d}" in loc and not loc.endswith(d) for d in network)
    ]
    assert len(pages) == live.count()
    for french, english, _title in PAGE_KINDS.values():
        if "producteurs" in french:  # a view of the shop page, not a page of its own
            continue
        for url in (french, english):
            entry = urls[f"http://{HOST}{url}"]
            assert entry.find("s:lastmod", NS).text.startswith("20")
            links = {link.get("hreflang"): link.get("href") for link in entry.findall("x:link", NS)}
            assert links == {
                "fr-CA": f"http://{HOST}{french}",
                "en-CA": f"http://{HOST}{english}",
                "x-default": f"http://{HOST}{french}",
            }
    assert all(loc.startswith(f"http://{HOST}/") for loc in urls)


def test_sitemap_lists_each_network_organisation_in_both_languages(client, demo_site):
    """The organisations' own pages are routed below the directory (not Wagtail pages): the
    sitemap lists each one shown, in each language, the two as alternates."""
    from network.models import MemberOrganisation

    urls = {u.find("s:loc", NS).text: u for u in sitemap(client).findall("s:url", NS)}
    entry = urls[f"http://{HOST}/reseau/oxfam-quebec/"]
    links = {link.get("hreflang"): link.get("href") for link in entry.findall("x:link", NS)}
    assert links == {
        "fr-CA": f"http://{HOST}/reseau/oxfam-quebec/",
        "en-CA": f"http://{HOST}/en/network/oxfam-quebec/",
        "x-default": f"http://{HOST}/reseau/oxfam-quebec/",
    }
    assert entry.find("s:lastmod", NS).text.startswith("20")
    assert f"http://{HOST}/en/network/oxfam-quebec/" in urls
    # An organisation taken off the site leaves the sitemap with it.
    MemberOrganisation.objects.filter(slug="oxfam-quebec").update(live=False)
    urls = [u.find("s:loc", NS).text for u in sitemap(client).findall("s:url", NS)]
    assert not [url for url in urls if "oxfam-quebec" in url]


def test_sitemap_leaves_out_drafts_and_private_pages(client, demo_site, home_fr):
    from home.models import StandardPage

    draft = home_fr.add_child(instance=StandardPage(title="Brouillon", slug="brouillon"))
    draft.unpublish()
    urls = [u.find("s:loc", NS).text for u in sitemap(client).findall("s:url", NS)]
    assert f"http://{HOST}/brouillon/" not in urls


def test_robots_txt_points_to_the_sitemap_on_the_same_host(client, demo_site):
    response = client.get("/robots.txt", HTTP_HOST=HOST)
    assert f"Sitemap: http://{HOST}/sitemap.xml" in response.content.decode().splitlines()


def test_favicon_ico_leads_to_the_sites_icon(client, demo_site):
    """Feed readers and some browsers ask for /favicon.ico whatever the page says."""
    response = client.get("/favicon.ico", HTTP_HOST=HOST)
    assert response.status_code == 301
    assert response["Location"].endswith("/img/favicon.svg")
    assert "max-age=86400" in response["Cache-Control"]
    from django.contrib.staticfiles import finders

    assert finders.find("img/favicon.svg")
