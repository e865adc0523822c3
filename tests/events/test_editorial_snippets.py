"""Themes, venues and producers are drafts until published, like pages (issue 14, item 1):
the public site offers only published ones where it lists them for choice, the `redaction`
team publishes and locks themes and venues, the shop team its producers, they go through the
moderation workflow, and a venue shows in the admin's preview as an activity page shows it.

Editors work through the admin's own forms here (Wagtail's snippet views), as they would."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import Locale, Workflow, WorkflowContentType

from events.models import EventPage, Theme, Venue
from home.permissions import WORKFLOW_NAME
from shop.models import Producer, ProductIndexPage, ProductPage
from tests.conftest import plain

pytestmark = pytest.mark.django_db


def login(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def url(model, action, *args):
    meta = model._meta
    return reverse(f"wagtailsnippets_{meta.app_label}_{meta.model_name}:{action}", args=args)


def theme_choices(client, path="/activites/"):
    html = BeautifulSoup(client.get(path).content, "html.parser")
    return [option.get_text(strip=True) for option in html.select("select[name=theme] option")]


def page_text(response):
    main = BeautifulSoup(response.content, "html.parser").find("main")
    return plain(" ".join(main.get_text(" ").split()))


def add_theme(editor, name, slug, publish=False):
    data = {"name": name, "slug": slug}
    if publish:
        data["action-publish"] = "action-publish"
    response = editor.post(url(Theme, "add") + "?locale=fr", data)
    assert response.status_code == 302, plain(response.content.decode())[:2000]
    return Theme.objects.get(slug=slug, locale__language_code="fr")


@pytest.mark.parametrize(
    ("migration", "models"),
    [
        ("events.migrations.0013_editorial_snippets", {"theme", "venue"}),
        ("shop.migrations.0003_editorial_producers", {"producer"}),
    ],
)
def test_the_migrations_keep_existing_rows_published(migration, models):
    """The rows that existed before drafts did get `live` = True from the new column's
    default: nothing already on the site disappears."""
    import importlib

    from django.db.migrations import AddField

    operations = importlib.import_module(migration).Migration.operations
    live = {
        op.model_name: op.field.default
        for op in operations
        if isinstance(op, AddField) and op.name == "live"
    }
    assert live == dict.fromkeys(models, True)


def test_the_seeded_themes_venues_and_producers_are_live_and_shown(client, demo_site):
    for model in (Theme, Venue, Producer):
        assert model.objects.exists()
        assert not model.objects.filter(live=False).exists(), model
    decroissance = Theme.objects.get(slug="decroissance", locale__language_code="fr")
    assert decroissance.name in theme_choices(client)


def test_a_draft_theme_is_not_offered_until_it_is_published(client, demo_site):
    editor = login(client, "redaction")
    theme = add_theme(editor, "Souveraineté numérique", "souverainete-numerique")
    assert not theme.live  # "Enregistrer le brouillon" is the form's default action
    client.logout()
    assert "Souveraineté numérique" not in theme_choices(client)
    assert "Souveraineté numérique" not in plain(client.get("/recherche/?q=zzzz").content.decode())

    editor = login(client, "redaction")
    response = editor.post(
        url(Theme, "edit", theme.pk),
        {"name": "Souveraineté numérique", "slug": theme.slug, "action-publish": "publish"},
    )
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.live
    client.logout()
    assert "Souveraineté numérique" in theme_choices(client)


def test_a_theme_is_shown_on_an_article_only_once_published(client, demo_site):
    from news.models import ArticlePage

    article = ArticlePage.objects.live().filter(locale__language_code="fr").first()
    theme = Theme.objects.create(
        name="Thème en préparation", slug="en-preparation", locale=article.locale, live=False
    )
    article.themes.add(theme)
    article.save_revision().publish()
    page = plain(client.get(article.url).content.decode())
    assert "Thème en préparation" not in page
    index = plain(client.get(article.get_parent().url).content.decode())
    assert "Thème en préparation" not in index

    theme.save_revision().publish()
    assert "Thème en préparation" in plain(client.get(article.url).content.decode())
    assert "Thème en préparation" in plain(client.get(article.get_parent().url).content.decode())


def test_an_edit_waits_in_a_draft_and_the_site_shows_the_published_version(client, demo_site):
    page = EventPage.objects.filter(locale__language_code="fr", venue__isnull=False).first()
    venue = page.venue
    editor = login(client, "redaction")
    response = editor.post(
        url(Venue, "edit", venue.pk),
        {
            "name": "Salle renommée en brouillon",
            "street_address": venue.street_address,
            "city": venue.city,
            "postal_code": venue.postal_code,
            "accessibility": venue.accessibility,
        },
    )
    assert response.status_code == 302
    venue.refresh_from_db()
    assert venue.has_unpublished_changes
    client.logout()
    shown = plain(client.get(page.url).content.decode())
    assert venue.name in shown and "Salle renommée en brouillon" not in shown

    venue.latest_revision.publish()
    assert "Salle renommée en brouillon" in plain(client.get(page.url).content.decode())


def test_an_unpublished_venue_still_shows_on_the_activities_that_use_it(client, demo_site):
    """Attendees of a published activity still need its address: unpublishing a venue takes it
    out of the lists that offer venues, not off the activities that already chose it."""
    page = EventPage.objects.filter(locale__language_code="fr", venue__isnull=False).first()
    venue = page.venue
    venue.unpublish()
    venue.refresh_from_db()
    assert not venue.live
    shown = plain(client.get(page.url).content.decode())
    assert venue.name in shown and venue.street_address in shown


def test_redaction_publishes_locks_and_unlocks_themes_and_venues(client, demo_site):
    editor = login(client, "redaction")
    add_theme(editor, "Migrations", "migrations", publish=True)
    assert Theme.objects.get(slug="migrations", locale__language_code="fr").live

    venue = Venue.objects.filter(locale__language_code="fr").first()
    assert editor.post(url(Venue, "lock", venue.pk)).status_code == 302
    venue.refresh_from_db()
    assert venue.locked and venue.locked_by.username == "redaction"
    assert editor.post(url(Venue, "unlock", venue.pk)).status_code == 302
    venue.refresh_from_db()
    assert not venue.locked
    user = get_user_model().objects.get(username="redaction")
    for perm in ("publish_theme", "lock_theme", "unlock_theme", "publish_venue", "lock_venue"):
        assert user.has_perm(f"events.{perm}")
    assert not user.has_perm("shop.publish_producer")


def test_the_shop_team_publishes_producers_and_only_published_ones_are_shown(client, demo_site):
    shop = ProductIndexPage.objects.get(locale__language_code="fr")
    product = ProductPage.objects.filter(locale__language_code="fr", producer__isnull=False).first()
    producer = product.producer
    boutique = login(client, "boutique")
    assert boutique.get(url(Producer, "list")).status_code == 200
    assert boutique.get(url(Producer, "edit", producer.pk)).status_code == 200

    producer.unpublish()
    client.logout()
    catalogue = BeautifulSoup(client.get(shop.url).content, "html.parser")
    offered = [o.get_text(strip=True) for o in catalogue.select("select[name=producteur] option")]
    assert producer.name not in offered
    assert client.get(f"{shop.url}producteurs/{producer.slug}/").status_code == 404
    html = BeautifulSoup(client.get(product.url).content, "html.parser")
    assert producer.name in html.get_text()  # named, without a link to a page that is not there
    assert not html.find("a", string=producer.name)

    boutique = login(client, "boutique")
    response = boutique.post(
        url(Producer, "edit", producer.pk),
        {
            "name": producer.name,
            "slug": producer.slug,
            "country": producer.country,
            "region": producer.region,
            "story": producer.story,
            "certifications": producer.certifications,
            "website": producer.website,
            "action-publish": "publish",
        },
    )
    assert response.status_code == 302, plain(response.content.decode())[:2000]
    client.logout()
    assert client.get(f"{shop.url}producteurs/{producer.slug}/").status_code == 200
    html = BeautifulSoup(client.get(product.url).content, "html.parser")
    assert html.find("a", string=producer.name)


def test_the_snippets_go_through_the_coordinations_workflow(client, demo_site):
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    for model in (Theme, Venue, Producer):
        assert WorkflowContentType.objects.get(content_type__model=model._meta.model_name).workflow
        assert model.objects.first().get_workflow() == workflow
    editor = login(client, "redaction")
    theme = Theme.objects.filter(locale__language_code="fr").first()
    edit = plain(editor.get(url(Theme, "edit", theme.pk)).content.decode())
    assert f"Soumettre à {WORKFLOW_NAME}" in edit
    assert "Publier" in edit  # the team may also publish at once, as on pages


def test_a_venue_previews_as_an_activity_shows_it(client, demo_site):
    venue = Venue.objects.filter(locale__language_code="fr").exclude(accessibility="").first()
    response = venue.make_preview_request()
    assert response.status_code == 200
    text = page_text(response)
    assert venue.name in text and venue.full_address in text
    assert f"Accessibilité : {venue.accessibility}" in text

    producer = Producer.objects.filter(locale__language_code="fr").first()
    text = page_text(producer.make_preview_request())
    assert producer.name in text and producer.get_country_display() in text


def test_a_translated_theme_is_a_draft_until_published_in_english(client, demo_site):
    """Like a page's English copy: "Traduire" makes a draft to write in English, offered on
    the English site once published."""
    english = Locale.objects.get(language_code="en")
    editor = login(client, "redaction")
    theme = add_theme(editor, "Économie sociale", "economie-sociale", publish=True)
    submit = reverse(
        "simple_translation:submit_snippet_translation", args=["events", "theme", theme.pk]
    )
    assert editor.post(submit, {"locales": [english.pk]}).status_code == 302
    copy = Theme.objects.get(translation_key=theme.translation_key, locale=english)
    assert not copy.live and copy.live_revision is None and copy.latest_revision is None
    client.logout()
    assert "Économie sociale" not in theme_choices(client, "/en/activities/")

    editor = login(client, "redaction")
    response = editor.post(
        url(Theme, "edit", copy.pk),
        {"name": "Social economy", "slug": copy.slug, "action-publish": "publish"},
    )
    assert response.status_code == 302
    client.logout()
    assert "Social economy" in theme_choices(client, "/en/activities/")
    assert "Économie sociale" in theme_choices(client)
