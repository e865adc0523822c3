"""One anonymous client cannot keep every place: at most one unpaid order per address and
date, at most the activity's places per order, and no more than that held unpaid from one
connection, whatever the number of requests; free registrations that the activity wants
confirmed stay pending until the link sent to the address is followed, and expire like unpaid
orders otherwise; staff see who holds places without paying."""

import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from events import services, staff
from events.models import Attendee, EventPage
from orders import services as orders
from orders.models import Order, OrderState
from orders.services import OrderError
from tests.conftest import plain
from tests.events.conftest import follow_confirmation_link, registration_data

pytestmark = pytest.mark.django_db


def get(slug):
    return EventPage.objects.get(slug=slug, locale__language_code="fr")


@pytest.fixture
def training(demo_site):
    """16 places per date, 60 $; editors allow 4 places per order."""
    return get("formation-citoyennete-mondiale")


@pytest.fixture
def webinar(demo_site):
    """300 free places; editors allow 2 per order and want registrations confirmed by email."""
    return get("webinaire-decroissance")


def texts(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [
        plain(e.get_text(" ", strip=True))
        for e in html.select(".field__error, .notice--error p, .error-summary li")
    ]


def post(client, page, places, email, capture=None, **extra):
    ticket = page.source.ticket_types.get()
    data = registration_data(page, buyer_email=email, **{f"quantity_{ticket.pk}": places})
    if capture is None:
        return client.post(page.url + "inscription/", data, **extra)
    with capture(execute=True):
        return client.post(page.url + "inscription/", data, **extra)


def mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


# --- the script of 100 POSTs from one client --------------------------------------------------


@pytest.mark.parametrize("rate_limited", [True, False], ids=["with-rate-limit", "hold-cap-alone"])
@pytest.mark.slow
def test_a_hundred_posts_from_one_client_hold_no_more_than_the_cap(
    client, training, fake_stripe, settings, rate_limited
):
    """The probe that held all 16 places with 2 POSTs, made 100 times with 100 addresses."""
    if not rate_limited:
        settings.RATE_LIMITS = {
            "posts": (1000, 600),
            "register": (1000, 600),
        }  # show the hold cap on its own
    date = training.upcoming_dates[0]
    before = date.usage()  # the demo's own orders
    statuses = [post(client, training, 4, f"robot{n}@example.org").status_code for n in range(100)]

    assert statuses[0] == 302  # the first one is an ordinary buyer, off to pay
    after = date.usage()
    assert after.taken - before.taken == after.held - before.held == 4
    assert training.max_places_per_order == 4
    robots = Order.objects.filter(buyer_email__startswith="robot")
    assert robots.count() == 1
    assert set(statuses[1:]) == ({429, 400} if rate_limited else {400})
    # Other people can still register.
    response = post(client, training, 4, "lea@example.org", REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 302
    assert date.usage().held - before.held == 8


@pytest.mark.parametrize("rate_limited", [True, False], ids=["with-rate-limit", "hold-cap-alone"])
@pytest.mark.slow
def test_the_free_webinar_cannot_be_emptied_by_one_client(
    client, webinar, settings, django_capture_on_commit_callbacks, rate_limited
):
    """30 POSTs used to take all 300 places for good and send tickets to any address."""
    if not rate_limited:
        settings.RATE_LIMITS = {"posts": (1000, 600), "register": (1000, 600)}
    date = webinar.upcoming_dates[0]
    for n in range(100):
        post(client, webinar, 2, f"robot{n}@example.org", django_capture_on_commit_callbacks)

    usage = date.usage()
    assert usage.taken == usage.held == 2  # held pending confirmation, never final
    assert date.seats_left() == 298
    assert not Attendee.objects.filter(date=date).exists()
    # One email went out: the link to confirm; no ticket was sent to anybody.
    sent = [m for m in mail.outbox if m.to[0].startswith("robot")]
    assert len(sent) == 1 and "Confirmez votre inscription" in sent[0].subject


# --- one unpaid order per address and date ----------------------------------------------------


def test_a_second_unpaid_order_for_the_same_address_and_date_is_refused_and_the_link_sent(
    client, training, fake_stripe, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first_date, second_date = training.upcoming_dates[:2]
    held_before = first_date.usage().held
    assert post(client, training, 2, "awa@example.org", capture).status_code == 302
    order = Order.objects.get(buyer_email="awa@example.org")
    mail.outbox.clear()

    # Again, from another connection and with the address in capitals: refused.
    response = post(client, training, 1, "AWA@example.org", capture, REMOTE_ADDR="198.51.100.3")
    assert response.status_code == 400
    assert any(
        "Une commande non payée à l'adresse AWA@example.org réserve déjà des places" in t
        and "Nous venons d'envoyer à cette adresse le lien pour la payer ou l'annuler." in t
        for t in texts(response)
    ), texts(response)
    assert Order.objects.filter(buyer_email__iexact="awa@example.org").count() == 1
    # The link goes to the address only (not to the screen of whoever typed it), once.
    [reminder] = mails_to("awa@example.org")
    assert reminder.subject == f"Votre commande {order.code} attend son paiement"
    assert order.get_absolute_url() in reminder.body
    assert order.get_absolute_url() not in response.content.decode()
    post(client, training, 1, "awa@example.org", capture, REMOTE_ADDR="198.51.100.4")
    assert len(mails_to("awa@example.org")) == 1

    # Another date of the same activity is another hold.
    ticket = training.ticket_types.get()
    data = registration_data(training, buyer_email="awa@example.org", date=second_date.pk)
    data[f"quantity_{ticket.pk}"] = 1
    response = client.post(training.url + "inscription/", data, REMOTE_ADDR="198.51.100.5")
    assert response.status_code == 302
    # Once the first order is cancelled (from its page), the address may order again.
    orders.cancel_by_buyer(order)
    assert (
        post(client, training, 1, "awa@example.org", REMOTE_ADDR="198.51.100.6").status_code == 302
    )
    assert first_date.usage().held - held_before == 1


def test_a_second_free_registration_awaiting_confirmation_resends_its_link(
    client, webinar, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    post(client, webinar, 1, "awa@example.org", capture)
    response = post(client, webinar, 1, "awa@example.org", capture, REMOTE_ADDR="198.51.100.3")
    assert response.status_code == 400
    assert any("le lien pour la confirmer ou l'annuler" in t for t in texts(response))
    sent = mails_to("awa@example.org")
    assert [m.subject.startswith("Confirmez votre inscription") for m in sent] == [True, True]
    order = Order.objects.get(buyer_email="awa@example.org")
    assert follow_confirmation_link(client, order, capture).state == OrderState.PAID


# --- places per order -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 201])
def test_editors_choose_places_per_order_within_bounds(training, value):
    training.max_places_per_order = value
    with pytest.raises(ValidationError) as error:
        training.full_clean()
    assert "max_places_per_order" in error.value.message_dict


def test_places_per_order_are_capped_in_the_form_and_in_the_service(client, training):
    response = post(client, training, 5, "awa@example.org")
    assert response.status_code == 400
    assert "Au plus 4 places par inscription ; vous en demandez 5." in texts(response)
    ticket = training.ticket_types.get()
    with (
        translation.override("fr"),
        pytest.raises(OrderError, match="Au plus 4 places par commande"),
    ):
        services.register(
            training,
            date_id=training.upcoming_dates[0].pk,
            tickets=[(ticket, 5, None)],
            buyer_name="Awa",
            buyer_email="awa@example.org",
            language="fr",
        )
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_free_places_count_in_the_cap(client, demo_site):
    """The school session: pupils pay, accompanying adults are free; both count."""
    school = get("animation-droits-enfants")
    assert school.max_places_per_order == 40
    pupil, adult = (school.ticket_types.get(name=n) for n in ("Élève", "Adulte accompagnateur"))
    data = registration_data(
        school,
        school="École Saint-Roch",
        grade="5e année",
        **{f"quantity_{pupil.pk}": 36, f"quantity_{adult.pk}": 5},
    )
    response = client.post(school.url + "inscription/", data)
    assert response.status_code == 400
    assert "Au plus 40 places par inscription ; vous en demandez 41." in texts(response)


# --- free registrations confirmed by email ------------------------------------------------------


def test_a_free_registration_is_confirmed_only_through_the_emailed_link(
    client, webinar, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    date = webinar.upcoming_dates[0]
    response = post(client, webinar, 1, "awa@example.org", capture)
    order = Order.objects.get(buyer_email="awa@example.org")
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert order.state == OrderState.PENDING and order.total == 0
    assert date.usage().held == 1  # its place is kept meanwhile
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Votre inscription n'est pas encore confirmée." in page
    # Nothing to pay: its status says what it waits for.
    assert "En attente de confirmation" in page and "En attente de paiement" not in page
    assert "Nous avons envoyé un lien à awa@example.org" in page
    assert "/confirmer/" not in page  # the link is in the mailbox only
    [request] = mails_to("awa@example.org")
    assert request.subject == f"Confirmez votre inscription (commande {order.code})"
    assert not request.attachments and "visio.example" not in request.body
    link = re.search(r"http://testserver(/commande/\S+/confirmer/[0-9a-f]+/)", request.body)[1]

    # A wrong key is nobody's link.
    assert client.get(link[:-5] + "0000/").status_code == 404
    # Opening the link (as a mail scanner would) confirms nothing; the button does.
    assert "Confirmer mon inscription" in client.get(link).content.decode()
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    with capture(execute=True):
        response = client.post(link)
    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert order.log_entries.filter(action="state:paid").exists()
    assert Attendee.objects.filter(order_line__order=order).count() == 1
    confirmation = next(m for m in mails_to("awa@example.org") if "Confirmation" in m.subject)
    assert "https://visio.example/cesiq-decroissance" in confirmation.body
    assert date.usage().sold == 1 and date.usage().held == 0
    assert order.client_key == ""  # no longer needed once the order is final
    # Following it again is harmless.
    assert client.post(link).status_code == 302
    assert Attendee.objects.filter(order_line__order=order).count() == 1


def test_an_unconfirmed_free_registration_expires_like_an_unpaid_order(
    client, webinar, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    date = webinar.upcoming_dates[0]
    post(client, webinar, 2, "awa@example.org", capture)
    order = Order.objects.get(buyer_email="awa@example.org")
    [request] = mails_to("awa@example.org")
    link = re.search(r"http://testserver(/commande/\S+/confirmer/[0-9a-f]+/)", request.body)[1]

    later = timezone.now() + timedelta(minutes=31)
    assert date.usage(later).held == 0  # the hold stops counting by itself
    with capture(execute=True):
        orders.expire_stale_orders(later)
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED
    [expired] = [m for m in mails_to("awa@example.org") if "expiré" in m.subject]
    assert "n'a pas été confirmée à temps" in expired.body
    # The link no longer confirms anything.
    response = client.post(link)
    assert response.status_code == 400
    assert "Le délai pour confirmer cette inscription est écoulé" in response.content.decode()
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED
    assert not Attendee.objects.filter(order_line__order=order).exists()


# --- staff see the holds ------------------------------------------------------------------------


def test_staff_see_who_holds_places_without_paying(
    client, training, webinar, fake_stripe, django_user_model
):
    post(client, training, 3, "awa@example.org")
    post(client, training, 1, "li@example.org", REMOTE_ADDR="198.51.100.8")
    date = training.upcoming_dates[0]
    awa = Order.objects.get(buyer_email="awa@example.org")

    holds = [h for h in staff.date_holds(date) if h["email"].endswith("@example.org")]
    assert [(h["email"], h["places"], h["waiting_for"]) for h in holds] == [
        ("awa@example.org", 3, "paiement"),
        ("li@example.org", 1, "paiement"),
    ]
    assert holds[0]["expires_at"] == awa.expires_at and holds[0]["code"] == awa.code
    post(client, webinar, 1, "zoe@example.org")
    [webinar_hold] = staff.date_holds(webinar.upcoming_dates[0])
    assert webinar_hold["waiting_for"] == "confirmation par courriel"

    director = django_user_model.objects.create_superuser("dir-holds", "d@example.org", "pw")
    client.force_login(director)
    page = client.get(reverse("events_staff:dates", args=[training.pk]))
    row = BeautifulSoup(page.content, "html.parser").select_one(f"#date-{date.pk}")
    text = row.get_text(" ", strip=True)
    assert "awa@example.org : 3 places jusqu'à" in text and awa.code in text
    assert "li@example.org : 1 place jusqu'à" in text


def test_the_confirmation_link_works_in_english(
    client, webinar, django_capture_on_commit_callbacks
):
    from wagtail.models import Locale

    english = webinar.get_translation(Locale.objects.get(language_code="en")).specific
    post(client, english, 1, "li@example.org", django_capture_on_commit_callbacks)
    order = Order.objects.get(buyer_email="li@example.org")
    [request] = mails_to("li@example.org")
    assert request.subject == f"Confirm your registration (order {order.code})"
    assert f"http://testserver/en/order/{order.code}/confirm/" in request.body
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Your registration is not confirmed yet." in page
    order = follow_confirmation_link(client, order, django_capture_on_commit_callbacks)
    assert order.state == OrderState.PAID


def test_nobody_waits_for_more_places_than_one_order_may_take(client, webinar):
    """The webinar allows 2 places per order: an offer of 3 could never be used."""
    from events import waiting_list

    date = webinar.upcoming_dates[0]
    with translation.override("fr"), pytest.raises(OrderError, match="Entre 1 et 2 places."):
        waiting_list.join(date, name="Léa", email="lea@example.org", language="fr", places=3)
    form = BeautifulSoup(client.get(webinar.url + "liste-attente/").content, "html.parser")
    assert form.select_one("input[name=places]")["max"] == "2"
