"""The language switcher goes to the same page in the other language."""

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.django_db


def switcher_links(response):
    nav = BeautifulSoup(response.content, "html.parser").select_one("nav.language-switcher")
    return {a["hreflang"]: a["href"] for a in nav.find_all("a")}, nav.select_one(
        "[aria-current]"
    ).get_text(strip=True)


@pytest.mark.parametrize(
    ("url", "other_lang", "expected", "current"),
    [
        ("/", "en", "/en/", "Français"),
        ("/en/", "fr", "/", "English"),
        ("/partenaires/", "en", "/en/partners/", "Français"),
        ("/en/privacy/", "fr", "/confidentialite/", "English"),
    ],
)
def test_switcher_links_to_the_translated_page(
    client, demo_site, url, other_lang, expected, current
):
    links, current_label = switcher_links(client.get(url))
    assert links == {other_lang: expected}
    assert current_label == current
    assert client.get(expected).status_code == 200


def test_untranslated_page_links_to_the_other_languages_home(client, home_fr):
    from home.models import StandardPage

    page = StandardPage(title="Seulement en français", slug="seulement-fr")
    home_fr.add_child(instance=page)
    page.save_revision().publish()
    links, _ = switcher_links(client.get("/seulement-fr/"))
    assert links == {"en": "/en/"}


def test_switcher_on_a_view_that_is_not_a_page(client, demo_site):
    links, _ = switcher_links(client.get("/recherche/?q=climat"))
    assert links["en"].startswith("/en/search/")


@pytest.mark.parametrize(
    ("url", "other_lang", "expected"),
    [
        ("/activites/?audience=adultes&theme=x", "en", "/en/activities/?audience=adultes&theme=x"),
        ("/en/activities/?vue=mois&mois=2027-01", "fr", "/activites/?vue=mois&mois=2027-01"),
        ("/boutique/?categorie=cafe&tri=prix", "en", "/en/shop/?categorie=cafe&tri=prix"),
        ("/recherche/?q=climat&type=activites", "en", "/en/search/?q=climat&type=activites"),
    ],
)
def test_switcher_keeps_the_query_string(client, demo_site, url, other_lang, expected):
    links, _ = switcher_links(client.get(url))
    assert links == {other_lang: expected}
    assert client.get(expected).status_code == 200


def test_the_way_to_a_home_page_drops_the_query(client, home_fr):
    from home.models import StandardPage

    page = StandardPage(title="Seulement en français", slug="seulement-fr")
    home_fr.add_child(instance=page)
    page.save_revision().publish()
    links, _ = switcher_links(client.get("/seulement-fr/?page=2"))
    assert links == {"en": "/en/"}
