"""Editors run the site alone (issue 14, items 4–6): the `redaction` team translates pages and
snippets, sees what is left to translate, manages redirects, submits to a workflow named in
French; a page scheduled for later goes live on time; the team's guide is in the admin."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupApprovalTask, Locale, Page, Workflow
from wagtail.users.models import UserProfile

from events.models import Theme
from home.models import StandardPage
from home.permissions import APPROVERS, TEAMS, WORKFLOW_NAME, WORKFLOW_TASK_NAME
from home.tasks import publish_scheduled
from tests.conftest import plain

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, demo_site):
    client.force_login(get_user_model().objects.get(username="redaction"))
    return client


@pytest.fixture
def english():
    return Locale.objects.get(language_code="en")


def new_french_page(home_fr, slug="atelier-des-benevoles", title="Atelier des bénévoles"):
    page = StandardPage(title=title, slug=slug, introduction="Pour les bénévoles.")
    home_fr.add_child(instance=page)
    page.save_revision().publish()
    return page


def report(client, status=""):
    url = reverse("editorial_translations") + (f"?statut={status}" if status else "")
    response = client.get(url)
    assert response.status_code == 200
    return plain(response.content.decode())


def test_an_editor_translates_a_page_and_publishes_its_english_copy(editor, home_fr, english):
    page = new_french_page(home_fr)
    url = reverse("simple_translation:submit_page_translation", args=[page.pk])
    assert editor.get(url).status_code == 200

    response = editor.post(url, {"locales": [english.pk]})

    assert response.status_code == 302
    copy = page.get_translation(english).specific
    assert not copy.live  # a draft to write in English
    edit_url = reverse("wagtailadmin_pages:edit", args=[copy.pk])
    assert editor.get(edit_url).status_code == 200
    copy.title = "Volunteers' workshop"
    copy.slug = "volunteers-workshop"
    copy.save_revision(user=get_user_model().objects.get(username="redaction")).publish()
    copy.refresh_from_db()
    assert copy.url == "/en/volunteers-workshop/"
    assert editor.get(copy.url).status_code == 200


def test_an_editor_translates_a_snippet(editor, english):
    theme = Theme.objects.filter(locale__language_code="fr").first()
    Theme.objects.filter(translation_key=theme.translation_key, locale=english).delete()
    url = reverse(
        "simple_translation:submit_snippet_translation", args=["events", "theme", theme.pk]
    )

    response = editor.post(url, {"locales": [english.pk]})

    assert response.status_code == 302
    assert Theme.objects.filter(translation_key=theme.translation_key, locale=english).exists()


def test_the_report_lists_missing_then_outdated_english_copies(editor, home_fr, english):
    page = new_french_page(home_fr)
    assert "Atelier des bénévoles" in report(editor, "manquante")

    copy = page.copy_for_translation(english)
    copy.save_revision().publish()
    assert "Atelier des bénévoles" not in report(editor)

    # The French page is published again later: its English copy is now behind.
    page.refresh_from_db()
    page.introduction = "Pour les bénévoles, nouvelle version."
    revision = page.save_revision()
    Page.objects.filter(pk=copy.pk).update(last_published_at=timezone.now() - timedelta(minutes=5))
    revision.publish()
    text = report(editor, "a-mettre-a-jour")
    assert "Atelier des bénévoles" in text
    assert "Version anglaise à mettre à jour" in text
    assert "Atelier des bénévoles" not in report(editor, "manquante")


def test_the_demo_shows_a_page_waiting_for_its_english_copy_on_the_dashboard(editor):
    text = report(editor)
    assert "Faire du bénévolat au CÉSIQ" in text
    dashboard = plain(editor.get("/admin/").content.decode())
    assert "page sans version anglaise" in dashboard or "pages sans version anglaise" in dashboard
    assert reverse("editorial_translations") in dashboard
    assert reverse("editorial_guide") in dashboard


def test_teams_without_translation_rights_do_not_see_the_report(client, demo_site):
    client.force_login(get_user_model().objects.get(username="billetterie"))
    response = client.get(reverse("editorial_translations"))
    # Wagtail turns a refusal into a message on the dashboard.
    assert response.status_code == 302 and response.url == "/admin/"


def test_an_editor_manages_redirects(editor):
    assert editor.get(reverse("wagtailredirects:index")).status_code == 200
    response = editor.post(
        reverse("wagtailredirects:add"),
        {
            "old_path": "/ancienne-mission/",
            "site": "",
            "is_permanent": "on",
            "redirect_page": Page.objects.get(slug="mission", locale__language_code="fr").pk,
            "redirect_link": "",
        },
    )
    assert response.status_code == 302
    assert editor.get("/ancienne-mission/").status_code == 301


def test_the_moderation_workflow_is_named_in_french_and_reviewed_by_administration(editor, home_fr):
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    task = GroupApprovalTask.objects.get(name=WORKFLOW_TASK_NAME)
    assert list(task.groups.values_list("name", flat=True)) == APPROVERS
    assert not Workflow.objects.filter(name="Moderators approval").exists()
    assert home_fr.get_workflow() == workflow

    page = new_french_page(home_fr)
    edit = plain(editor.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode())
    assert f"Soumettre à {WORKFLOW_NAME}" in edit


def test_setup_staff_groups_makes_the_teams_and_can_run_again(db):
    Group.objects.filter(name__in=TEAMS).delete()
    call_command("setup_staff_groups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("setup_staff_groups", stdout=open("/dev/null", "w"))  # noqa: SIM115
    editors = Group.objects.get(name="Rédaction")
    assert editors.permissions.filter(codename="submit_translation").exists()
    assert set(Group.objects.filter(name__in=TEAMS).values_list("name", flat=True)) == set(TEAMS)
    assert GroupApprovalTask.objects.get(name=WORKFLOW_TASK_NAME).groups.get().name == (
        "Administration"
    )


def test_a_scheduled_page_goes_live_when_its_time_comes(home_fr, client):
    page = StandardPage(title="Assemblée générale", slug="assemblee-generale", live=False)
    home_fr.add_child(instance=page)
    page.go_live_at = timezone.now() + timedelta(hours=1)
    page.save_revision().publish()
    page.refresh_from_db()
    assert not page.live and page.scheduled_revision is not None
    assert client.get("/assemblee-generale/").status_code == 404

    publish_scheduled()  # too early: nothing changes
    page.refresh_from_db()
    assert not page.live

    later = timezone.now() + timedelta(hours=1, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        publish_scheduled()
    page.refresh_from_db()
    assert page.live
    assert client.get("/assemblee-generale/").status_code == 200


def test_the_demo_schedules_its_annual_report(demo_site):
    report_page = StandardPage.objects.get(slug="rapport-annuel")
    assert not report_page.live
    assert report_page.scheduled_revision.approved_go_live_at > timezone.now()


@pytest.mark.parametrize(
    ("language", "heading", "section"),
    [
        ("fr", "Sommaire", "Répondre à une demande Loi 25"),
        ("en", "Contents", "Answer a Law 25 request"),
    ],
)
def test_the_guide_is_in_the_admin_in_the_users_language(editor, language, heading, section):
    user = get_user_model().objects.get(username="redaction")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()

    text = plain(editor.get(reverse("editorial_guide")).content.decode())

    assert heading in text
    for topic in ("publi", "tradu" if language == "fr" else "Translate", section):
        assert topic in text
    # Linked from the Help menu.
    assert reverse("editorial_guide") in editor.get("/admin/").content.decode()


def test_the_accessibility_checker_is_in_the_userbar_for_editors(editor, home_fr):
    html = editor.get("/").content.decode()
    # Wagtail's content checker (axe-core, run in the editor's browser) is on.
    assert "checker-axe-configuration" in html
