"""Reminders two days before an activity: one email per order and date, in the buyer's
language, listing that order's tickets, with the online link where there is one; never twice,
never for unpaid or cancelled places, not yet for a date further away."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format
from wagtail.models import Locale

from events.models import Attendee, EventDate, EventPage
from events.reminders import send_due_reminders
from orders import services
from orders.models import Order, OrderState
from tests.conftest import plain, post_webhook
from tests.events.conftest import follow_confirmation_link, registration_data
from tests.orders.test_payments import last_event, press

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(client, django_capture_on_commit_callbacks):
    """Register through the site, as a visitor would: {ticket name: quantity}."""

    def post(page, tickets, **overrides):
        data = registration_data(page, **overrides)
        for name, quantity in tickets.items():
            data[f"quantity_{page.source.ticket_types.get(name=name).pk}"] = quantity
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(page.url + "inscription/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        order = Order.objects.filter(buyer_email=data["buyer_email"]).latest("created_at")
        if order.state == OrderState.PENDING and order.total == 0:
            # An activity that confirms free registrations by email (the webinar).
            order = follow_confirmation_link(client, order, django_capture_on_commit_callbacks)
        return order

    return post


@pytest.fixture
def run_reminders(django_capture_on_commit_callbacks):
    """Run the periodic job; return the reminders it sent (the mail outbox is emptied first)."""

    def run(now=None):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            count = send_due_reminders(now)
        assert count == len(mail.outbox)
        return list(mail.outbox)

    return run


def move(page, *, hours):
    """The page's first upcoming date now starts in `hours` hours (and lasts two)."""
    date = page.source.upcoming_dates[0]
    start = timezone.now() + timedelta(hours=hours)
    EventDate.objects.filter(pk=date.pk).update(start=start, end=start + timedelta(hours=2))
    return EventDate.objects.get(pk=date.pk)


def english(page):
    return page.get_translation(Locale.objects.get(language_code="en")).specific


def codes(order):
    return sorted(
        Attendee.objects.filter(order_line__order=order, cancelled_at__isnull=True).values_list(
            "ticket_code", flat=True
        )
    )


def when(date, language):
    """The date as the email shows it (in French: « 18 h », not « 18 h 00 »), plain spaces."""
    from cesiq_site.typography import french_text

    with translation.override(language):
        shown = date_format(timezone.localtime(date.start), "DATETIME_FORMAT")
    return plain(french_text(shown)) if language == "fr" else shown


def html_of(message):
    return next(body for body, mimetype in message.alternatives if mimetype == "text/html")


def calendar_of(message):
    (part,) = [a for a in message.attachments if a.get_content_type() == "text/calendar"]
    return part.get_filename(), part.get_payload(decode=True).decode()


def test_one_reminder_per_order_and_date_in_french(register, run_reminders, free_activity):
    order = register(free_activity, {"Entrée libre": 2})
    other = register(free_activity, {"Entrée libre": 1}, buyer_email="li@example.org")
    date = move(free_activity, hours=47.5)

    sent = run_reminders()

    assert sorted(m.to[0] for m in sent) == ["awa@example.org", "li@example.org"]
    message = next(m for m in sent if m.to == ["awa@example.org"])
    assert plain(message.subject) == (
        f"Rappel : Conférence : la justice climatique vue du Sud, {when(date, 'fr')}"
    )
    body = plain(message.body)
    assert "Bonjour Awa Diallo," in body
    assert "votre activité « Conférence : la justice climatique vue du Sud » approche" in body
    assert "Salle communautaire du CÉSIQ" in body
    assert "Accessibilité : Entrée de plain-pied, toilettes adaptées" in body
    assert "Lien de la rencontre en ligne" not in body
    for code in codes(order):  # both tickets, with their ticket page, in one email
        assert f"{code} : http://testserver/billet/{code}/" in body
        assert f'href="http://testserver/billet/{code}/"' in html_of(message)
    assert codes(other)[0] not in body
    assert f"http://testserver{order.get_absolute_url()}" in body
    filename, ics = calendar_of(message)
    assert filename == f"activite-{date.pk}.ics"
    assert "SUMMARY:Conférence : la justice climatique vue du Sud" in ics
    assert f"UID:cesiq-date-{date.pk}@cesiq" in ics
    assert '<html lang="fr-CA">' in html_of(message)


def test_english_order_gets_its_reminder_in_english(register, run_reminders, free_activity):
    order = register(english(free_activity), {"Entrée libre": 1})
    assert order.language == "en"
    date = move(free_activity, hours=47.5)

    (message,) = run_reminders()

    assert (
        message.subject
        == f"Reminder: Talk: climate justice seen from the South, {when(date, 'en')}"
    )
    body = message.body
    assert "Hello Awa Diallo," in body
    assert "Rappel" not in body and "Bonjour" not in body
    assert "Step-free entrance, accessible toilets" in body
    (code,) = codes(order)
    assert f"Free entry — {code}: http://testserver/en/ticket/{code}/" in body
    assert "SUMMARY:Talk: climate justice seen from the South" in calendar_of(message)[1]
    assert '<html lang="en-CA">' in html_of(message)


def test_running_again_sends_nothing_new(register, run_reminders, free_activity):
    register(free_activity, {"Entrée libre": 1})
    move(free_activity, hours=47.5)
    assert len(run_reminders()) == 1
    assert run_reminders() == []
    # Still nothing a day later, when the date is closer.
    assert run_reminders(timezone.now() + timedelta(hours=24)) == []


def test_a_late_run_still_reminds_before_the_start(register, run_reminders, free_activity):
    """The job was down for a day: the reminder goes out late rather than never."""
    register(free_activity, {"Entrée libre": 1})
    move(free_activity, hours=20)
    assert len(run_reminders()) == 1


def test_a_date_five_days_away_gets_nothing_yet(register, run_reminders, free_activity):
    register(free_activity, {"Entrée libre": 1})
    move(free_activity, hours=5 * 24)
    assert run_reminders() == []
    # Three days later it is due.
    assert len(run_reminders(timezone.now() + timedelta(days=3, hours=1))) == 1


def test_a_date_that_has_started_gets_nothing(register, run_reminders, free_activity):
    register(free_activity, {"Entrée libre": 1})
    move(free_activity, hours=-0.5)
    assert run_reminders() == []


def test_paid_order_gets_one_reminder_for_all_its_tickets(
    client, register, run_reminders, activity, fake_stripe, django_capture_on_commit_callbacks
):
    order = register(activity, {"Régulier": 1, "Étudiant·e": 1})
    assert order.state == OrderState.PENDING
    date = move(activity, hours=47.5)
    # Unpaid: nothing.
    assert run_reminders() == []

    checkout_url = order.payments.get().checkout_url
    assert press(checkout_url, "pay")[0] == 303
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, last_event(fake_stripe, "checkout.session.completed"))
    order.refresh_from_db()
    assert order.state == OrderState.PAID

    (message,) = run_reminders()
    assert plain(message.subject).startswith(
        "Rappel : Atelier : consommer équitable au quotidien, "
    )
    assert plain(when(date, "fr")) in plain(message.subject)
    assert "Régulier — " in message.body and "Étudiant·e — " in message.body
    for code in codes(order):
        assert code in message.body


def test_pending_order_gets_nothing(register, run_reminders, activity, fake_stripe):
    order = register(activity, {"Régulier": 1})
    assert order.state == OrderState.PENDING
    move(activity, hours=47.5)
    assert run_reminders() == []


def test_cancelled_places_and_orders_get_nothing(
    register, run_reminders, free_activity, django_capture_on_commit_callbacks
):
    partly = register(free_activity, {"Entrée libre": 2})
    cancelled = register(free_activity, {"Entrée libre": 1}, buyer_email="li@example.org")
    gone = register(free_activity, {"Entrée libre": 1}, buyer_email="sam@example.org")
    kept, dropped = codes(partly)
    Attendee.objects.filter(ticket_code=dropped).update(cancelled_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_order(cancelled, reason="Empêchement")
    Attendee.objects.filter(order_line__order=gone).update(cancelled_at=timezone.now())
    move(free_activity, hours=47.5)

    (message,) = run_reminders()

    assert message.to == ["awa@example.org"]
    assert kept in message.body
    assert dropped not in message.body


def test_cancelled_activity_gets_nothing(register, run_reminders, free_activity):
    register(free_activity, {"Entrée libre": 1})
    move(free_activity, hours=47.5)
    EventPage.objects.filter(pk=free_activity.pk).update(status="cancelled")
    assert run_reminders() == []


def test_webinar_reminder_has_the_online_link(register, run_reminders, demo_site):
    webinar = EventPage.objects.get(slug="webinaire-decroissance", locale__language_code="fr")
    register(webinar, {"Gratuit": 1})
    register(english(webinar), {"Gratuit": 1}, buyer_email="li@example.org")
    move(webinar, hours=47.5)

    sent = {m.to[0]: m for m in run_reminders()}

    french, english_ = sent["awa@example.org"], sent["li@example.org"]
    link = "https://visio.example/cesiq-decroissance"
    assert f"Lien de la rencontre en ligne : {link}" in plain(french.body)
    assert f'href="{link}"' in html_of(french)
    assert "Lieu :" not in plain(french.body) and "code QR" not in french.body
    assert link in english_.body and english_.subject.startswith("Reminder: Webinar: what is")
    assert link in calendar_of(french)[1].replace("\r\n ", "")


def test_queries_do_not_grow_with_tickets(register, run_reminders, free_activity):
    """The attendees come in one query; work is per (order, date), not per ticket."""
    register(free_activity, {"Entrée libre": 1})
    move(free_activity, hours=47.5)
    with CaptureQueriesContext(connection) as one_ticket:
        run_reminders()
    Order.objects.filter(buyer_email="awa@example.org").delete()  # only this test's order
    register(free_activity, {"Entrée libre": 6})
    with CaptureQueriesContext(connection) as six_tickets:
        assert len(run_reminders()) == 1
    assert len(six_tickets) <= len(one_ticket)
