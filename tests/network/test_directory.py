"""The network's directory as visitors see it: the live organisations of the page's language,
alphabetical, filterable by theme and region with a plain form (counts, an empty state, a bad
value cleared with a message), each with its own page; drafts, unknown organisations and
members whose membership ran out are not shown. The demo content (devtools/demo/network.py)
is what these tests read."""

from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from wagtail.models import Locale

from events.models import Theme
from memberships.models import Member, MembershipCategory, MembershipPeriod
from network.models import MemberOrganisation
from tests.conftest import plain

pytestmark = pytest.mark.django_db

FR, EN = "/reseau/", "/en/network/"


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def names(response):
    return [plain(a.get_text(strip=True)) for a in soup(response).select(".network-card h3 a")]


def count(response):
    return plain(soup(response).select_one(".result-count").get_text(" ", strip=True))


def theme_key(slug):
    return str(Theme.objects.get(slug=slug, locale__language_code="fr").translation_key)


def french(slug):
    return MemberOrganisation.objects.get(slug=slug, locale__language_code="fr")


def test_the_directory_lists_the_network_alphabetically_with_what_each_does(client, demo_site):
    response = client.get(FR)
    assert names(response) == [
        "Amnistie internationale — groupe de Québec",
        "AQOCI",
        "CAPMO",
        "Carrefour de solidarité internationale de l'Estrie",
        "Collectif Femmes du monde de Québec",
        "Comité de solidarité internationale de Lévis",
        "Développement et Paix — Caritas Canada",
        "Oxfam-Québec",
        "RÉPAC 03-12",
    ]
    assert count(response) == "9 organisations"
    html = soup(response)
    card = html.select(".network-card")[0]
    assert card.select_one(".card__meta").get_text(strip=True) == "Capitale-Nationale"
    assert "défendent les droits humains" in card.select_one(".card__summary").get_text()
    assert [a.get_text(strip=True) for a in card.select(".network-card__themes a")] == [
        "Antiracisme",
        "Droits des enfants",
        "Droits des femmes",
    ]
    website = card.select_one(".network-card__website a")
    assert website["href"] == "https://amnistie.ca/"
    assert "external" in website["rel"]
    assert plain(website.get_text(" ", strip=True)) == (
        "Site web (Amnistie internationale — groupe de Québec, site externe)"
    )
    assert card.select_one("img")["alt"] == ""
    # The directory is in the main menu, in both languages.
    assert "Le réseau" in html.select_one(".site-nav").get_text()
    assert "The network" in soup(client.get(EN)).select_one(".site-nav").get_text()


def test_filtering_by_theme(client, demo_site):
    response = client.get(FR, {"theme": theme_key("droits-des-femmes")})
    assert names(response) == [
        "Amnistie internationale — groupe de Québec",
        "AQOCI",
        "Collectif Femmes du monde de Québec",
        "Oxfam-Québec",
    ]
    assert count(response) == "4 organisations (sur 9)"
    html = soup(response)
    assert plain(html.title.get_text()) == "Le réseau (Droits des femmes) — CÉSIQ"
    chosen = html.select_one("#id_theme option[selected]")
    assert plain(chosen.get_text()) == "Droits des femmes (4)"
    # Each region says how many of this theme it holds.
    regions = [plain(o.get_text()) for o in html.select("#id_region option")]
    assert regions == [
        "Toutes les régions",
        "Capitale-Nationale (2)",
        "Estrie (0)",
        "Chaudière-Appalaches (0)",
        "Ensemble du Québec (2)",
    ]


def test_filtering_by_region(client, demo_site):
    response = client.get(FR, {"region": "chaudiere-appalaches"})
    assert names(response) == ["Comité de solidarité internationale de Lévis"]
    assert count(response) == "1 organisation (sur 9)"


def test_filtering_by_theme_and_region_keeps_both_in_the_links(client, demo_site):
    key = theme_key("droits-des-femmes")
    response = client.get(FR, {"theme": key, "region": "capitale-nationale"})
    assert names(response) == [
        "Amnistie internationale — groupe de Québec",
        "Collectif Femmes du monde de Québec",
    ]
    html = soup(response)
    link = html.select_one(".network-card h3 a")["href"]
    assert link == f"/reseau/amnistie-internationale-quebec/?theme={key}&region=capitale-nationale"
    # A theme's badge filters by that theme, the region kept.
    badge = html.select(".network-card")[0].select(".network-card__themes a")[0]
    assert badge["href"] == (f"/reseau/?theme={theme_key('antiracisme')}&region=capitale-nationale")
    # The organisation's page leads back to the same filtered list.
    page = soup(client.get(link))
    back = page.select(".breadcrumbs a")[-1]["href"]
    assert back == f"/reseau/?theme={key}&region=capitale-nationale"
    assert page.select_one("link[rel=canonical]")["href"].endswith(
        "/reseau/amnistie-internationale-quebec/"
    )
    assert html.select_one(".filters__reset")["href"] == "/reseau/"


def test_no_filter_shows_everyone_and_no_reset_link(client, demo_site):
    response = client.get(FR, {"theme": "", "region": ""})
    assert count(response) == "9 organisations"
    assert soup(response).select_one(".filters__reset") is None


def test_a_combination_without_anyone_says_so(client, demo_site):
    response = client.get(FR, {"theme": theme_key("antiracisme"), "region": "estrie"})
    assert names(response) == []
    html = soup(response)
    assert count(response) == "0 organisation (sur 9)"
    empty = plain(html.select_one(".network-empty").get_text(" ", strip=True))
    assert "Aucune organisation ne correspond à ces critères." in empty
    assert html.select_one(".network-empty a")["href"] == "/reseau/"


@pytest.mark.parametrize(
    "query",
    [
        {"theme": "pas-un-theme"},
        {"theme": "00000000-0000-0000-0000-000000000000"},
        {"region": "mars"},
        {"theme": "x" * 5000, "region": "<script>"},
    ],
)
def test_an_unknown_filter_is_cleared_with_a_message(client, demo_site, query):
    response = client.get(FR, query)
    assert count(response) == "9 organisations"
    html = soup(response)
    assert "Un filtre demandé n’existe pas" in plain(html.select_one("[role=alert]").get_text())
    assert html.select_one("#id_theme option[selected]")["value"] == ""
    assert html.select_one("#id_region option[selected]")["value"] == ""


def test_drafts_and_unpublished_organisations_are_not_shown(client, demo_site):
    capmo = french("capmo")
    capmo.unpublish()
    draft = MemberOrganisation(
        name="Brouillon solidaire",
        slug="brouillon",
        mission="Pas encore publiée.",
        locale=Locale.get_default(),
        live=False,
    )
    draft.save()
    draft.save_revision()
    shown = names(client.get(FR))
    assert "CAPMO" not in shown and "Brouillon solidaire" not in shown
    assert client.get(FR + "capmo/").status_code == 404
    assert client.get(FR + "brouillon/").status_code == 404
    assert client.get(FR + "nulle-part/").status_code == 404
    # A draft of changes to a live organisation does not show before it is published.
    aqoci = french("aqoci")
    aqoci.name = "AQOCI (brouillon)"
    aqoci.save_revision()
    assert "AQOCI" in names(client.get(FR))
    assert "AQOCI (brouillon)" not in names(client.get(FR))


def test_an_organisation_has_its_own_page(client, demo_site):
    response = client.get(FR + "oxfam-quebec/")
    html = soup(response)
    assert html.h1.get_text(strip=True) == "Oxfam-Québec"
    assert plain(html.title.get_text()) == "Oxfam-Québec — Le réseau — CÉSIQ"
    description = html.select_one("meta[name=description]")["content"]
    assert description.startswith("Oxfam-Québec lutte contre les inégalités")
    assert (
        html.select_one("link[rel=canonical]")["href"] == "http://testserver/reseau/oxfam-quebec/"
    )
    alternates = {
        link["hreflang"]: link["href"] for link in html.select("link[rel=alternate][hreflang]")
    }
    assert alternates["en-CA"] == "http://testserver/en/network/oxfam-quebec/"
    crumbs = [plain(li.get_text(strip=True)) for li in html.select(".breadcrumbs li")]
    assert crumbs == ["Accueil", "Le réseau", "Oxfam-Québec"]
    assert html.select_one(".breadcrumbs [aria-current=page]").get_text() == "Oxfam-Québec"
    website = html.select_one("a[rel~=external]")
    assert website["href"] == "https://oxfam.qc.ca/"


def test_the_english_directory_shows_the_english_copies(client, demo_site):
    response = client.get(EN)
    shown = names(response)
    assert "Amnesty International — Québec City group" in shown
    assert "Amnistie internationale — groupe de Québec" not in shown
    assert "Development and Peace — Caritas Canada" in shown
    html = soup(response)
    amnesty = next(card for card in html.select(".network-card") if "Amnesty" in card.get_text())
    assert "Women's rights" in amnesty.get_text()
    assert amnesty.get("lang") is None
    # Not translated yet: shown in French, marked as French for screen readers.
    levis = next(card for card in html.select(".network-card") if "Lévis" in card.get_text())
    assert levis["lang"] == "fr-CA"
    assert levis.select_one("h3 a")["href"] == "/en/network/comite-solidarite-levis/"
    page = soup(client.get("/en/network/comite-solidarite-levis/"))
    assert page.select_one("article")["lang"] == "fr-CA"
    page = soup(client.get("/en/network/amnistie-internationale-quebec/"))
    assert page.h1.get_text() == "Amnesty International — Québec City group"
    response = client.get(EN, {"theme": theme_key("droits-des-femmes")})
    assert plain(soup(response).title.get_text()) == "The network (Women's rights) — CÉSIQ"


def test_an_unpublished_english_copy_falls_back_to_french(client, demo_site):
    english = MemberOrganisation.objects.get(slug="capmo", locale__language_code="en")
    english.unpublish()
    html = soup(client.get(EN))
    capmo = next(card for card in html.select(".network-card") if "CAPMO" in card.get_text())
    assert capmo["lang"] == "fr-CA"


# --- members of the network ----------------------------------------------------------------


@pytest.fixture
def member(demo_site):
    """An organisational member with a year paid (the shortcut for the directory's rules;
    test_membership_listing.py goes through a real payment)."""
    category = MembershipCategory.objects.get(name="Organisation membre")
    member = Member.objects.create(
        kind="organisation", name="Ana Pérez", organisation="Solidarité Limoilou", email="a@x.org"
    )
    today = timezone.localdate()
    MembershipPeriod.objects.create(
        member=member,
        category=category,
        start=today - timedelta(days=10),
        end=today + timedelta(days=355),
        amount=Decimal("100.00"),
    )
    return member


def test_an_organisation_linked_to_a_member_shows_only_while_the_membership_runs(client, member):
    capmo = french("capmo")
    capmo.member = member
    capmo.save()
    assert "CAPMO" in names(client.get(FR))
    member.periods.update(end=timezone.localdate() - timedelta(days=1))
    assert "CAPMO" not in names(client.get(FR))
    assert client.get(FR + "capmo/").status_code == 404
    # Not deleted: shown again once renewed.
    assert MemberOrganisation.objects.filter(pk=capmo.pk, live=True).exists()
    member.periods.update(cancelled=True, end=timezone.localdate() + timedelta(days=30))
    assert "CAPMO" not in names(client.get(FR))
    member.periods.update(cancelled=False)
    assert "CAPMO" in names(client.get(FR))
    # The English copy follows the member linked to the French one.
    assert "CAPMO" in names(client.get(EN))
    member.periods.update(cancelled=True)
    assert "CAPMO" not in names(client.get(EN))
