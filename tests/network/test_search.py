"""The site's search finds the organisations of the network ("Membres du réseau"), by their
name or mission, accents folded, in the visitor's language, linked to their directory page;
unpublished organisations and lapsed members are not found."""

import pytest
from bs4 import BeautifulSoup

from network.models import MemberOrganisation
from tests.conftest import plain

pytestmark = pytest.mark.django_db


def results(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    return [
        (
            plain(r.select_one(".search-result__kind .badge").get_text(strip=True)),
            plain(r.h2.get_text(strip=True)),
            r.h2.a["href"],
        )
        for r in html.select(".search-results:not(.search-results--promoted) .search-result")
    ], html


def test_amnistie_finds_amnesty_as_a_member_of_the_network(client, demo_site):
    found, html = results(client, "/recherche/", q="amnistie")
    assert (
        "Membre du réseau",
        "Amnistie internationale — groupe de Québec",
        "/reseau/amnistie-internationale-quebec/",
    ) in found
    kinds = [plain(a.get_text(strip=True)) for a in html.select(".search-kinds__link")]
    assert "Membres du réseau (1)" in kinds
    only, _html = results(client, "/recherche/", q="amnistie", type="reseau")
    assert [kind for kind, _title, _url in only] == ["Membre du réseau"]
    excerpt = html.select_one(".search-result--reseau .search-result__excerpt")
    assert excerpt is not None


def test_accents_are_folded(client, demo_site):
    found, _html = results(client, "/recherche/", q="developpement paix", type="reseau")
    assert [title for _kind, title, _url in found] == ["Développement et Paix — Caritas Canada"]
    found, _html = results(client, "/recherche/", q="RÉPAC", type="reseau")
    assert [title for _kind, title, _url in found] == ["RÉPAC 03-12"]


def test_english_search_finds_the_english_copy(client, demo_site):
    found, _html = results(client, "/en/search/", q="amnesty", type="reseau")
    assert found == [
        (
            "Member of the network",
            "Amnesty International — Québec City group",
            "/en/network/amnistie-internationale-quebec/",
        )
    ]
    # Not translated yet: found in French, through the English directory.
    found, _html = results(client, "/en/search/", q="Lévis", type="reseau")
    assert [url for _kind, _title, url in found] == ["/en/network/comite-solidarite-levis/"]


def test_unpublished_organisations_are_not_found(client, demo_site):
    MemberOrganisation.objects.get(slug="capmo", locale__language_code="fr").unpublish()
    found, _html = results(client, "/recherche/", q="capmo", type="reseau")
    assert found == []
