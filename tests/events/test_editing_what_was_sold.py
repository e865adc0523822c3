"""Editing an activity after people registered: a date or a ticket type with registrations
cannot be removed (publishing failed with a server error, and the draft saved before it could
never be published again), and a date cannot have fewer places than are taken. Each refusal
says what to do instead, and nothing is saved; what nobody bought can still go."""

from datetime import datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model

from events.models import EventDate, EventPage, TicketType
from tests.events.conftest import hold_places
from tests.events.test_translation_source_fields import form_as_shown

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold(client, demo_site, fake_stripe):
    """The French workshop, with 2 places held by an order on its first date."""
    client.force_login(get_user_model().objects.get(username="redaction"))
    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    order = hold_places(page, 2)
    line = order.lines.get()
    return page, page.upcoming_dates[0], line.item


def publish(client, page, change):
    url = f"/admin/pages/{page.pk}/edit/"
    data = form_as_shown(BeautifulSoup(client.get(url).content, "html.parser"))
    data.setdefault("body-count", "0")
    change(data)
    data["action-publish"] = "action-publish"
    return client.post(url, data)


def row(data, prefix, pk):
    """The form index of the inline row showing the object `pk`."""
    return next(
        key.split("-")[1]
        for key, value in data.items()
        if key.startswith(f"{prefix}-") and key.endswith("-id") and value == str(pk)
    )


def said(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def test_a_date_with_registrations_stays_and_the_page_still_publishes(client, sold):
    page, date, _ticket = sold
    revisions = page.revisions.count()

    def remove_date(data):
        data[f"dates-{row(data, 'dates', date.pk)}-DELETE"] = "1"

    response = publish(client, page, remove_date)
    assert response.status_code == 200
    assert f"La date du {date} a des inscriptions : elle ne peut pas être retirée." in said(
        response
    )
    assert EventDate.objects.filter(pk=date.pk).exists()
    assert page.revisions.count() == revisions  # no draft without the date
    # The page publishes as before.
    response = publish(client, page, lambda data: data.update(summary="Un résumé revu."))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.summary == "Un résumé revu."


def test_a_date_keeps_at_least_the_places_taken(client, sold):
    page, date, _ticket = sold

    def places(n):
        def change(data):
            data[f"dates-{row(data, 'dates', date.pk)}-capacity"] = str(n)

        return change

    response = publish(client, page, places(1))
    assert response.status_code == 200
    assert (
        f"La date du {date} a déjà 2 places vendues ou réservées : elle ne peut pas avoir "
        "moins de places." in said(response)
    )
    date.refresh_from_db()
    assert date.capacity == 20
    assert publish(client, page, places(2)).status_code == 302
    date.refresh_from_db()
    assert (date.capacity, date.seats_left()) == (2, 0)


def one_hour_later(date):
    def change(data):
        for field in ("start", "end"):
            key = f"dates-{row(data, 'dates', date.pk)}-{field}"
            shown = datetime.strptime(data[key], "%Y-%m-%d %H:%M")
            data[key] = (shown + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")

    return change


def test_a_date_with_registrations_keeps_its_time_until_it_is_postponed(client, sold):
    """Moved here, its buyers kept tickets and confirmations saying the old time and were
    never told; « Reporter » tells them and lets them cancel."""
    page, date, _ticket = sold
    start = date.start
    response = publish(client, page, one_hour_later(date))
    assert response.status_code == 200
    assert (
        f"La date du {date} a des inscriptions : son heure ne se change pas ici, les "
        "personnes inscrites n'en seraient pas prévenues." in said(response)
    )
    date.refresh_from_db()
    assert date.start == start
    # A time stored with seconds (by a script) and posted back as shown is no move.
    EventDate.objects.filter(pk=date.pk).update(start=start.replace(second=42))
    response = publish(client, page, lambda data: data.update(summary="Un résumé revu."))
    assert response.status_code == 302, said(response)
    # A date nobody registered for moves freely.
    other = next(d for d in page.upcoming_dates if d.pk != date.pk)
    assert publish(client, page, one_hour_later(other)).status_code == 302
    moved = EventDate.objects.get(pk=other.pk)
    assert moved.start == other.start + timedelta(hours=1)


def test_a_ticket_type_sold_stays_one_never_sold_goes(client, sold):
    page, date, ticket = sold
    unsold = TicketType.objects.create(page=page, name="Tarif de groupe", price=15)

    def remove(pk):
        def change(data):
            data[f"ticket_types-{row(data, 'ticket_types', pk)}-DELETE"] = "1"

        return change

    response = publish(client, page, remove(ticket.pk))
    assert response.status_code == 200
    assert f"Le billet « {ticket.name} » a été vendu : il ne peut pas être retiré." in said(
        response
    )
    assert TicketType.objects.filter(pk=ticket.pk).exists()
    assert publish(client, page, remove(unsold.pk)).status_code == 302
    assert not TicketType.objects.filter(pk=unsold.pk).exists()


def test_a_date_nobody_registered_for_can_be_removed(client, sold):
    page, date, _ticket = sold
    other = next(d for d in page.upcoming_dates if d.pk != date.pk)

    def remove_other(data):
        data[f"dates-{row(data, 'dates', other.pk)}-DELETE"] = "1"

    assert publish(client, page, remove_other).status_code == 302
    assert not EventDate.objects.filter(pk=other.pk).exists()


def test_a_date_or_a_ticket_type_entered_twice_is_refused(client, sold):
    """Two dates at the same time were listed twice on the page, and two ticket types of one
    name offered two « Régulier » nobody could tell apart."""
    page, first, _ticket = sold
    second = page.dates.exclude(pk=first.pk).first()
    regular, student = page.ticket_types.filter(name__in=["Régulier", "Étudiant·e"])

    def same_time(data):
        start = data[f"dates-{row(data, 'dates', first.pk)}-start"]
        data[f"dates-{row(data, 'dates', second.pk)}-start"] = start

    response = publish(client, page, same_time)
    assert response.status_code == 200
    assert f"La date du {first} est entrée deux fois : retirez l'une des deux." in said(response)

    def same_name(data):
        data[f"ticket_types-{row(data, 'ticket_types', student.pk)}-name"] = " régulier "

    response = publish(client, page, same_name)
    assert response.status_code == 200
    assert "Deux billets s'appellent « régulier »" in said(response)

    def same_english_name(data):  # two « Regular » on the English form
        data[f"ticket_types-{row(data, 'ticket_types', student.pk)}-name_en"] = "Regular"

    response = publish(client, page, same_english_name)
    assert response.status_code == 200
    assert "Deux billets s'appellent « Regular »" in said(response)
    student.refresh_from_db()
    second.refresh_from_db()
    assert student.name == "Étudiant·e" and second.start != first.start


def test_twins_already_there_do_not_lock_the_page_and_a_postponement_cannot_make_them(
    client, sold, django_user_model
):
    """Rows nobody touched are not refused (a page with two dates at one time, however it got
    them, still publishes a new summary), and postponing a date onto another's time is
    refused where it happens."""
    from events import staff
    from orders.services import OrderError

    page, first, _ticket = sold
    second = page.dates.exclude(pk=first.pk).first()
    director = django_user_model.objects.create_user("direction", "dir@example.org", "pw")
    with pytest.raises(OrderError, match="commence déjà à cette heure"):
        staff.postpone_date(second, user=director, message="Salle prise.", new_start=first.start)
    # Two dates at one time, as an older version let them be.
    EventDate.objects.filter(pk=second.pk).update(start=first.start, end=first.end)
    revision = page.latest_revision
    for row_data in revision.content["dates"]:
        if row_data["pk"] == second.pk:
            row_data["start"], row_data["end"] = first.start.isoformat(), first.end.isoformat()
    revision.save(update_fields=["content"])
    response = publish(client, page, lambda data: data.update(summary="Un résumé revu."))
    assert response.status_code == 302, said(response)


@pytest.mark.parametrize("status", ["cancelled", "postponed"])
def test_the_whole_activity_is_not_cancelled_from_its_status_while_people_are_registered(
    client, sold, status, django_capture_on_commit_callbacks
):
    """« Annulée » in the page's « Statut » told nobody and refunded nothing: the page said
    « Cette activité est annulée » while its paid orders stayed valid."""
    page, date, _ticket = sold
    response = publish(client, page, lambda data: data.update(status=status))
    assert response.status_code == 200
    assert (
        "Des personnes sont inscrites à des dates à venir : ce statut ne les préviendrait pas"
        in said(response)
    )
    page.refresh_from_db()
    assert page.status == "scheduled"
    # Once the box office cancelled the date (each person told), the status may follow.
    from events import staff

    director = get_user_model().objects.get(username="admin")
    with django_capture_on_commit_callbacks(execute=True):
        staff.cancel_date(date, user=director, message="Annulée.")
    assert publish(client, page, lambda data: data.update(status=status)).status_code == 302
    page.refresh_from_db()
    assert page.status == status


def test_a_date_postponed_without_a_new_one_keeps_the_activity_from_being_cancelled(
    client, sold, django_capture_on_commit_callbacks
):
    """Its people were told the date would come back: « Annulée » from the page's status
    would have left their paid orders valid, untold and unrefunded. « Reportée » may follow."""
    from events import staff

    page, date, _ticket = sold
    for other in page.dates.exclude(pk=date.pk):
        EventDate.objects.filter(pk=other.pk).update(status="cancelled")
    director = get_user_model().objects.get(username="admin")
    with django_capture_on_commit_callbacks(execute=True):
        staff.postpone_date(date, user=director, message="Salle inondée.")
    response = publish(client, page, lambda data: data.update(status="cancelled"))
    assert response.status_code == 200
    assert "Des personnes sont inscrites à des dates à venir" in said(response)
    assert publish(client, page, lambda data: data.update(status="postponed")).status_code == 302


def test_an_activity_where_shop_orders_are_picked_up_is_not_cancelled_from_its_status(client, sold):
    """Nobody registered, but a shop order is to be picked up at its door: the status told
    the shop team nothing, where the box office's cancellation flags the order."""
    from shop.models import DeliveryMethod
    from tests.shop.factories import paid_shop_order

    sold_page = sold[0]
    page = next(
        page
        for page in EventPage.objects.filter(locale__language_code="fr").exclude(pk=sold_page.pk)
        if page.upcoming_dates
    )
    paid_shop_order(
        ("THE-VER-100", 1), method=DeliveryMethod.ACTIVITY, pickup_date=page.upcoming_dates[0]
    )
    response = publish(client, page, lambda data: data.update(status="cancelled"))
    assert response.status_code == 200
    assert "Des commandes de la boutique doivent être remises à l'accueil" in said(response)
    page.refresh_from_db()
    assert page.status == "scheduled"


def test_a_fixed_price_of_nothing_is_refused_for_the_free_kind(demo_site):
    """« Régulier : 0,00 $ » was accepted, where « Gratuit » says it."""
    from django.core.exceptions import ValidationError

    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    ticket = TicketType(page=page, name="Régulier bis", kind="fixed", price=0)
    with pytest.raises(ValidationError) as refused:
        ticket.full_clean()
    assert refused.value.message_dict["price"] == [
        "Un prix fixe est plus grand que 0 : pour un billet gratuit, choisissez le tarif "
        "« Gratuit »."
    ]
    TicketType(page=page, name="Invité", kind="free", price=0).full_clean()
    # One saved before the rule, left as it was, does not keep its page from being saved.
    older = TicketType.objects.create(page=page, name="Ancien", kind="fixed", price=0)
    older.name = "Ancien tarif"
    older.full_clean()
    TicketType(page=page, name="Régulier ter", kind="fixed", price=5).full_clean()


def test_windows_that_close_before_they_open_are_refused_in_the_editor(client, sold):
    """Registrations « jusqu'au » 1 March after « à partir du » 1 April, a ticket on sale
    until before it goes on sale: both were published; buyers met a form without them."""
    page, _date, ticket = sold

    def backwards(data):
        data["registration_opens_at"] = "2027-04-01 09:00"
        data["registration_closes_at"] = "2027-03-01 09:00"
        index = row(data, "ticket_types", ticket.pk)
        data[f"ticket_types-{index}-sales_start"] = "2027-06-01 09:00"
        data[f"ticket_types-{index}-sales_end"] = "2027-01-01 09:00"

    response = publish(client, page, backwards)
    assert response.status_code == 200
    assert "La fin des inscriptions doit venir après leur ouverture." in said(response)
    assert "La fin de la vente doit venir après son début." in said(response)
    page.refresh_from_db()
    assert page.registration_closes_at is None
    ticket.refresh_from_db()
    assert ticket.sales_end is None


def test_a_ticket_nobody_could_buy_or_whose_suggestion_is_refused_is_refused(demo_site):
    from django.core.exceptions import ValidationError

    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    solidarity = TicketType(
        page=page, name="Solidaire", kind="pwyc", price=20, suggested_price=5, max_per_order=0
    )
    with pytest.raises(ValidationError) as refused:
        solidarity.full_clean()
    assert refused.value.message_dict == {
        "suggested_price": [
            "Le montant suggéré ne peut pas être plus bas que le minimum (20,00\xa0$)."
        ],
        "max_per_order": ["Au moins 1 : à 0, personne ne pourrait acheter ce billet."],
    }
    TicketType(page=page, name="Solidaire", kind="pwyc", price=5, suggested_price=20).full_clean()
    # One saved before these rules, left as it was, does not keep its page from being saved.
    older = TicketType.objects.create(
        page=page, name="Ancien", kind="pwyc", price=20, suggested_price=5, max_per_order=0
    )
    older.name = "Ancien tarif"
    older.full_clean()
