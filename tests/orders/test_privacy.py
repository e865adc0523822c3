"""Law 25: staff find one person's data by email, export it, erase it (orders stay, anonymised,
for accounting); attendee data is purged a configurable number of months after the activity.

The tools live in orders (orders/privacy/, orders/admin/privacy.py) and see events' data through
the provider events registers (events/privacy.py)."""

import json
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from events.models import Attendee, EventPage, WaitingListEntry
from orders import privacy
from orders.models import Order, OrderLine, OrderLogEntry, OrderSettings, OutboxEmail, Payment
from tests.events.conftest import registration_data
from tests.events.test_staff_dates import pay

pytestmark = pytest.mark.django_db

EMAIL = "awa@example.org"


@pytest.fixture
def activity(demo_site):
    """The demo's paid workshop, with its three questions."""
    return EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")


@pytest.fixture
def free_activity(demo_site):
    return EventPage.objects.get(slug="conference-justice-climatique", locale__language_code="fr")


@pytest.fixture
def full_activity(demo_site):
    return EventPage.objects.get(slug="atelier-produits-menagers", locale__language_code="fr")


def register(client, page, capture, quantity=2, **extra):
    ticket = page.source.ticket_types.first()
    questions = {q.kind: q for q in page.source.questions.all()}
    data = registration_data(page, **{f"quantity_{ticket.pk}": quantity})
    if questions:
        data.update(
            {
                f"question_{questions['text'].pk}": "Sans gluten, allergie aux arachides",
                f"question_{questions['checkbox'].pk}": "on",
                f"question_{questions['choice'].pk}": "Infolettre",
            }
        )
    data["attendee_1_name"] = "Awa Diallo"
    data["attendee_2_name"] = "Jean Tremblay"
    data.update(extra)
    with capture(execute=True):
        response = client.post(page.url + "inscription/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Order.objects.filter(buyer_email__iexact=data["buyer_email"]).latest("created_at")


def join(client, page, capture, email=EMAIL):
    date = page.source.upcoming_dates[0]
    with capture(execute=True):
        response = client.post(
            page.url + "liste-attente/",
            {
                "date": date.pk,
                "places": 1,
                "name": "Awa Diallo",
                "email": email,
                "consent": "on",
                "website": "",
            },
        )
    assert response.status_code == 200, response.content.decode()[:2000]
    return WaitingListEntry.objects.get(email=email)


@pytest.fixture
def person(client, activity, full_activity, fake_stripe, django_capture_on_commit_callbacks):
    """Awa paid for two places (with answers and names) and waits for a full workshop."""
    capture = django_capture_on_commit_callbacks
    order = register(client, activity, capture)
    order = pay(client, order, fake_stripe, capture)
    entry = join(client, full_activity, capture)
    return order, entry


def test_find_and_export_contain_everything_held(person):
    order, entry = person
    found = privacy.find_person("AWA@Example.org")
    assert [o.code for o in found.orders] == [order.code]
    assert found.rows["waiting_list"] == [entry]
    assert found.counts["attendees"] == 2
    assert found.counts["emails"] >= 2  # the confirmation and the waiting list's
    assert {e.to for e in found.rows["emails"]} == {EMAIL}

    data = privacy.export_person(" Awa@example.ORG ")
    json.dumps(data)  # serialisable as is
    exported = data["orders"][0]
    assert exported["code"] == order.code
    assert exported["buyer_name"] == "Awa Diallo"
    assert exported["total"] == "50.00"
    assert exported["payments"][0]["amount"] == "50.00"
    assert exported["payments"][0]["state"] == "paid"
    assert exported["lines"][0]["description"] == order.lines.get().description
    # What events holds about the same order: the answers and the attendees.
    (registration,) = data["registrations"]
    assert registration["order"] == order.code
    answers = registration["answers"]
    assert answers["Besoins alimentaires"] == "Sans gluten, allergie aux arachides"
    assert registration["attendee_names"] == ["Awa Diallo", "Jean Tremblay"]
    names = sorted(a["name"] for a in registration["attendees"])
    assert names == ["Awa Diallo", "Jean Tremblay"]
    assert data["waiting_list"][0]["email"] == EMAIL
    assert data["emails"] and all(e["body_text"] for e in data["emails"])
    assert isinstance(data["exported_at"], str)


def test_erase_removes_the_person_but_keeps_the_accounting(person, django_user_model):
    order, _entry = person
    total, gst, qst, code = order.total, order.gst, order.qst, order.code
    payment = order.payments.get()
    officer = django_user_model.objects.create_superuser("responsable", "r@example.org", "pw")

    counts = privacy.erase_person("Awa@Example.org", user=officer)

    assert counts["orders"] == 1 and counts["waiting_list"] == 1 and counts["emails"] >= 2
    order.refresh_from_db()
    assert order.buyer_name == privacy.ANONYMOUS_NAME
    assert order.buyer_email.endswith("@cesiq.invalid") and "awa" not in order.buyer_email
    assert (order.code, order.total, order.gst, order.qst) == (code, total, gst, qst)
    assert order.state == "paid"
    kept = Payment.objects.get(pk=payment.pk)
    assert (kept.amount, kept.state) == (Decimal("50.00"), "paid")
    assert kept.stripe_session_id == payment.stripe_session_id
    assert order.paid_amount == Decimal("50.00")
    for line in order.lines.all():
        assert "answers" not in line.details and "attendees" not in line.details
        assert line.quotas.exists()  # the places it took are still counted
    assert not Attendee.objects.filter(order_line__order=order).exclude(name="").exists()
    assert Attendee.objects.filter(order_line__order=order).count() == 2
    assert not WaitingListEntry.objects.filter(email__iexact=EMAIL).exists()
    assert not OutboxEmail.objects.filter(to__iexact=EMAIL).exists()
    for email in OutboxEmail.objects.filter(order=order):
        assert email.body_text == privacy.ERASED_BODY and email.body_html == ""
        assert email.attachments == []
    everything = " ".join(
        list(OrderLogEntry.objects.filter(order=order).values_list("message", flat=True))
        + [e.body_text + e.subject for e in OutboxEmail.objects.all()]
    ).lower()
    assert EMAIL not in everything and "awa diallo" not in everything
    audit = order.log_entries.get(action="personal_data_erased")
    assert audit.user == officer and "awa" not in (audit.message + str(audit.data)).lower()

    assert privacy.find_person(EMAIL).is_empty
    assert privacy.erase_person(EMAIL, user=officer)["orders"] == 0


def test_purge_after_the_retention_period(
    client, person, free_activity, django_capture_on_commit_callbacks
):
    order, entry = person
    recent = register(
        client, free_activity, django_capture_on_commit_callbacks, buyer_email="jo@example.org"
    )
    settings = OrderSettings.load()
    settings.personal_data_retention_months = 12
    settings.save()

    # Nothing is old enough yet.
    assert privacy.purge_old_personal_data()["orders"] == 0

    date = Attendee.objects.filter(order_line__order=order).first().date
    date.start = timezone.now() - timedelta(days=400)
    date.end = date.start + timedelta(hours=2)
    date.save()
    entry.date.start = timezone.now() - timedelta(days=380)
    entry.date.end = entry.date.start + timedelta(hours=3)
    entry.date.save()

    # Awa's order, and the demo's orders that fill the full workshop.
    old_orders = set(
        OrderLine.objects.filter(quotas__event_date__in=[date, entry.date]).values_list(
            "order", flat=True
        )
    )
    assert order.pk in old_orders
    counts = privacy.purge_old_personal_data()
    assert counts["orders"] == len(old_orders)
    assert counts["waiting_list"] >= 1 and counts["attendees"] >= 2
    assert (
        not Order.objects.filter(pk__in=old_orders)
        .exclude(buyer_name=privacy.ANONYMOUS_NAME)
        .exists()
    )
    order.refresh_from_db()
    assert order.buyer_name == privacy.ANONYMOUS_NAME
    assert order.total == Decimal("50.00") and order.paid_amount == Decimal("50.00")
    assert all("answers" not in line.details for line in order.lines.all())
    assert not Attendee.objects.filter(date=date).exclude(name="").exists()
    assert not WaitingListEntry.objects.filter(date=entry.date).exists()
    assert order.log_entries.filter(action="personal_data_purged").count() == 1

    recent.refresh_from_db()
    assert recent.buyer_email == "jo@example.org" and recent.buyer_name == "Awa Diallo"
    assert recent.lines.get().details["attendees"] == ["Awa Diallo", "Jean Tremblay"]

    # Idempotent: a second run changes nothing.
    again = privacy.purge_old_personal_data()
    assert (again["orders"], again["attendees"], again["waiting_list"]) == (0, 0, 0)
    assert order.log_entries.filter(action="personal_data_purged").count() == 1


def test_the_purge_runs_as_a_celery_task(settings):
    from orders.tasks import purge_personal_data

    schedule = settings.CELERY_BEAT_SCHEDULE["purge-personal-data"]
    assert schedule["task"] == purge_personal_data.name == "orders.purge_personal_data"
    assert purge_personal_data.apply().get()["orders"] == 0


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def officer(client, django_user_model):
    user = django_user_model.objects.create_superuser("responsable-vp", "vp@example.org", "pw")
    client.force_login(user)
    return user


def test_tickets_for_a_date_postponed_without_a_new_one_are_not_over(person):
    """Its old day may be past: the date is still to come, and its people will be told."""
    from events.models import Attendee, EventDate

    order, _entry = person
    date = Attendee.objects.filter(order_line__order=order).first().date
    past = timezone.now() - timedelta(days=2)
    EventDate.objects.filter(pk=date.pk).update(
        status="postponed", start=past, end=past + timedelta(hours=2)
    )
    assert privacy.find_person(EMAIL).still_running == [
        "2 billets valides pour des dates à venir : une fois l'adresse effacée, la personne "
        "ne sera plus prévenue d'un report ou d'une annulation. Annulez-les d'abord si elle "
        "ne viendra pas."
    ]
    EventDate.objects.filter(pk=date.pk).update(status="scheduled")
    assert privacy.find_person(EMAIL).still_running == []


def test_an_officer_searches_exports_and_erases_with_confirmation(client, person, officer):
    order, _entry = person
    search = reverse("privacy:search")
    page = unescape(client.get(search, {"email": "AWA@example.org"}).content.decode())
    assert order.code in page and "Awa Diallo" in page and "Sans gluten" in page
    # Each app's part: the order and its emails, the registration and the waiting list.
    assert "Inscriptions aux activités" in page and "Listes d'attente" in page
    assert "2 participant·es" in page and "1 inscription en liste d'attente" in page
    assert "Télécharger (JSON)" in page and "Effacer" in page

    export = client.post(reverse("privacy:export"), {"email": EMAIL})
    assert export["Content-Type"].startswith("application/json")
    assert "attachment" in export["Content-Disposition"]
    assert json.loads(export.content)["orders"][0]["code"] == order.code

    erase = reverse("privacy:erase")
    confirm = unescape(client.get(erase, {"email": EMAIL}).content.decode())
    assert "Retapez le courriel pour confirmer" in confirm
    assert "le nom et le courriel y sont remplacés" in confirm
    assert "les inscriptions en liste d'attente sont supprimées." in confirm
    # Her two tickets are for a date to come: said before anything is erased.
    assert (
        "2 billets valides pour des dates à venir : une fois l'adresse effacée, la personne "
        "ne sera plus prévenue d'un report ou d'une annulation."
    ) in " ".join(confirm.split())

    # Not retyped (or mistyped): nothing changes.
    for typed in ["", "autre@example.org"]:
        response = client.post(erase, {"email": EMAIL, "confirmation": typed})
        assert response.status_code == 200
        assert "ne correspond pas" in response.content.decode()
    order.refresh_from_db()
    assert order.buyer_email == EMAIL
    assert WaitingListEntry.objects.filter(email=EMAIL).exists()

    response = client.post(erase, {"email": EMAIL, "confirmation": " Awa@Example.org "})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.buyer_name == privacy.ANONYMOUS_NAME
    assert order.log_entries.get(action="personal_data_erased").user == officer
    after = unescape(client.get(response["Location"]).content.decode())
    assert "ne conserve aucun renseignement" in after
    assert "Renseignements effacés : 1 commande, " in after
    assert ", 2 participant·es, 1 inscription en liste d'attente." in after


def test_the_menu_item_is_in_the_settings_menu(client, officer):
    assert reverse("privacy:search") in client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_administration_group_may_use_it(client, person, django_user_model):
    user = django_user_model.objects.create_user("gestion", "g@example.org", "pw")
    user.groups.add(Group.objects.get(name="Administration"))
    client.force_login(user)
    assert client.get(reverse("privacy:search"), {"email": EMAIL}).status_code == 200


def test_staff_without_the_right_are_refused(client, person, django_user_model):
    order, _entry = person
    user = django_user_model.objects.create_user("billetterie-vp", "b@example.org", "pw")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Billetterie"))
    client.force_login(user)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    assert (
        reverse("privacy:search") not in client.get(reverse("wagtailadmin_home")).content.decode()
    )
    # Wagtail turns a refusal into a redirect to the dashboard with a message.
    search = client.get(reverse("privacy:search"), {"email": EMAIL})
    assert search.status_code in (302, 403) and "Awa Diallo" not in search.content.decode()
    export = client.post(reverse("privacy:export"), {"email": EMAIL})
    assert export.status_code in (302, 403) and b"Awa" not in export.content
    response = client.post(reverse("privacy:erase"), {"email": EMAIL, "confirmation": EMAIL})
    assert response.status_code in (302, 403)
    order.refresh_from_db()
    assert order.buyer_email == EMAIL
