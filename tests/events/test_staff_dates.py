"""Staff cancel or postpone one activity date from the Wagtail admin: every registration is
cancelled and refunded (or kept), and every registrant is told once, in their language."""

import html
from datetime import UTC, timedelta

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from events import staff
from events.models import Attendee, EventDate, EventPage, WaitingListEntry
from orders.models import Order, OrderState, OutboxEmail
from tests.conftest import plain, post_webhook
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db


# --- helpers ------------------------------------------------------------------------------------


def register(client, page, *, email, date, tickets, capture, language="fr"):
    """Register through the public form; `tickets` maps ticket names to quantities."""
    shown = page if language == "fr" else page.get_translation(_locale(language)).specific
    quantities = {
        f"quantity_{page.source.ticket_types.get(name=name).pk}": n for name, n in tickets.items()
    }
    data = registration_data(shown, buyer_email=email, date=date.pk, **quantities)
    with capture(execute=True):
        response = client.post(shown.url + "inscription/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Order.objects.get(buyer_email=email)


def _locale(code):
    from wagtail.models import Locale

    return Locale.objects.get(language_code=code)


def pay(client, order, fake_stripe, capture):
    """The buyer pays on the fake Stripe's page; its webhook is delivered to the site."""
    from tests.orders.test_payments import press

    payment = order.payments.get()
    assert press(payment.checkout_url, "pay")[0] == 303
    event = next(
        e
        for e in reversed(fake_stripe.events)
        if e["type"] == "checkout.session.completed"
        and e["data"]["object"]["id"] == payment.stripe_session_id
    )
    with capture(execute=True):
        post_webhook(client, event)
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    return order


def calendar_of(message):
    """The text of the email's calendar file."""
    (part,) = [a for a in message.attachments if a.get_content_type() == "text/calendar"]
    return part.get_payload(decode=True).decode()


def mails_to(address, containing=""):
    return [m for m in mail.outbox if m.to == [address] and containing in plain(m.subject)]


def text(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def active_attendees(order):
    return Attendee.objects.filter(order_line__order=order, cancelled_at__isnull=True)


def free_registration(client, free_activity, capture, email="awa@example.org", places=2):
    date = free_activity.source.upcoming_dates[0]
    order = register(
        client,
        free_activity,
        email=email,
        date=date,
        tickets={"Entrée libre": places},
        capture=capture,
    )
    assert order.state == OrderState.PAID
    return date, order


# --- the services -------------------------------------------------------------------------------


def test_cancelling_a_date_cancels_refunds_and_tells_everyone_once(
    client, activity, director, fake_stripe, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first, second = activity.source.upcoming_dates[:2]
    awa = register(
        client,
        activity,
        email="awa@example.org",
        date=first,
        tickets={"Régulier": 2},
        capture=capture,
    )
    pay(client, awa, fake_stripe, capture)
    john = register(
        client,
        activity,
        email="john@example.org",
        date=first,
        tickets={"Étudiant·e": 1},
        capture=capture,
        language="en",
    )
    pay(client, john, fake_stripe, capture)
    other = register(
        client,
        activity,
        email="autre@example.org",
        date=second,
        tickets={"Régulier": 1},
        capture=capture,
    )
    pay(client, other, fake_stripe, capture)
    waiting = WaitingListEntry.objects.create(
        date=first, name="Léa", email="lea@example.org", language="fr", places=2
    )
    assert list(staff.date_registrations(first)) == [awa, john]

    with capture(execute=True):
        outcome = staff.cancel_date(first, user=director, message="La salle est inondée.")

    assert (outcome.orders, outcome.emailed, outcome.waiting_list) == (2, 3, 1)
    assert outcome.refunded == awa.total + john.total == 65
    for order in (awa, john):
        order.refresh_from_db()
        assert order.state == OrderState.CANCELLED
        refund = order.refunds.get()
        assert (refund.amount, refund.state, refund.created_by) == (
            order.total,
            "succeeded",
            director,
        )
        assert not active_attendees(order).exists()
        assert order.log_entries.filter(action="date_cancelled", user=director).exists()
    # Each registrant is told, in their language, with the staff's message.
    [french] = mails_to("awa@example.org", "Activité annulée")
    assert plain(french.subject) == "Activité annulée : Atelier : consommer équitable au quotidien"
    assert "La salle est inondée." in french.body
    assert "50,00\u00a0$ vous sera remboursé" in french.body
    ics = calendar_of(french)
    assert f"UID:cesiq-date-{first.pk}@cesiq" in ics and "STATUS:CANCELLED" in ics
    assert awa.get_absolute_url() in french.body
    [english] = mails_to("john@example.org", "Activity cancelled")
    assert english.subject == "Activity cancelled: Workshop: fair-trade shopping every day"
    assert "La salle est inondée." in english.body
    assert "$15.00 will be refunded" in english.body
    assert mails_to("john@example.org", f"Refund for your order {john.code}")
    # The waiting list is closed and told.
    waiting.refresh_from_db()
    assert waiting.state == "cancelled"
    [wl_mail] = mails_to("lea@example.org", "Activité annulée")
    assert "liste d'attente" in wl_mail.body
    # Nobody can register for the cancelled date any more.
    first.refresh_from_db()
    assert first.capacity == 0 and first.seats_left() == 0
    # The other date is untouched.
    other.refresh_from_db()
    assert other.state == OrderState.PAID and not other.refunds.exists()
    assert active_attendees(other).count() == 1
    assert not mails_to("autre@example.org", "Activité annulée")

    # Running it again does nothing and sends nothing.
    sent = len(mail.outbox)
    with capture(execute=True):
        again = staff.cancel_date(first, user=director, message="La salle est inondée.")
    assert (again.orders, again.emailed, again.refunded) == (0, 0, 0)
    assert len(mail.outbox) == sent
    assert OutboxEmail.objects.filter(key__startswith=f"date_cancelled:{first.pk}:").count() == 2


def test_a_pending_registration_is_cancelled_without_refund(
    client, activity, director, fake_stripe, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    date = activity.source.upcoming_dates[0]
    order = register(
        client,
        activity,
        email="awa@example.org",
        date=date,
        tickets={"Régulier": 1},
        capture=capture,
    )
    assert order.state == OrderState.PENDING
    with capture(execute=True):
        outcome = staff.cancel_date(date, user=director, message="Annulée, désolés.")
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED and not order.refunds.exists()
    assert (outcome.orders, outcome.refunded) == (1, 0)
    [message] = mails_to("awa@example.org", "Activité annulée")
    assert "remboursé" not in message.body
    # The activity's other date is still on sale: the email points to it.
    assert "Les autres dates de l'activité :" in plain(message.body)


def test_the_last_date_cancelled_points_to_no_other_date(
    client, free_activity, director, django_capture_on_commit_callbacks
):
    """« Les autres dates de l'activité : <lien> » went out where none was left."""
    capture = django_capture_on_commit_callbacks
    date, order = free_registration(client, free_activity, capture)
    assert [d.pk for d in free_activity.source.bookable_dates] == [date.pk]
    with capture(execute=True):
        staff.cancel_date(date, user=director, message="Annulée, désolés.")
    [message] = mails_to("awa@example.org", "Activité annulée")
    assert "Les autres dates" not in plain(message.body)
    assert "Les autres dates" not in message.alternatives[0][0]


def test_postponing_tells_an_unpaid_order_that_it_still_has_to_pay(
    client, activity, director, fake_stripe, django_capture_on_commit_callbacks
):
    """« Vos billets aussi » went to an order that had no valid ticket yet."""
    capture = django_capture_on_commit_callbacks
    date = activity.source.upcoming_dates[0]
    order = register(
        client,
        activity,
        email="awa@example.org",
        date=date,
        tickets={"Régulier": 1},
        capture=capture,
    )
    assert order.state == OrderState.PENDING
    with capture(execute=True):
        staff.postpone_date(
            date, user=director, message="Reportée.", new_start=date.start + timedelta(days=7)
        )
    [message] = mails_to("awa@example.org", "Activité reportée")
    body = plain(message.body)
    assert "vos billets aussi" not in body
    assert "votre commande n'est pas encore payée" in body


def test_a_date_postponed_without_a_new_one_may_be_cancelled_whatever_its_old_deadline(
    client, activity, director, fake_stripe, django_capture_on_commit_callbacks
):
    """Postponed on the day (a storm): the email says the buyer may cancel from the order's
    page, and the page refused, the old date's notice (« jusqu'à 48 h avant ») being past."""
    capture = django_capture_on_commit_callbacks
    date = activity.source.upcoming_dates[0]
    date.start = timezone.now() + timedelta(hours=activity.source.cancellation_hours - 1)
    date.end = date.start + timedelta(hours=2)
    date.save(update_fields=["start", "end"])
    order = register(
        client,
        activity,
        email="awa@example.org",
        date=date,
        tickets={"Régulier": 1},
        capture=capture,
    )
    order = pay(client, order, fake_stripe, capture)
    assert "Annuler ma commande" not in text(client.get(order.get_absolute_url()))

    with capture(execute=True):
        staff.postpone_date(date, user=director, message="Tempête de neige.")
    [message] = mails_to("awa@example.org", "Activité reportée")
    assert "vous pouvez annuler votre commande" in plain(message.body)
    receipt = plain(text(client.get(order.get_absolute_url())))
    assert (
        "L'activité est reportée sans nouvelle date : vous pouvez annuler cette commande tant "
        "que la nouvelle date n'est pas fixée. Ce que vous avez payé vous sera remboursé."
    ) in receipt
    assert "9999" not in receipt
    with capture(execute=True):
        response = client.post(reverse("orders:cancel", args=[order.code, order.token]))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert order.refunds.get().amount == order.total


def test_a_postponement_to_a_date_within_the_notice_promises_no_online_cancellation(
    client, activity, director, fake_stripe, django_capture_on_commit_callbacks
):
    """Moved to tomorrow when buyers may cancel until 48 h before: the email says to write
    back, not to cancel from a page that will refuse."""
    capture = django_capture_on_commit_callbacks
    date = activity.source.upcoming_dates[0]
    order = register(
        client,
        activity,
        email="awa@example.org",
        date=date,
        tickets={"Régulier": 1},
        capture=capture,
    )
    order = pay(client, order, fake_stripe, capture)
    soon = timezone.now() + timedelta(hours=activity.source.cancellation_hours - 1)
    with capture(execute=True):
        staff.postpone_date(date, user=director, message="Avancée.", new_start=soon)
    [message] = mails_to("awa@example.org", "Activité reportée")
    body = plain(message.body)
    assert "vous pouvez annuler votre commande" not in body
    assert "répondez à ce courriel : nous verrons avec vous" in body
    assert "Annuler ma commande" not in text(client.get(order.get_absolute_url()))


def test_postponing_keeps_registrations_and_tells_everyone(
    client, free_activity, director, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    # An editor saved the activity once (the seeded demo's first revision predates its dates).
    free_activity.source.save_revision(user=director).publish()
    date, order = free_registration(client, free_activity, capture)
    new_start = (timezone.now() + timedelta(days=60)).replace(
        hour=23, minute=30, second=0, microsecond=0
    )
    with capture(execute=True):
        outcome = staff.postpone_date(
            date, user=director, message="La conférencière est malade.", new_start=new_start
        )
    assert (outcome.orders, outcome.emailed) == (1, 1)
    date.refresh_from_db()
    assert date.start == new_start and date.end - date.start == timedelta(hours=2)
    order.refresh_from_db()
    assert order.state == OrderState.PAID and not order.refunds.exists()
    assert active_attendees(order).count() == 2
    assert order.log_entries.filter(action="date_postponed", user=director).exists()
    [message] = mails_to("awa@example.org", "Activité reportée")
    assert "La conférencière est malade." in message.body
    assert "Nouvelle date :" in plain(message.body)
    # The date's calendar file as it is now: the confirmation's event (same UID) moves.
    ics = calendar_of(message)
    assert f"UID:cesiq-date-{date.pk}@cesiq" in ics
    assert f"DTSTART:{new_start.astimezone(UTC):%Y%m%dT%H%M%SZ}" in ics
    assert f"SEQUENCE:{date.sequence}" in ics and date.sequence > 0
    assert "STATUS:CONFIRMED" in ics
    assert "http://testserver" + order.get_absolute_url() in message.body
    # The order's page says the new date (its line says the date bought, as sold).
    receipt = plain(
        BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser").get_text(
            " ", strip=True
        )
    )
    when = date_format(timezone.localtime(new_start), "DATETIME_FORMAT")
    # The page writes « 19 h » for « 19 h 00 » (cesiq_site/typography.py).
    old = date_format(timezone.localtime(date.previous_start), "DATETIME_FORMAT")
    when, old = when.replace(" h 00", " h"), old.replace(" h 00", " h")
    assert (
        f"Changement de date L'activité « {free_activity.title} » du {old} est reportée au {when}."
    ) in receipt

    # Publishing the activity again keeps the new date (its revisions were updated too).
    EventPage.objects.get(pk=free_activity.source.pk).get_latest_revision().publish()
    date.refresh_from_db()
    assert date.start == new_start

    # The same postponement twice sends nothing more; a second one ("date to come") does.
    with capture(execute=True):
        again = staff.postpone_date(
            date, user=director, message="La conférencière est malade.", new_start=new_start
        )
    assert again.emailed == 0
    with capture(execute=True):
        staff.postpone_date(date, user=director, message="Finalement, date à venir.")
    assert len(mails_to("awa@example.org", "Activité reportée")) == 2
    assert "à venir" in mails_to("awa@example.org", "Activité reportée")[-1].body
    assert "STATUS:TENTATIVE" in calendar_of(mails_to("awa@example.org", "Activité reportée")[-1])
    receipt = client.get(order.get_absolute_url()).content.decode()
    assert "est reportée : la nouvelle date sera annoncée." in plain(receipt)
    # Announced again at a date, then « à venir » again: each postponement is told.
    later = new_start + timedelta(days=7)
    with capture(execute=True):
        staff.postpone_date(date, user=director, message="Nouvelle date.", new_start=later)
    with capture(execute=True):
        staff.postpone_date(date, user=director, message="Encore à venir.")
    assert len(mails_to("awa@example.org", "Activité reportée")) == 4
    # A cancelled order no longer speaks of its dates.
    from orders import services

    services.cancel_order(order, reason="Test", refund=False)
    assert "Changement de date" not in plain(client.get(order.get_absolute_url()).content.decode())


def test_postponing_an_english_registration_writes_in_english(
    client, free_activity, director, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    date = free_activity.source.upcoming_dates[0]
    order = register(
        client,
        free_activity,
        email="john@example.org",
        date=date,
        tickets={"Entrée libre": 1},
        capture=capture,
        language="en",
    )
    with capture(execute=True):
        staff.postpone_date(date, user=director, message="Our speaker is ill.")
    [message] = mails_to("john@example.org", "Activity postponed")
    assert "Our speaker is ill." in message.body
    assert "/en/" in message.body and order.code in message.body


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"message": "  "}, "Écrivez un message"),
        ({"message": "x", "new_start": timezone.now() - timedelta(days=1)}, "dans le futur"),
    ],
)
def test_bad_postponement_changes_nothing(free_activity, director, kwargs, error):
    date = free_activity.source.upcoming_dates[0]
    start = date.start
    with translation.override("fr"), pytest.raises(staff.OrderError, match=error):
        staff.postpone_date(date, user=director, **kwargs)
    date.refresh_from_db()
    assert date.start == start
    assert not OutboxEmail.objects.filter(key__startswith="date_postponed").exists()


# --- the admin ----------------------------------------------------------------------------------


def test_staff_find_the_dates_from_the_activity(
    admin_client, director, free_activity, django_capture_on_commit_callbacks
):
    date, _order = free_registration(
        admin_client, free_activity, django_capture_on_commit_callbacks
    )
    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[free_activity.pk]))
    dates_url = reverse("events_staff:dates", args=[free_activity.pk])
    assert dates_url in edit.content.decode()

    response = admin_client.get(dates_url)
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    row = html.select_one(f"#date-{date.pk}")
    cells = [td.get_text(" ", strip=True) for td in row.select("td")]
    assert cells[2:6] == ["80", "2", "1", "2"]  # places, taken, orders, people
    links = [a["href"] for a in row.select("a")]
    assert reverse("events_staff:cancel", args=[date.pk]) in links
    assert reverse("events_staff:postpone", args=[date.pk]) in links

    # Once cancelled, the date offers neither again (both were refused on their page).
    with django_capture_on_commit_callbacks(execute=True):
        staff.cancel_date(date, user=director, message="Tempête de neige.")
    html = BeautifulSoup(admin_client.get(dates_url).content, "html.parser")
    links = [a["href"] for a in html.select_one(f"#date-{date.pk}").select("a")]
    assert reverse("events_staff:cancel", args=[date.pk]) not in links
    assert reverse("events_staff:postpone", args=[date.pk]) not in links


def test_cancelling_from_the_admin_needs_the_confirmation(
    admin_client, free_activity, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    date, order = free_registration(admin_client, free_activity, capture)
    url = reverse("events_staff:cancel", args=[date.pk])
    form = text(admin_client.get(url))
    assert (
        "Je confirme : l'inscription de 1 commande à cette date sera annulée et 0,00\u00a0$ "
        "remboursés." in form
    )

    with capture(execute=True):
        response = admin_client.post(url, {"message": "Tempête de neige."})
    assert response.status_code == 200
    assert "Cochez la case pour confirmer l'annulation." in text(response)
    order.refresh_from_db()
    date.refresh_from_db()
    assert order.state == OrderState.PAID and date.capacity == 80
    assert not mails_to("awa@example.org", "Activité annulée")

    shown = BeautifulSoup(admin_client.get(url).content, "html.parser")
    seen = shown.find("input", attrs={"name": "seen"})["value"]
    assert "Seen" not in shown.get_text()  # the hidden field had its label shown
    with capture(execute=True):
        response = admin_client.post(
            url, {"message": "Tempête de neige.", "confirm": "on", "seen": seen}
        )
    assert response.status_code == 302
    assert response.url == reverse("events_staff:dates", args=[free_activity.pk])
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert len(mails_to("awa@example.org", "Activité annulée")) == 1
    page = admin_client.get(response.url).content.decode()
    assert "inscriptions de 1 commande annulées" in html.unescape(page)
    assert "1 personne avisée" in page
    assert "Il ne reste aucune date à venir" in page
    # The same form sent again from another tab (what it saw then): nothing more, and said so,
    # not « Les inscriptions à cette date ont changé… confirmez de nouveau ».
    response = admin_client.post(
        url, {"message": "Tempête de neige.", "confirm": "on", "seen": seen}
    )
    assert response.status_code == 200
    assert "Cette date est déjà annulée : rien n'a changé." in text(response)


def test_cancelling_from_a_page_shown_before_a_new_registration_asks_again(
    admin_client, free_activity, django_capture_on_commit_callbacks
):
    """The form confirmed « 1 commande, 50,00 $ » and cancelled 2 orders: one came meanwhile."""
    capture = django_capture_on_commit_callbacks
    date, order = free_registration(admin_client, free_activity, capture)
    url = reverse("events_staff:cancel", args=[date.pk])
    html = BeautifulSoup(admin_client.get(url).content, "html.parser")
    seen = html.select_one("input[name=seen]")["value"]
    free_registration(admin_client, free_activity, capture, email="lea@example.org")
    with capture(execute=True):
        response = admin_client.post(url, {"message": "Tempête.", "confirm": "on", "seen": seen})
    assert response.status_code == 200
    shown = text(response)
    assert "Les inscriptions à cette date ont changé depuis l'affichage de la page" in shown
    assert "les inscriptions de 2 commandes à cette date seront annulées" in shown
    html = BeautifulSoup(response.content, "html.parser")
    assert not html.select_one("input[name=confirm]").has_attr("checked")
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    # Confirmed again from what is shown now: done.
    with capture(execute=True):
        response = admin_client.post(
            url,
            {
                "message": "Tempête.",
                "confirm": "on",
                "seen": html.select_one("input[name=seen]")["value"],
            },
        )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED


def test_postponing_from_the_admin(admin_client, free_activity, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    date, order = free_registration(admin_client, free_activity, capture)
    url = reverse("events_staff:postpone", args=[date.pk])
    assert "Reporter cette date" in admin_client.get(url).content.decode()
    year = timezone.now().year + 1
    with capture(execute=True):
        response = admin_client.post(
            url, {"message": "Reportée au printemps.", "new_start": f"{year}-04-15 19:00"}
        )
    assert response.status_code == 302
    date.refresh_from_db()
    local = timezone.localtime(date.start)
    assert (local.year, local.month, local.day, local.hour) == (year, 4, 15, 19)
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert len(mails_to("awa@example.org", "Activité reportée")) == 1

    # The end before the start is refused and changes nothing.
    response = admin_client.post(
        url,
        {
            "message": "x",
            "new_start": f"{year}-05-15 19:00",
            "new_end": f"{year}-05-15 18:00",
        },
    )
    assert response.status_code == 200
    assert "La fin doit venir après le début." in text(response)
    assert EventDate.objects.get(pk=date.pk).start == date.start


def test_staff_who_cannot_change_orders_cannot_cancel_a_date(
    reception_client, free_activity, django_capture_on_commit_callbacks
):
    date, order = free_registration(
        reception_client, free_activity, django_capture_on_commit_callbacks
    )

    def denied(response):
        return response.status_code == 403 or (
            response.status_code == 302 and response.url == reverse("wagtailadmin_home")
        )

    assert denied(reception_client.get(reverse("events_staff:dates", args=[free_activity.pk])))
    assert denied(reception_client.get(reverse("events_staff:cancel", args=[date.pk])))
    response = reception_client.post(
        reverse("events_staff:cancel", args=[date.pk]), {"message": "x", "confirm": "on"}
    )
    assert denied(response)
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    date.refresh_from_db()
    assert date.capacity == 80


def test_cancelling_a_date_nobody_registered_for_says_so(
    admin_client, free_activity, django_capture_on_commit_callbacks
):
    """French takes the singular for 0: « inscriptions d'une commande annulées » was said of
    none."""
    date = next(d for d in free_activity.source.upcoming_dates if not staff.date_registrations(d))
    url = reverse("events_staff:cancel", args=[date.pk])
    shown = BeautifulSoup(admin_client.get(url).content, "html.parser")
    seen = shown.find("input", attrs={"name": "seen"})["value"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url, {"message": "Salle prise.", "confirm": "on", "seen": seen}
        )
    assert response.status_code == 302
    page = html.unescape(admin_client.get(response.url).content.decode())
    assert "annulée : aucune inscription à annuler, 0,00\u00a0$ remboursés" in page
    assert "commande annulées" not in page
