"""What a visitor sees on the home and standard pages, in French and in English."""

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def test_french_home_page_is_at_the_root(client, home_fr):
    response = client.get("/")
    assert response.status_code == 200
    html = soup(response)
    assert html.html["lang"] == "fr-CA"
    assert html.h1.get_text(strip=True) == "Ensemble pour un monde plus juste et solidaire"
    assert "Aller au contenu" in html.find("a", class_="skip-link").get_text()
    menu = [a.get_text(strip=True) for a in html.select("nav.site-nav a")]
    assert menu == [
        "Notre mission",
        "Nos partenaires",
        "Le réseau",
        "Activités",
        "Boutique équitable",
        "Faire un don",
        "Devenir membre",
        "Actualités",
        "Ressources pédagogiques",
        "Nous joindre",
    ]


def test_english_home_page_is_under_en(client, home_en):
    response = client.get("/en/")
    assert response.status_code == 200
    html = soup(response)
    assert html.html["lang"] == "en-CA"
    assert html.h1.get_text(strip=True) == "Together for a fairer, more caring world"
    assert "Skip to content" in html.find("a", class_="skip-link").get_text()
    menu = [a.get_text(strip=True) for a in html.select("nav.site-nav a")]
    assert menu == [
        "Our mission",
        "Our partners",
        "The network",
        "Activities",
        "Fair-trade shop",
        "Give",
        "Become a member",
        "News",
        "Teaching resources",
        "Contact us",
    ]


def test_home_page_renders_every_block_type(client, home_fr):
    html = soup(client.get("/"))
    assert html.find("h2", string="Ce que nous faisons")
    assert "justice climatique" in html.select_one(".rich-text").get_text()
    assert "Comprendre le monde" in html.select_one("figure.quote blockquote").get_text()
    cta = html.select_one("aside.cta a.button")
    assert cta.get_text(strip=True) == "Nos partenaires"
    assert cta["href"] == "/partenaires/"
    # The hero image is served as AVIF and WebP renditions with a JPEG fallback.
    sources = [s["type"] for s in html.select(".hero__media picture source")]
    assert sources == ["image/avif", "image/webp"]


@pytest.mark.parametrize(
    ("url", "title", "lang"),
    [
        ("/mission/", "Notre mission", "fr-CA"),
        ("/en/mission/", "Our mission", "en-CA"),
        ("/partenaires/", "Nos partenaires", "fr-CA"),
        ("/en/partners/", "Our partners", "en-CA"),
    ],
)
def test_standard_pages_render_in_both_languages(client, demo_site, url, title, lang):
    response = client.get(url)
    assert response.status_code == 200
    html = soup(response)
    assert html.html["lang"] == lang
    assert html.h1.get_text(strip=True) == title
    current = html.select_one('nav.site-nav a[aria-current="page"]')
    assert current.get_text(strip=True) == title


def test_partners_page_names_the_network(client, demo_site):
    text = soup(client.get("/partenaires/")).get_text()
    for partner in ["AQOCI", "Amnistie internationale", "CAPMO", "RÉPAC"]:
        assert partner in text


def test_footer_shows_contact_details_from_site_settings(client, demo_site):
    footer = soup(client.get("/")).find("footer")
    text = footer.get_text(" ", strip=True)
    assert "Carrefour d'éducation à la solidarité internationale de Québec" in text
    assert footer.find("a", href="mailto:info@cesiq.example")
    assert footer.find("a", href="/confidentialite/").get_text() == "Politique de confidentialité"
    assert "Responsable de la protection des renseignements personnels" in text
    assert "Direction générale" in text

    en_footer = soup(client.get("/en/")).find("footer")
    assert en_footer.find("a", href="/en/privacy/").get_text() == "Privacy policy"
    # Its title in English on the English site (it said « Direction générale »).
    assert "Executive director" in en_footer.get_text(" ", strip=True)
    assert "Direction générale" not in en_footer.get_text(" ", strip=True)


def test_editor_changes_to_site_settings_show_in_the_footer(client, demo_site):
    from home.models import SiteSettings

    settings = SiteSettings.for_site(demo_site)
    settings.phone = "418 555-0199"
    settings.save()
    footer = soup(client.get("/")).find("footer")
    assert footer.find("a", href="tel:4185550199").get_text() == "418 555-0199"


def test_unknown_page_gives_a_translated_404(client, demo_site):
    response = client.get("/cette-page-nexiste-pas/")
    assert response.status_code == 404
    assert soup(response).h1.get_text(strip=True) == "Page introuvable"

    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    assert soup(response).h1.get_text(strip=True) == "Page not found"


def test_500_page_is_translated_and_needs_no_database(rf, settings):
    from django.utils import translation

    from cesiq_site.views import server_error

    with translation.override("en"):
        response = server_error(rf.get("/en/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    with translation.override("fr"):
        response = server_error(rf.get("/"))
    assert "Une erreur est survenue" in response.content.decode()


def test_search_finds_pages_in_the_current_language(client, demo_site):
    html = soup(client.get("/recherche/", {"q": "partenaires"}))
    titles = [a.get_text(strip=True) for a in html.select(".search-results h2 a")]
    assert "Nos partenaires" in titles
    assert "Our partners" not in titles

    html = soup(client.get("/en/search/", {"q": "partners"}))
    titles = [a.get_text(strip=True) for a in html.select(".search-results h2 a")]
    assert "Our partners" in titles
    assert "Nos partenaires" not in titles
