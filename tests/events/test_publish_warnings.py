"""An activity published with nothing to register for (no date, or dates but no type of
ticket) shows no « S'inscrire »: the editor who publishes it is told so at once, in the
admin's language, and an activity that takes registrations gets no such warning."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.users.models import UserProfile

from events.models import EventDate, EventIndexPage, EventPage
from tests.events.test_editing_what_was_sold import publish, said

pytestmark = pytest.mark.django_db

NO_DATE = "« Atelier sans date » n'a aucune date : personne ne peut s'y inscrire."
NO_TICKET = "« Atelier sans date » n'a aucun type de billet : personne ne peut s'y inscrire"


@pytest.fixture
def editor(client, demo_site):
    client.force_login(get_user_model().objects.get(username="redaction"))
    return client


@pytest.fixture
def bare_activity(demo_site):
    index = EventIndexPage.objects.get(locale__language_code="fr")
    page = EventPage(
        title="Atelier sans date",
        slug="atelier-sans-date",
        summary="Bientôt.",
        audience="adultes",
        format="atelier",
        attendance_mode="en-ligne",
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def shown_after(client, response):
    assert response.status_code == 302, said(response)
    return said(client.get(response["Location"]))


def test_an_activity_without_a_date_says_nobody_can_register(editor, bare_activity):
    shown = shown_after(editor, publish(editor, bare_activity, lambda data: None))
    assert NO_DATE in shown
    assert "Ajoutez une date dans la section « Dates » de la page en français." in shown
    assert NO_TICKET not in shown


def test_dates_without_a_ticket_say_so_and_how_to_make_it_free(editor, bare_activity):
    start = timezone.now() + timedelta(days=10)
    EventDate.objects.create(page=bare_activity, start=start, end=start + timedelta(hours=2))
    shown = shown_after(editor, publish(editor, bare_activity, lambda data: None))
    assert NO_TICKET in shown
    assert "(tarif « Gratuit » pour une activité gratuite)" in shown
    assert NO_DATE not in shown


def test_in_english_for_an_english_speaking_editor(editor, bare_activity):
    user = get_user_model().objects.get(username="redaction")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    shown = shown_after(editor, publish(editor, bare_activity, lambda data: None))
    assert "“Atelier sans date” has no date: nobody can register for it." in shown


def test_an_activity_taking_registrations_gets_no_warning(editor):
    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    response = publish(editor, page, lambda data: data.update(summary="Un résumé revu."))
    shown = shown_after(editor, response)
    assert "personne ne peut s'y inscrire" not in shown
    assert f"« {page.title} » a été publiée." in shown


def test_a_partners_registration_is_meant(editor, bare_activity):
    shown = shown_after(
        editor,
        publish(
            editor,
            bare_activity,
            lambda data: data.update(external_registration_url="https://partenaire.example/"),
        ),
    )
    assert "personne ne peut s'y inscrire" not in shown
    assert "« Atelier sans date » a été publiée." in shown


def test_in_person_without_a_venue_says_nobody_knows_where(editor, bare_activity):
    shown = shown_after(
        editor,
        publish(editor, bare_activity, lambda data: data.update(attendance_mode="presentiel")),
    )
    assert (
        "« Atelier sans date » a lieu en personne, mais n'a pas de lieu : ni la page, ni les "
        "billets, ni la confirmation ne disent où aller." in shown
    )


def test_online_without_a_link_says_nobody_knows_how_to_join(editor, bare_activity):
    """The page promised « Le lien de la rencontre en ligne est envoyé aux personnes
    inscrites », and their confirmation had none (it said to show the QR code at the door)."""
    warning = "« Atelier sans date » a lieu en ligne, mais n'a pas de lien de rencontre"
    shown = shown_after(editor, publish(editor, bare_activity, lambda data: None))
    assert warning in shown
    assert "Ajoutez-le dans la section « Pour qui, où » de la page en français." in shown
    shown = shown_after(
        editor,
        publish(
            editor,
            bare_activity,
            lambda data: data.update(online_link="https://rencontre.example/cesiq"),
        ),
    )
    assert warning not in shown


def test_an_online_activitys_confirmation_asks_for_no_qr_code_at_the_door(
    client, free_activity, django_capture_on_commit_callbacks
):
    from django.core import mail

    from tests.conftest import plain
    from tests.events.conftest import registration_data

    page = free_activity
    EventPage.objects.filter(pk=page.pk).update(
        attendance_mode="en-ligne", online_link="https://rencontre.example/cesiq", venue=None
    )
    free = page.ticket_types.get()
    data = registration_data(page, buyer_email="en-ligne@example.org", **{f"quantity_{free.pk}": 1})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page.url + "inscription/", data)
    assert response.status_code == 302
    [email] = [m for m in mail.outbox if m.to == ["en-ligne@example.org"]]
    body = plain(email.body)
    assert "Lien de la rencontre en ligne : https://rencontre.example/cesiq" in body
    assert "Présentez le code QR à l'entrée" not in body
    assert "Le fichier .ics joint ajoute l'activité à votre agenda." in body
