"""The contact form: a person writes, gets a confirmation by email (through the outbox), staff
are notified at addresses only administrators may change; spam and oversized input are refused
with a message; what a visitor typed is escaped everywhere; Law 25 finds and erases it."""

import csv
import io

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.urls import reverse

from contact.models import ContactFormField, ContactFormPage, ContactSubmission
from newsletter.models import Subscriber
from orders import privacy
from orders.models import OutboxEmail
from tests.conftest import plain

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script> & co"


def text_of(response):
    return plain(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


@pytest.fixture
def contact(home_fr):
    page = ContactFormPage(
        title="Nous écrire",
        slug="nous-ecrire",
        introduction="Une question ? Écrivez-nous.",
        to_address="equipe@cesiq.example, coordination@cesiq.example",
    )
    home_fr.add_child(instance=page)
    for order, (label, kind) in enumerate(
        [("Votre nom", "singleline"), ("Votre courriel", "email"), ("Votre message", "multiline")]
    ):
        ContactFormField.objects.create(
            page=page, sort_order=order, label=label, field_type=kind, required=True
        )
    page.save_revision().publish()
    return ContactFormPage.objects.get(pk=page.pk)


def send(client, page, shown, **answers):
    data = {
        **shown(page.get_form_class(), page=page, user=None),
        "votre_nom": "Awa Diallo",
        "votre_courriel": "awa@example.org",
        "votre_message": "Bonjour !",
        **answers,
    }
    return client.post(page.url, data)


def test_the_form_shows_an_unchecked_newsletter_box_and_the_trap_hidden(client, contact):
    soup = BeautifulSoup(client.get(contact.url).content, "html.parser")
    box = soup.find("input", attrs={"name": "newsletter"})
    assert box["type"] == "checkbox" and not box.has_attr("checked")
    assert soup.find("input", attrs={"name": "site_web"}).find_parent(
        "div", attrs={"aria-hidden": "true"}
    )
    assert soup.find("input", attrs={"name": "csrfmiddlewaretoken"})


def test_a_message_is_saved_confirmed_to_the_person_and_sent_to_the_recipients(
    client, contact, shown
):
    response = send(client, contact, shown, votre_message=SCRIPT)
    # Sent, then the thanks at an address of its own: reloading it sends nothing again.
    assert (response.status_code, response["Location"]) == (302, contact.url + "?envoye=1")
    for _ in range(2):
        thanks = client.get(response["Location"])
        assert thanks.status_code == 200
        assert "Merci, votre message a bien été envoyé." in text_of(thanks)
    submission = ContactSubmission.objects.get()
    assert submission.email == "awa@example.org" and submission.language == "fr"
    assert set(submission.form_data) == {"votre_nom", "votre_courriel", "votre_message"}

    confirmation = OutboxEmail.objects.get(key=f"contact:{submission.pk}:confirmation")
    assert confirmation.to == "awa@example.org"
    assert plain(confirmation.subject) == "Nous avons bien reçu votre message"
    # It repeats nothing of what was typed (the address is not verified: no relay for spam).
    assert "Nous vous répondrons dès que possible" in plain(confirmation.body_text)
    for body in (confirmation.body_text, confirmation.body_html):
        assert "alert" not in body and "script" not in body
    staff = OutboxEmail.objects.filter(key__startswith=f"contact:{submission.pk}:staff:")
    assert sorted(staff.values_list("to", flat=True)) == [
        "coordination@cesiq.example",
        "equipe@cesiq.example",
    ]
    assert "<script>" not in staff.first().body_html
    # Staff answer the person with « Répondre ».
    assert {email.headers["Reply-To"] for email in staff} == {"awa@example.org"}
    # Nobody was put on the newsletter: the box was not ticked.
    assert not Subscriber.objects.filter(email="awa@example.org").exists()


def test_ticking_the_newsletter_box_starts_the_double_opt_in(client, contact, shown):
    send(client, contact, shown, newsletter="on")
    subscriber = Subscriber.objects.get(email="awa@example.org")
    assert subscriber.status == "pending" and subscriber.source == "contact"
    assert subscriber.consents.get().text.startswith("Je veux recevoir l'infolettre du CÉSIQ")


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"site_web": "spam"}, "il ressemble à un envoi automatique"),
        ({"form_started": "1:forged"}, "Ce formulaire a expiré ou n'est pas valide."),
        ({"votre_message": "x" * 5001}, "au plus 5000 caractères"),
        ({"votre_nom": "x" * 256}, "au plus 255 caractères"),
        ({"votre_nom": "Awa\x00"}, "Ce champ contient des caractères non permis."),
        # Worded as on the site's other forms.
        ({"votre_courriel": "awa@"}, "Entrez une adresse courriel valide, comme nom@exemple.org."),
    ],
)
def test_spam_and_oversized_input_are_refused_and_nothing_is_saved(
    client, contact, shown, answers, message
):
    response = send(client, contact, shown, **answers)
    assert response.status_code == 400
    assert message in text_of(response)
    assert not ContactSubmission.objects.exists()
    assert not OutboxEmail.objects.filter(key__startswith="contact:").exists()


def test_a_long_message_of_many_lines_counts_each_line_break_once(client, contact, shown):
    """Browsers send each line break of a text box as "\r\n" and count it as one character
    against its maxlength: 4,999 characters typed in 100 lines arrived as 5,098."""
    message = "\r\n".join(["x" * 49] * 100)  # 4,900 + 99 line breaks as typed
    assert len(message.replace("\r\n", "\n")) == 4999
    response = send(client, contact, shown, votre_message=message)
    assert response.status_code == 302, text_of(response)
    saved = ContactSubmission.objects.get().form_data["votre_message"]
    assert saved == message.replace("\r\n", "\n")


def test_messages_are_rate_limited(client, contact, shown):
    for _ in range(5):
        assert send(client, contact, shown).status_code == 302
    assert send(client, contact, shown).status_code == 429
    assert ContactSubmission.objects.count() == 5


def admin_user(name):
    return get_user_model().objects.get(username=name)


def test_only_administrators_see_and_change_the_recipients(client, contact):
    edit = reverse("wagtailadmin_pages:edit", args=[contact.pk])
    client.force_login(admin_user("redaction"))
    page = client.get(edit)
    assert page.status_code == 200
    assert 'name="to_address"' not in page.content.decode()
    client.force_login(admin_user("administration"))
    assert 'name="to_address"' in client.get(edit).content.decode()


def test_submissions_are_exported_by_administrators_only_and_escaped(client, contact, shown):
    send(client, contact, shown, votre_message=SCRIPT)
    url = reverse("wagtailforms:list_submissions", args=[contact.pk])
    client.force_login(admin_user("redaction"))
    assert client.get(url).status_code in (302, 403)
    client.force_login(admin_user("administration"))
    listing = client.get(url)
    assert listing.status_code == 200
    assert "<script>alert" not in listing.content.decode()
    assert "&lt;script&gt;alert" in listing.content.decode()
    export = client.get(url + "?export=csv")
    content = b"".join(export.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[1][-1] == SCRIPT


def test_law_25_exports_erases_and_purges_messages(client, contact, shown):
    send(client, contact, shown)
    data = privacy.export_person("AWA@example.org")
    assert data["contact_messages"][0]["answers"]["votre_message"] == "Bonjour !"
    submission = ContactSubmission.objects.get()
    counts = privacy.erase_person("awa@example.org", user=admin_user("administration"))
    assert counts["contact_messages"] == 1
    assert not ContactSubmission.objects.exists()
    staff = OutboxEmail.objects.filter(key__startswith=f"contact:{submission.pk}:staff:")
    assert all("Awa" not in e.body_text and "Bonjour" not in e.body_text for e in staff)


def test_the_purge_removes_old_messages(client, contact, shown):
    from datetime import timedelta

    from django.utils import timezone

    send(client, contact, shown)
    assert privacy.purge_old_personal_data()["contact_messages"] == 0
    ContactSubmission.objects.update(submit_time=timezone.now() - timedelta(days=3650))
    assert privacy.purge_old_personal_data()["contact_messages"] == 1
