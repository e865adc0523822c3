"""Teaching resources as teachers, youth workers and editors meet them, in French and English:
the list and its filters (audience, school level, theme; each, together, none, nonsense),
counts in the singular and plural, drafts kept out, the file's type and size, the external
link, related activities, the link-or-document rule, the search kind and who may publish."""

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from tests.conftest import plain, service_missing

pytestmark = pytest.mark.django_db

INDEX = {"fr": "/ressources-pedagogiques/", "en": "/en/teaching-resources/"}
GAME = {
    "fr": "/ressources-pedagogiques/jeu-migrations-climatiques/",
    "en": "/en/teaching-resources/jeu-migrations-climatiques/",
}
VIDEO = "/ressources-pedagogiques/video-femmes-nourrissent-le-monde/"


def soup(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def titles(html):
    return [plain(h.get_text(strip=True)) for h in html.select(".resource-list .card__title")]


def count(html):
    return plain(html.select_one(".result-count").get_text(strip=True))


def errors(html):
    return [plain(p.get_text(strip=True)) for p in html.select(".field__error")]


def theme_key(slug):
    from events.models import Theme

    return str(Theme.objects.get(slug=slug, locale__language_code="fr").translation_key)


def index_page(lang="fr"):
    from resources.models import ResourceIndexPage

    return ResourceIndexPage.objects.get(locale__language_code=lang)


def add_resource(title, *, publish=True, **fields):
    from resources.models import ResourcePage

    defaults = {
        "summary": "Une ressource de test.",
        "audience": "scolaire",
        "format": "fiche",
        "external_url": "https://exemple.org/ressource",
        "date": timezone.localdate() - timedelta(days=400),
    }
    page = ResourcePage(title=title, **{**defaults, **fields})
    index_page().add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    else:
        page.unpublish()
    return page


# --- the list ---------------------------------------------------------------------------------


def test_list_shows_every_live_resource_newest_first_and_is_in_the_menu(client, demo_site):
    html = soup(client, INDEX["fr"])
    assert html.h1.get_text(strip=True) == "Ressources pédagogiques"
    assert titles(html) == [
        "Trousse sur le commerce équitable",
        "Fiche : l’eau, un droit humain",
        "Jeu de rôle sur les migrations climatiques",
        "Guide : animer une discussion sur le racisme systémique",
        "Vidéo : des femmes qui nourrissent le monde",
        "Fiche : consommer moins, vivre mieux ?",
    ]
    assert count(html) == "6 ressources"
    current = html.select_one('nav.site-nav a[aria-current="page"]')
    assert current.get_text(strip=True) == "Ressources pédagogiques"
    assert plain(html.title.get_text()).startswith("Ressources pédagogiques")
    description = html.find("meta", attrs={"name": "description"})["content"]
    assert description.startswith("Fiches d’activité, guides, jeux et trousses")


def test_filter_by_audience(client, demo_site):
    html = soup(client, INDEX["fr"], audience="scolaire")
    assert titles(html) == [
        "Trousse sur le commerce équitable",
        "Fiche : l’eau, un droit humain",
    ]
    assert count(html) == "2 ressources"
    assert html.select_one("#id_audience option[selected]")["value"] == "scolaire"
    assert "(Scolaire)" in plain(html.title.get_text())


def test_filter_by_school_level(client, demo_site):
    html = soup(client, INDEX["fr"], level="cegep")
    assert titles(html) == [
        "Jeu de rôle sur les migrations climatiques",
        "Guide : animer une discussion sur le racisme systémique",
    ]
    html = soup(client, INDEX["fr"], level="primaire-2")
    assert titles(html) == ["Fiche : l’eau, un droit humain"]
    assert count(html) == "1 ressource"


def test_filter_by_theme(client, demo_site):
    html = soup(client, INDEX["fr"], theme=theme_key("antiracisme"))
    assert titles(html) == [
        "Jeu de rôle sur les migrations climatiques",
        "Guide : animer une discussion sur le racisme systémique",
    ]
    assert "(Antiracisme)" in plain(html.title.get_text())


def test_filters_combine(client, demo_site):
    html = soup(
        client,
        INDEX["fr"],
        audience="jeunesse",
        level="secondaire-4",
        theme=theme_key("droits-des-femmes"),
    )
    assert titles(html) == ["Vidéo : des femmes qui nourrissent le monde"]
    assert count(html) == "1 ressource"


def test_no_match_says_so_in_the_singular_and_offers_every_resource(client, demo_site):
    html = soup(client, INDEX["fr"], audience="adultes", theme=theme_key("droits-des-enfants"))
    assert titles(html) == []
    assert count(html) == "0 ressource"
    empty = html.select_one(".resource-list .card--empty")
    assert "Aucune ressource ne correspond à ces critères." in plain(empty.get_text())
    assert empty.a["href"] == INDEX["fr"]


def test_empty_filters_show_everything(client, demo_site):
    html = soup(client, INDEX["fr"], audience="", level="", theme="")
    assert count(html) == "6 ressources"
    assert errors(html) == []


def test_invalid_values_are_ignored_and_said_so(client, demo_site):
    html = soup(
        client,
        INDEX["fr"],
        audience="martiens",
        level="cegep",
        theme="pas-un-theme",
        page="beaucoup",
    )
    # The valid filter applies, the others are set aside with a message beside their field.
    assert titles(html) == [
        "Jeu de rôle sur les migrations climatiques",
        "Guide : animer une discussion sur le racisme systémique",
    ]
    message = "Ce choix n’existe pas : le filtre est ignoré."
    assert errors(html) == [message, message]
    # An unknown theme key (a well-formed one, of no theme) is refused the same way.
    html = soup(client, INDEX["fr"], theme="00000000-0000-0000-0000-000000000000")
    assert count(html) == "6 ressources"
    assert errors(html) == [message]


def test_pages_keep_the_filters(client, demo_site):
    for number in range(13):
        add_resource(f"Fiche de test {number:02d}", levels=["primaire-1"])
    html = soup(client, INDEX["fr"], audience="scolaire", level="primaire-1")
    assert count(html) == "13 ressources"
    assert len(titles(html)) == 12
    next_link = html.select_one('.pagination a[rel="next"]')["href"]
    assert next_link == "?audience=scolaire&level=primaire-1&page=2"
    page_two = soup(client, INDEX["fr"], audience="scolaire", level="primaire-1", page=2)
    assert titles(page_two) == ["Fiche de test 12"]
    assert plain(page_two.title.get_text()).startswith(
        "Ressources pédagogiques (Scolaire, Primaire, 1er cycle) — page 2"
    )
    previous = page_two.select_one('.pagination a[rel="prev"]')["href"]
    assert previous == "?audience=scolaire&level=primaire-1&page=1"


def test_drafts_and_unpublished_resources_are_not_shown(client, demo_site):
    draft = add_resource("Brouillon secret sur les semences", publish=False)
    assert not draft.live
    html = soup(client, INDEX["fr"])
    assert "Brouillon secret sur les semences" not in titles(html)
    assert count(html) == "6 ressources"
    assert client.get(draft.url or "/ressources-pedagogiques/brouillon/").status_code == 404


def test_each_language_lists_its_own_resources(client, demo_site):
    from resources.models import ResourcePage

    assert ResourcePage.objects.filter(locale=index_page("en").locale).live().count() == 6
    html = soup(client, INDEX["en"])
    assert html.html["lang"] == "en-CA"
    assert html.h1.get_text(strip=True) == "Teaching resources"
    assert titles(html)[0] == "Fair trade kit"
    assert count(html) == "6 resources"
    labels = [plain(label.get_text(strip=True)) for label in html.select(".filters label")]
    assert labels == ["Audience", "Grade", "Theme"]
    html = soup(client, INDEX["en"], level="primaire-2")
    assert titles(html) == ["Activity sheet: water, a human right"]
    assert count(html) == "1 resource"
    html = soup(client, INDEX["en"], audience="adultes", theme=theme_key("droits-des-enfants"))
    assert count(html) == "0 resources"
    assert "No resource matches these criteria." in plain(html.get_text())
    html = soup(client, INDEX["en"], audience="martiens")
    assert errors(html) == ["This choice does not exist: the filter is ignored."]
    # The French theme key filters the English list: themes are translations of each other.
    html = soup(client, INDEX["en"], theme=theme_key("antiracisme"))
    assert titles(html) == [
        "Role-play on climate migration",
        "Guide: leading a discussion on systemic racism",
    ]


# --- a resource -------------------------------------------------------------------------------


def test_resource_page_shows_its_file_type_and_size_the_quebec_way(client, demo_site):
    from resources.models import ResourcePage

    html = soup(client, GAME["fr"])
    assert html.h1.get_text(strip=True) == "Jeu de rôle sur les migrations climatiques"
    crumbs = [a.get_text(strip=True) for a in html.select(".breadcrumbs a")]
    assert crumbs == ["Accueil", "Ressources pédagogiques"]
    link = html.select_one(".resource__links a")
    page = ResourcePage.objects.get(slug="jeu-migrations-climatiques", locale__language_code="fr")
    assert link["href"] == page.document.url
    assert re.fullmatch(r"\(PDF, \d+,\d Ko\)", plain(html.select_one(".resource__file").text))
    facts = plain(html.select_one(".resource__facts").get_text(" ", strip=True))
    assert "Public Jeunesse" in facts
    assert "Niveaux scolaires Secondaire 3, Secondaire 4, Secondaire 5, Cégep" in facts
    assert "Durée 90 min" in facts
    assert "Langue Français" in facts

    # A bigger file reads in megaoctets, with a decimal comma (a point in English).
    page.document.file_size = 1_258_291
    page.document.save()
    html = soup(client, GAME["fr"])
    assert plain(html.select_one(".resource__file").text) == "(PDF, 1,2 Mo)"
    card = soup(client, INDEX["fr"], level="cegep").select_one(".resource-card .badge")
    assert plain(card.get_text(strip=True)) == "PDF, 1,2 Mo"
    english = soup(client, GAME["en"])
    assert plain(english.select_one(".resource__file").text) == "(PDF, 1.2 MB)"
    assert english.select_one(".resource__links a").get_text(" ", strip=True).startswith("Download")


def test_an_external_link_is_marked_as_such(client, demo_site):
    html = soup(client, VIDEO)
    link = html.select_one(".resource__links a")
    assert link["href"] == "https://video.example.org/femmes-qui-nourrissent-le-monde"
    assert "external" in link["rel"]
    assert plain(html.select_one(".resource__external").text) == (
        "(lien externe : video.example.org)"
    )
    assert html.select_one(".resource__file") is None  # no document here
    card = soup(client, INDEX["fr"], audience="jeunesse", level="secondaire-4")
    assert "Lien externe" in [b.get_text(strip=True) for b in card.select(".resource-card .badge")]


def test_resource_lists_upcoming_activities_of_its_themes(client, demo_site):
    from events.models import EventPage

    html = soup(client, GAME["fr"])
    section = html.select_one("section.related")
    assert section.h2.get_text(strip=True) == "Activités sur les mêmes thèmes"
    shown = [plain(a.get_text(strip=True)) for a in section.select("li a")]
    conference = EventPage.objects.get(
        slug="conference-justice-climatique", locale__language_code="fr"
    )
    assert plain(conference.title) in shown
    past = EventPage.objects.get(slug="atelier-passe", locale__language_code="fr")
    assert past.title not in shown
    cancelled = EventPage.objects.get(slug="rencontre-annulee", locale__language_code="fr")
    assert plain(cancelled.title) not in shown
    starts = [t["datetime"] for t in section.select("time")]
    assert starts == sorted(starts) and len(starts) == len(shown)
    # The English page lists the English activities.
    english = soup(client, GAME["en"]).select_one("section.related")
    assert english.h2.get_text(strip=True) == "Activities on the same themes"
    assert plain(conference.get_translations().get().title) in [
        plain(a.get_text()) for a in english("a")
    ]


def test_a_resource_needs_a_document_or_a_link(demo_site):
    from resources.models import ResourcePage

    page = ResourcePage(
        title="Sans rien",
        slug="sans-rien",
        summary="Rien à télécharger.",
        audience="adultes",
        format="guide",
        locale=index_page().locale,
    )
    for language, message in [
        ("fr", "Ajoutez le document de la ressource ou son lien externe (au moins l’un des deux)."),
        ("en", "Add the resource’s document or its external link (at least one of them)."),
    ]:
        with translation.override(language):
            with pytest.raises(ValidationError) as raised:
                page.clean()
            assert raised.value.message_dict == {
                "document": [message],
                "external_url": [message],
            }
    page.external_url = "https://exemple.org/guide"
    page.clean()


def test_editors_can_create_a_resource_in_the_admin(client, demo_site):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="redaction"))
    index = index_page()
    response = client.get(f"/admin/pages/add/resources/resourcepage/{index.pk}/")
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    levels = [i["value"] for i in html.select('input[name="levels"]')]
    assert levels[:3] == ["primaire-1", "primaire-2", "primaire-3"]
    assert "cegep" in levels
    english = index_page("en")
    response = client.get(f"/admin/pages/add/resources/resourcepage/{english.pk}/")
    assert response.status_code == 200


# --- search -----------------------------------------------------------------------------------


def search(client, url, **params):
    html = soup(client, url, **params)
    return html, [
        {
            "title": plain(li.h2.get_text(strip=True)),
            "kind": li.select_one(".badge").get_text(strip=True),
        }
        for li in html.select("ul.search-results:not(.search-results--promoted) > li")
    ]


def test_resources_are_a_search_kind_of_their_own(client, demo_site):
    html, found = search(client, "/recherche/", q="migrations", type="ressources")
    assert [r["title"] for r in found] == ["Jeu de rôle sur les migrations climatiques"]
    assert found[0]["kind"] == "Ressource pédagogique"
    kinds = [plain(a.get_text(strip=True)) for a in html.select(".search-kinds__link")]
    assert any(k.startswith("Ressources pédagogiques") for k in kinds)
    _html, english = search(client, "/en/search/", q="migration", type="ressources")
    assert [(r["title"], r["kind"]) for r in english] == [
        ("Role-play on climate migration", "Teaching resource")
    ]


def test_a_draft_resource_is_not_found(client, demo_site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        add_resource("Brouillon sur les semences paysannes", publish=False)
    _html, found = search(client, "/recherche/", q="semences paysannes", type="ressources")
    assert found == []


@pytest.mark.postgres
def test_french_search_finds_a_resource_by_a_stemmed_unaccented_word(client, demo_site):
    if connection.vendor != "postgresql":
        service_missing("the French full-text search needs PostgreSQL (DATABASE_URL)")
    # "migration" (singular) and "equitable" (no accent) find the French resources.
    _html, found = search(client, "/recherche/", q="migration", type="ressources")
    assert "Jeu de rôle sur les migrations climatiques" in [r["title"] for r in found]
    _html, found = search(client, "/recherche/", q="commerce equitable", type="ressources")
    assert [r["title"] for r in found] == ["Trousse sur le commerce équitable"]
    # A word only in the body ("évaluation") is found too.
    _html, found = search(client, "/recherche/", q="evaluations", type="ressources")
    assert [r["title"] for r in found] == ["Trousse sur le commerce équitable"]


def admin_form(**fields):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

    data = {
        "title": "Fiche : la souveraineté alimentaire",
        "slug": "fiche-souverainete-alimentaire",
        "summary": "Qui décide de ce que nous mangeons ?",
        "audience": "scolaire",
        "format": "fiche",
        "duration": "75 min",
        "language": "fr",
        "date": "2026-11-30",
        "external_url": "",
        "body": streamfield([]),
        "comments": inline_formset([]),
        **fields,
    }
    # Checkboxes: one value per box ticked (nested_form_data would number a list's items).
    return {**nested_form_data(data), "levels": ["secondaire-1"]}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_admin_refuses_a_resource_with_neither_document_nor_link(client, demo_site, language):
    from django.contrib.auth import get_user_model

    from resources.models import ResourcePage

    editor = get_user_model().objects.get(username="redaction")
    if language == "en":
        from wagtail.users.models import UserProfile

        profile = UserProfile.get_for_user(editor)
        profile.preferred_language = "en"
        profile.save()
    client.force_login(editor)
    url = f"/admin/pages/add/resources/resourcepage/{index_page().pk}/"
    response = client.post(url, admin_form())
    assert response.status_code == 200
    message = {
        "fr": "Ajoutez le document de la ressource ou son lien externe (au moins l’un des deux).",
        "en": "Add the resource’s document or its external link (at least one of them).",
    }[language]
    assert message in plain(response.content.decode())
    assert not ResourcePage.objects.filter(slug="fiche-souverainete-alimentaire").exists()


def test_an_editor_publishes_a_resource_that_then_shows_in_the_list(client, demo_site):
    from django.contrib.auth import get_user_model

    from resources.models import ResourcePage

    client.force_login(get_user_model().objects.get(username="redaction"))
    url = f"/admin/pages/add/resources/resourcepage/{index_page().pk}/"
    data = admin_form(external_url="https://exemple.org/souverainete", **{"action-publish": "1"})
    response = client.post(url, data)
    assert response.status_code == 302, plain(response.content.decode())[:2000]
    page = ResourcePage.objects.get(slug="fiche-souverainete-alimentaire")
    assert page.live
    assert page.levels == ["secondaire-1"]
    html = soup(client, INDEX["fr"], level="secondaire-1")
    assert "Fiche : la souveraineté alimentaire" in titles(html)
