"""The newsletter under CASL: a separate unchecked consent box in the footer of every page,
double opt-in by email, every consent recorded in the words shown, one-click unsubscribe from
every message, the issues sent once to the confirmed subscribers of a language, in batches."""

import csv
import io
import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from wagtail.models import Locale

from newsletter import services
from newsletter.forms import SignupForm
from newsletter.models import Consent, NewsletterIssuePage, NewsletterSending, Subscriber
from orders import outbox, privacy
from orders.models import OutboxEmail
from tests.conftest import plain

pytestmark = pytest.mark.django_db

ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
CONSENT_FR = (
    "Je veux recevoir l'infolettre du CÉSIQ par courriel (activités, campagnes, nouvelles). "
    "Je peux me désabonner en tout temps."
)


def text_of(response):
    return plain(BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True))


def signup(client, shown, email="awa@example.org", url="/infolettre/", **extra):
    data = {**shown(SignupForm), "email": email, "consent": "on", "source": "footer", **extra}
    return client.post(url, data, **ORIGIN)


def confirm_link(email):
    body = OutboxEmail.objects.filter(to=email).latest("created_at").body_text
    return re.search(r"https?://\S+/confirm\S*/", body).group(0)


def test_every_page_has_the_footer_form_without_a_token_and_with_an_unchecked_box(client, home_fr):
    response = client.get("/")
    soup = BeautifulSoup(response.content, "html.parser")
    form = soup.find("form", action="/infolettre/")
    assert form is not None
    assert form.find("input", attrs={"name": "csrfmiddlewaretoken"}) is None
    box = form.find("input", attrs={"name": "consent"})
    assert box["type"] == "checkbox" and not box.has_attr("checked")
    assert plain(form.find("label", attrs={"for": box["id"]}).get_text(" ", strip=True)).startswith(
        CONSENT_FR
    )
    assert "csrftoken" not in response.cookies  # the page stays cacheable


def test_double_opt_in_records_each_consent_in_the_words_shown(client, shown, clock):
    response = signup(client, shown, email="Awa@Example.org")
    assert response.status_code == 200
    assert "un courriel vient d'y être envoyé" in text_of(response)
    subscriber = Subscriber.objects.get(email="awa@example.org")
    assert subscriber.status == "pending"
    requested = subscriber.consents.get()
    assert (requested.action, requested.source, requested.language) == ("requested", "footer", "fr")
    assert requested.text == CONSENT_FR
    assert requested.ip_hash

    email = OutboxEmail.objects.get(to="awa@example.org")
    assert plain(email.subject) == "Confirmez votre inscription à l'infolettre du CÉSIQ"
    # Not yet subscribed: the email does not say « parce que vous vous êtes inscrit·e ».
    assert "Si vous n'avez rien demandé" in plain(email.body_text)
    for body in (email.body_text, email.body_html):
        assert "parce que vous vous êtes inscrit" not in plain(body)
    link = confirm_link("awa@example.org")
    path = link.split("testserver", 1)[-1].split("127.0.0.1:8000", 1)[-1]

    # Opening the link confirms nothing (mail scanners follow links): a button does.
    page = client.get(path)
    assert page.status_code == 200
    assert Subscriber.objects.get(pk=subscriber.pk).status == "pending"
    assert "Je confirme mon inscription à l'infolettre" in text_of(page)
    done = client.post(path)
    assert "Inscription confirmée" in text_of(done)
    subscriber.refresh_from_db()
    assert subscriber.status == "confirmed" and subscriber.confirmed_at
    assert list(subscriber.consents.values_list("action", flat=True)) == ["requested", "confirmed"]
    assert subscriber.consents.last().text == "Je confirme mon inscription à l'infolettre"

    # The link used again says so, and changes nothing.
    for method in (client.get, client.post):
        again = method(path)
        assert again.status_code == 410
        assert "Ce lien de confirmation a déjà servi" in text_of(again)
    assert subscriber.consents.count() == 2


def test_an_unknown_link_says_so(client):
    response = client.get("/infolettre/confirmer/not-a-real-token/")
    assert response.status_code == 404
    assert "Ce lien n'est pas valide ou n'existe plus." in text_of(response)
    assert client.post("/infolettre/desabonnement/nope/").status_code == 404


def test_the_english_site_signs_up_in_english(client, shown, home_en):
    response = signup(client, shown, url="/en/newsletter/")
    assert response.status_code == 200
    subscriber = Subscriber.objects.get()
    assert subscriber.language == "en"
    assert subscriber.consents.get().text == (
        "I want to receive CÉSIQ's newsletter by email (activities, campaigns, news). "
        "I can unsubscribe at any time."
    )
    assert "/en/newsletter/confirm/" in confirm_link(subscriber.email)


def test_the_consent_box_must_be_ticked_and_nothing_is_saved_otherwise(client, shown):
    data = {**shown(SignupForm), "email": "awa@example.org"}
    response = client.post("/infolettre/", data, **ORIGIN)
    assert response.status_code == 400
    assert "Cochez la case pour confirmer que vous voulez recevoir l'infolettre." in text_of(
        response
    )
    assert not Subscriber.objects.exists()
    assert not OutboxEmail.objects.filter(to="awa@example.org").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"site_web": "http://spam.example"}, "il ressemble à un envoi automatique"),
        ({"form_started": "123:forged"}, "Ce formulaire a expiré ou n'est pas valide."),
        (
            {"email": "x" * 300 + "@example.org"},
            "Une adresse courriel compte au plus 254 caractères.",
        ),
    ],
)
def test_spam_and_oversized_input_are_refused_with_a_message(client, shown, extra, message):
    response = signup(client, shown, **extra)
    assert response.status_code == 400
    assert message in text_of(response)
    assert not Subscriber.objects.exists()


def test_a_form_sent_at_once_is_refused(client, clock):
    form = SignupForm()
    data = {
        "site_web": "",
        "form_started": form["form_started"].value(),
        "email": "a@b.org",
        "consent": "on",
    }
    clock.advance(1)
    response = client.post("/infolettre/", data, **ORIGIN)
    assert response.status_code == 400
    assert "envoyé trop vite" in text_of(response)


def test_a_cross_site_post_is_refused(client, shown):
    client = type(client)(enforce_csrf_checks=True)
    data = {**shown(SignupForm), "email": "awa@example.org", "consent": "on"}
    response = client.post("/infolettre/", data, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert not Subscriber.objects.exists()


def test_signups_are_rate_limited(client, shown):
    for n in range(5):
        assert signup(client, shown, email=f"p{n}@example.org").status_code == 200
    assert signup(client, shown, email="p9@example.org").status_code == 429
    assert not Subscriber.objects.filter(email="p9@example.org").exists()


def subscribe(email, language="fr", status="confirmed"):
    subscriber = services.request_subscription(email, language, source="test")
    if status == "confirmed":
        services.confirm(subscriber.confirm_token, text="ok")
    return Subscriber.objects.get(pk=subscriber.pk)


def test_one_click_unsubscribe_from_the_mail_client(client):
    subscriber = subscribe("awa@example.org")
    csrf_client = type(client)(enforce_csrf_checks=True)
    url = f"/infolettre/desabonnement/{subscriber.unsubscribe_token}/"
    # Opening the page does not unsubscribe; it offers the button.
    page = csrf_client.get(url)
    assert "Me désabonner de l'infolettre" in text_of(page)
    assert Subscriber.objects.get(pk=subscriber.pk).status == "confirmed"
    response = csrf_client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed"
    withdrawn = subscriber.consents.last()
    assert (withdrawn.action, withdrawn.source) == ("withdrawn", "one_click")
    # Twice is harmless.
    assert csrf_client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert subscriber.consents.filter(action="withdrawn").count() == 1


@pytest.fixture
def issue(home_fr):
    page = NewsletterIssuePage(
        title="Infolettre de décembre <b>",
        slug="infolettre-test",
        introduction="Les nouvelles du mois & plus",
    )
    home_fr.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_an_issue_goes_once_to_each_confirmed_subscriber_of_its_language_in_batches(
    issue, settings, django_capture_on_commit_callbacks
):
    settings.NEWSLETTER_BATCH_SIZE = 2
    fr = [subscribe(f"fr{n}@example.org") for n in range(3)]
    subscribe("en@example.org", language="en")
    subscribe("pending@example.org", status="pending")
    gone = subscribe("gone@example.org")
    services.unsubscribe(gone.unsubscribe_token, source="test")
    admin = get_user_model().objects.get(username="administration")
    with django_capture_on_commit_callbacks(execute=True):
        services.start_sending(issue, user=admin)
    emails = OutboxEmail.objects.filter(key__startswith="newsletter:issue:")
    assert sorted(emails.values_list("to", flat=True)) == [s.email for s in fr]
    sending = NewsletterSending.objects.get()
    assert sending.finished_at and sending.queued == 3 and sending.requested_by == admin

    # The task run again, even from the start, queues nobody twice; asking again is refused.
    NewsletterSending.objects.filter(pk=sending.pk).update(finished_at=None, cursor=0)
    while services.send_next_batch(sending.pk):
        pass
    assert emails.count() == 3
    with pytest.raises(services.AlreadySent):
        services.start_sending(issue, user=admin)

    # Each message: one-click unsubscribe headers, the sender's identity and address, escaped.
    email = emails.get(to="fr0@example.org")
    link = services.unsubscribe_url(fr[0])
    assert email.headers == {
        "List-Unsubscribe": f"<{link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert link in email.body_text and link in email.body_html
    site = services.sender()
    assert site.organisation_name in plain(email.body_text)
    assert "Infolettre de décembre &lt;b&gt;" in email.body_html
    assert "Les nouvelles du mois &amp; plus" in email.body_html
    assert "Les nouvelles du mois & plus" in email.body_text
    outbox.send_now(email.pk)  # sent already by the (eager) task, or now
    (sent,) = [m.message() for m in mail.outbox if m.to == ["fr0@example.org"]]
    assert sent["List-Unsubscribe"] == f"<{link}>"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent["Message-ID"] == OutboxEmail.objects.get(pk=email.pk).message_id


def test_a_sending_whose_worker_was_killed_goes_on_by_itself(issue, settings, monkeypatch):
    """Its batch task, taken by a worker killed outright, waited in the broker for an hour
    (Redis's visibility timeout), and the sending stood still until staff pressed « reprendre ».
    The beat's sweep takes up a sending idle for ten minutes, from where it stopped."""
    from datetime import timedelta

    from django.utils import timezone

    from newsletter import tasks

    settings.NEWSLETTER_BATCH_SIZE = 2
    fr = [subscribe(f"fr{n}@example.org") for n in range(3)]
    admin = get_user_model().objects.get(username="administration")
    monkeypatch.setattr(tasks, "dispatch_batch", lambda pk: None)  # the chain is lost
    sending = services.start_sending(issue, user=admin)
    assert services.send_next_batch(sending.pk)  # one batch went, then the worker died
    monkeypatch.undo()
    assert tasks.resume_stalled() == 0  # a batch a moment ago: still going, left alone
    NewsletterSending.objects.filter(pk=sending.pk).update(
        updated_at=timezone.now() - timedelta(minutes=11)
    )
    assert tasks.resume_stalled() == 1
    sending.refresh_from_db()
    assert sending.finished_at is not None
    emails = OutboxEmail.objects.filter(key__startswith="newsletter:issue:")
    assert sorted(emails.values_list("to", flat=True)) == [s.email for s in fr]
    assert tasks.resume_stalled() == 0


def test_the_send_action_in_the_admin(client, issue, django_capture_on_commit_callbacks):
    subscribe("fr0@example.org")
    url = reverse("newsletter_send_issue", args=[issue.pk])
    client.force_login(get_user_model().objects.get(username="redaction"))
    assert client.get(url).status_code in (302, 403)
    client.force_login(get_user_model().objects.get(username="administration"))
    page = client.get(url)
    assert "Ce numéro sera envoyé à 1 abonné confirmé de cette langue" in text_of(page)
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[issue.pk]))
    assert url in edit.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    assert OutboxEmail.objects.filter(key__startswith="newsletter:issue:").count() == 1
    again = client.post(url, follow=True)
    assert "Ce numéro a déjà été envoyé." in text_of(again)
    assert OutboxEmail.objects.filter(key__startswith="newsletter:issue:").count() == 1


def test_staff_export_the_confirmed_list_as_csv_editors_cannot(client):
    subscribe("awa@example.org")
    subscribe("pending@example.org", status="pending")
    url = reverse("newsletter_subscribers:index") + "?status=confirmed&export=csv"
    client.force_login(get_user_model().objects.get(username="redaction"))
    assert client.get(url).status_code in (302, 403)
    client.force_login(get_user_model().objects.get(username="administration"))
    response = client.get(url)
    assert response.status_code == 200
    content = (
        b"".join(response.streaming_content).decode()
        if response.streaming
        else response.content.decode()
    )
    assert content.startswith("\ufeff")  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))
    assert rows[0][0] == "Courriel"
    assert [row[0] for row in rows[1:]] == ["awa@example.org"]


def test_law_25_export_and_erase_include_the_newsletter(django_user_model):
    subscribe("awa@example.org")
    data = privacy.export_person("AWA@example.org")
    assert data["newsletter"][0]["status"] == "confirmed"
    assert [c["action"] for c in data["newsletter"][0]["consents"]] == ["requested", "confirmed"]
    officer = django_user_model.objects.get(username="administration")
    counts = privacy.erase_person("awa@example.org", user=officer)
    assert counts["newsletter"] == 1
    assert not Subscriber.objects.exists() and not Consent.objects.exists()


def test_the_purge_removes_old_unconfirmed_and_withdrawn_signups(settings):
    from datetime import timedelta

    from django.utils import timezone

    keep = subscribe("keep@example.org")
    old = subscribe("old@example.org", status="pending")
    Subscriber.objects.filter(pk=old.pk).update(requested_at=timezone.now() - timedelta(days=3650))
    counts = privacy.purge_old_personal_data()
    assert counts["newsletter"] == 1
    assert list(Subscriber.objects.values_list("email", flat=True)) == [keep.email]


def test_the_issue_page_shows_on_the_site(client, issue):
    response = client.get(issue.url)
    assert response.status_code == 200
    assert "Les nouvelles du mois & plus" in text_of(response)
    assert Locale.objects.get(language_code="fr") == issue.locale


def test_staff_see_the_list_its_consents_and_the_sendings(
    client, issue, django_capture_on_commit_callbacks
):
    subscriber = subscribe("awa@example.org")
    admin = get_user_model().objects.get(username="administration")
    with django_capture_on_commit_callbacks(execute=True):
        services.start_sending(issue, user=admin)
    client.force_login(admin)
    listing = client.get(reverse("newsletter_subscribers:index"))
    assert listing.status_code == 200 and "awa@example.org" in listing.content.decode()
    assert "Ajouter" not in text_of(listing)  # nobody is put on the list by hand
    inspect = client.get(reverse("newsletter_subscribers:inspect", args=[subscriber.pk]))
    assert inspect.status_code == 200
    sendings = client.get(reverse("newsletter_sendings:index"))
    assert sendings.status_code == 200 and issue.title in text_of(sendings)
