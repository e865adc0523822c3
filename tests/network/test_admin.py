"""Editors (the "Rédaction" team) add, edit, publish, lock and unlock the organisations of the
network in the admin (Réseau), and may submit them to the moderation workflow."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from events.models import Theme
from network.models import MemberOrganisation
from tests.network.test_directory import FR, names

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, demo_site):
    user = get_user_model().objects.get(username="redaction")
    client.force_login(user)
    return user


def form_data(**overrides):
    theme = Theme.objects.get(slug="justice-climatique", locale__language_code="fr")
    data = {
        "name": "Les AmiEs de la Terre de Québec",
        "slug": "amies-de-la-terre-quebec",
        "mission": "Écologie sociale et justice climatique à Québec.",
        "website": "https://example.org/",
        "region": "capitale-nationale",
        "themes": [theme.pk],
        "member": "",
        "logo": "",
    }
    data.update(overrides)
    return data


def test_editors_hold_the_network_permissions(editor):
    for codename in ("add", "change", "publish", "lock", "unlock"):
        assert editor.has_perm(f"network.{codename}_memberorganisation"), codename
    assert not editor.has_perm("network.delete_memberorganisation")


def test_an_editor_saves_a_draft_then_publishes_it(client, editor):
    add = reverse("wagtailsnippets_network_memberorganisation:add")
    response = client.get(add)
    assert response.status_code == 200
    assert "action-publish" in response.content.decode()
    response = client.post(add, form_data())
    assert response.status_code == 302
    organisation = MemberOrganisation.objects.get(slug="amies-de-la-terre-quebec")
    assert not organisation.live
    assert "Les AmiEs de la Terre de Québec" not in names(client.get(FR))

    edit = reverse("wagtailsnippets_network_memberorganisation:edit", args=[organisation.pk])
    response = client.post(edit, form_data(**{"action-publish": "action-publish"}))
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.live
    assert "Les AmiEs de la Terre de Québec" in names(client.get(FR))


def test_an_editor_locks_an_organisation(client, editor):
    organisation = MemberOrganisation.objects.get(slug="capmo", locale__language_code="fr")
    lock = reverse("wagtailsnippets_network_memberorganisation:lock", args=[organisation.pk])
    assert client.post(lock).status_code == 302
    organisation.refresh_from_db()
    assert organisation.locked and organisation.locked_by == editor
    unlock = reverse("wagtailsnippets_network_memberorganisation:unlock", args=[organisation.pk])
    assert client.post(unlock).status_code == 302
    organisation.refresh_from_db()
    assert not organisation.locked


def test_the_list_filters_by_region_and_searches(client, editor):
    listing = reverse("wagtailsnippets_network_memberorganisation:list")
    response = client.get(listing, {"region": "chaudiere-appalaches"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Comité de solidarité internationale de Lévis" in body
    assert "Oxfam-Québec" not in body
    response = client.get(listing, {"q": "oxfam"})
    assert "Oxfam-Québec" in response.content.decode()


def test_organisations_go_through_the_moderation_workflow(editor):
    organisation = MemberOrganisation.objects.get(slug="capmo", locale__language_code="fr")
    workflow = organisation.get_workflow()
    assert workflow is not None and workflow.name == "Approbation de la coordination"


def test_an_editor_previews_an_organisation_as_the_public_will_see_it(client, editor):
    organisation = MemberOrganisation.objects.get(slug="oxfam-quebec", locale__language_code="fr")
    preview = reverse(
        "wagtailsnippets_network_memberorganisation:preview_on_edit", args=[organisation.pk]
    )
    data = form_data(name="Oxfam-Québec (aperçu)", slug="oxfam-quebec")
    assert client.post(preview, data).json()["is_valid"]
    response = client.get(preview)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Oxfam-Québec (aperçu)</h1>" in html
    assert "Écologie sociale et justice climatique" in html
