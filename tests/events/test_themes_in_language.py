"""The « Thèmes » list of an activity, an article or a network organisation offers the themes
of the language edited: a French activity listed each theme twice, « Anti-racism,
Antiracisme, Children's rights… »."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model

from events.models import EventPage, Theme

pytestmark = pytest.mark.django_db


def offered(client, url):
    html = BeautifulSoup(client.get(url).content, "html.parser")
    choices = html.select("select[name=themes] option, input[name=themes]")
    assert choices, url
    return {int(choice["value"]) for choice in choices if choice.get("value")}


def workshop():
    return EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")


def themes(language):
    return set(Theme.objects.filter(locale__language_code=language).values_list("pk", flat=True))


@pytest.fixture
def editor(client, demo_site):
    client.force_login(get_user_model().objects.get(username="redaction"))
    return client


def test_an_activity_offers_the_themes_of_its_language(editor):
    french = EventPage.objects.get(
        slug="atelier-consommation-equitable", locale__language_code="fr"
    )
    english = french.get_translations().get()
    assert offered(editor, f"/admin/pages/{french.pk}/edit/") == themes("fr")
    assert offered(editor, f"/admin/pages/{english.pk}/edit/") == themes("en")
    # A new one under the French list of activities: French themes.
    new = f"/admin/pages/add/events/eventpage/{french.get_parent().pk}/"
    assert offered(editor, new) == themes("fr")


def test_a_copy_pointing_at_the_french_themes_still_offers_them(editor):
    french = EventPage.objects.get(
        slug="atelier-consommation-equitable", locale__language_code="fr"
    )
    english = french.get_translations().get().specific
    kept = Theme.objects.filter(locale__language_code="fr").first()
    english.themes.set([kept])
    english.save()
    assert offered(editor, f"/admin/pages/{english.pk}/edit/") == themes("en") | {kept.pk}


def test_a_network_organisation_offers_the_themes_of_its_language(editor):
    from django.contrib.auth.models import Group  # noqa: F401

    from network.models import MemberOrganisation

    client = editor
    client.force_login(get_user_model().objects.filter(is_superuser=True).first())
    organisation = MemberOrganisation.objects.filter(locale__language_code="fr").first()
    url = f"/admin/snippets/network/memberorganisation/edit/{organisation.pk}/"
    assert offered(client, url) == themes("fr")
