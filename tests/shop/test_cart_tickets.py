"""One cart for products and activity tickets: an activity page's "Ajouter au panier" posts to
the shop's cart; tickets are checked by the activity's own rules (dates, places, limits), one
order and one payment carry both, one confirmation carries the tickets and the products, and
an order picked up at an activity shows on that date's attendee list and door page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale

from cesiq_site.typography import french_text
from events.models import Attendee, EventDate, EventPage
from orders import services
from orders.models import Order, OrderState
from shop import delivery
from shop.cart import TICKETS_KEY
from shop.models import Fulfilment
from tests.conftest import plain
from tests.shop.test_cart import cart_count, lines, messages_of
from tests.shop.test_checkout import CHECKOUT, checkout_data, errors, taxes_on  # noqa: F401
from tests.shop.test_delivery import ONTARIO, totals

pytestmark = pytest.mark.django_db
D = Decimal


def activity(slug):
    return EventPage.objects.get(slug=slug, locale__language_code="fr")


@pytest.fixture
def training(shop_fr):
    """Fixed price (60,00 $), no questions, at most 4 places per order, two dates."""
    return activity("formation-citoyennete-mondiale")


def ticket_of(page, name=None):
    tickets = page.ticket_types.all()
    return tickets.get(name=name) if name else tickets.get()


def first_date(page):
    return page.dates.order_by("start").first()


def add_ticket(client, page, quantity=1, ticket=None, date=None, prefix=""):
    return client.post(
        f"{prefix}/panier/ajouter/" if not prefix else f"{prefix}/cart/add/",
        {
            "ticket": (ticket or ticket_of(page)).pk,
            "date": (date or first_date(page)).pk,
            "quantity": quantity,
        },
    )


def cart_form(response):
    html = BeautifulSoup(response.content, "html.parser")
    return html.select_one("form.activity__cart")


def test_activity_page_offers_the_cart_beside_registration(client, training):
    html = client.get(training.url)
    form = cart_form(html)
    assert form is not None and form["action"] == "/panier/ajouter/"
    assert form.select_one("button").get_text(strip=True) == "Ajouter au panier"
    assert "S'inscrire" in html.content.decode()
    # Two dates: the buyer chooses one.
    assert len(form.select("select[name=date] option")) == 2

    page = activity("atelier-consommation-equitable")
    # It asks questions, optional ones (« J'ai besoin d'un aménagement »): the cart would
    # never ask them, so its tickets stay with the registration form.
    assert cart_form(client.get(page.url)) is None
    assert "S'inscrire" in client.get(page.url).content.decode()
    # Without them, its fixed prices go in the cart; the code-only and member rates need a
    # code, so they stay out.
    page.questions.all().delete()
    workshop = cart_form(client.get(page.url))
    options = [
        o.get_text(strip=True).replace("\xa0", " ")
        for o in workshop.select("select[name=ticket] option")
    ]
    assert options == ["Régulier — 25,00 $", "Étudiant·e — 15,00 $"]

    english = client.get(training.get_translation(Locale.objects.get(language_code="en")).url)
    assert cart_form(english)["action"] == "/en/cart/add/"


@pytest.mark.parametrize(
    "slug",
    [
        "animation-droits-enfants",  # school: school and grade are asked
        "projection-semences",  # pay what you can
        "conference-justice-climatique",  # free
        "semaine-contre-le-racisme",  # registration at a partner's
    ],
)
def test_tickets_that_need_more_than_a_quantity_keep_the_registration_form(client, shop_fr, slug):
    assert cart_form(client.get(activity(slug).url)) is None


def test_tickets_and_products_share_one_cart_and_the_header_count(client, training, add_to_cart):
    add_to_cart("CHO-NOI-100", 2)
    response = add_ticket(client, training, 1)
    assert response.status_code == 302 and response["Location"] == "/panier/"
    page = client.get("/panier/")
    date = first_date(training)
    assert lines(page) == [
        ("Tablette de chocolat noir 70 % — Tablette de 100 g", "2"),
        (
            "Formation : animer en éducation à la citoyenneté mondiale — Inscription — "
            + plain(french_text(str(date))),
            "1",
        ),
    ]
    assert "69,90" in page.content.decode()  # 2 × 4,95 + 60,00
    assert cart_count(page) == "(3)"
    # Only ids and quantities in the session.
    assert client.session[TICKETS_KEY] == {f"{ticket_of(training).pk}-{date.pk}": 1}
    # Quantities change and lines go with the cart's one form.
    key = f"t{ticket_of(training).pk}-{date.pk}"
    client.post("/panier/modifier/", {f"quantity_{key}": "2"})
    assert lines(client.get("/panier/"))[1][1] == "2"
    client.post("/panier/modifier/", {"remove": key})
    assert cart_count(client.get("/panier/")) == "(2)"


def test_ticket_prices_are_read_from_the_database(client, training):
    add_ticket(client, training, 1)
    ticket = ticket_of(training)
    ticket.price = D("55.00")
    ticket.save()
    text = client.get("/panier/").content.decode()
    assert "55,00" in text and "60,00" not in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"ticket": "abc"}, "Ce billet n'existe pas ou n'est plus en vente."),
        ({"ticket": "999999"}, "Ce billet n'existe pas ou n'est plus en vente."),
        ({"date": "-4"}, "Ce billet n'existe pas ou n'est plus en vente."),
        ({"date": "other"}, "Ce billet n'existe pas ou n'est plus en vente."),
        ({"quantity": "-1"}, "La quantité ne peut pas être négative."),
        ({"quantity": "deux"}, "La quantité doit être un nombre entier."),
        ({"quantity": "0"}, "La quantité doit être d'au moins 1."),
        ({"quantity": "10" * 20}, "Au plus 50 unités par article dans une même commande."),
        ({"quantity": "5"}, "Au plus 4 places par commande pour « Formation : animer"),
        ({"ticket": "pwyc"}, "se réserve avec le formulaire d'inscription de l'activité."),
        # Not « se réserve avec le formulaire »: that form is closed too.
        ({"ticket": "pwyc-cancelled"}, "est annulée"),
    ],
)
def test_bad_ticket_input_is_refused_and_changes_nothing(client, training, data, message):
    date = first_date(training)
    form = {"ticket": ticket_of(training).pk, "date": date.pk, "quantity": 1, **data}
    if data.get("date") == "other":
        form["date"] = first_date(activity("atelier-consommation-equitable")).pk
    if data.get("ticket", "").startswith("pwyc"):
        screening = activity("projection-semences")
        form.update(ticket=ticket_of(screening).pk, date=first_date(screening).pk)
        if data["ticket"] == "pwyc-cancelled":
            first_date(screening).__class__.objects.filter(pk=form["date"]).update(
                status="cancelled"
            )
    response = client.post("/panier/ajouter/", form, follow=True)
    assert any(message in m for m in messages_of(response)), messages_of(response)
    assert lines(response) == []
    assert not client.session.get(TICKETS_KEY)


def test_english_messages_for_tickets(client, training):
    response = client.post(
        "/en/cart/add/", {"ticket": "999999", "date": "1", "quantity": 1}, follow=True
    )
    assert "This ticket does not exist or is no longer for sale." in messages_of(response)


def test_more_than_the_places_left_is_refused(client, shop_fr):
    nearly_full = activity("atelier-presque-complet")  # 3 places
    response = add_ticket(client, nearly_full, 4)
    page = client.get(response["Location"])
    assert any("Au plus" in m or "Il ne reste que 3 places" in m for m in messages_of(page))
    response = client.post(
        "/panier/ajouter/",
        {
            "ticket": ticket_of(nearly_full).pk,
            "date": first_date(nearly_full).pk,
            "quantity": 3,
        },
    )
    assert lines(client.get("/panier/"))[0][1] == "3"


def test_past_and_cancelled_dates_cannot_be_added(client, training):
    now = timezone.now()
    past = EventDate.objects.create(
        page=training, start=now - timedelta(days=3), end=now - timedelta(days=3, hours=-2)
    )
    response = add_ticket(client, training, 1, date=past)
    assert any(
        "Cette date n'accepte plus d'inscriptions." in m
        for m in messages_of(client.get(response["Location"]))
    )
    date = first_date(training)
    EventDate.objects.filter(pk=date.pk).update(status="cancelled")
    response = add_ticket(client, training, 1, date=date)
    assert any(
        "Cette date est annulée." in m for m in messages_of(client.get(response["Location"]))
    )
    assert not client.session.get(TICKETS_KEY)


def set_tickets(client, value):
    session = client.session
    session[TICKETS_KEY] = value
    session.save()


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        ("pas un panier", "Votre panier était illisible : il a été vidé."),
        ({"abc": 1}, "Un article inconnu a été retiré de votre panier."),
        ({"1-2-3": 1}, "Un article inconnu a été retiré de votre panier."),
        ({"{key}": "2"}, "Une quantité invalide a été retirée de votre panier."),
        ({"{key}": -1}, "Une quantité invalide a été retirée de votre panier."),
        ({"{ticket}-999999": 1}, "Un billet qui n'est plus en vente a été retiré de votre panier."),
        ({"{key}": 9}, "Au plus 4 places par commande"),
    ],
)
def test_a_hand_edited_ticket_cart_is_cleaned_with_a_message(client, training, stored, message):
    ticket, date = ticket_of(training), first_date(training)
    if isinstance(stored, dict):
        stored = {
            k.replace("{key}", f"{ticket.pk}-{date.pk}").replace("{ticket}", str(ticket.pk)): v
            for k, v in stored.items()
        }
    set_tickets(client, stored)
    response = client.get("/panier/")
    assert response.status_code == 200
    assert any(message in m for m in messages_of(response)), messages_of(response)
    assert lines(response) == []
    assert client.session[TICKETS_KEY] == {}


def test_a_date_cancelled_between_cart_and_checkout_sells_nothing(client, training, add_to_cart):
    add_to_cart("CHO-NOI-100", 1)
    add_ticket(client, training, 2)
    date = first_date(training)
    EventDate.objects.filter(pk=date.pk).update(status="cancelled")
    response = client.post(CHECKOUT, checkout_data(), follow=True)
    assert response.redirect_chain[-1][0] == "/panier/"
    assert any(
        "Cette date est annulée. Ce billet a été retiré de votre panier." in m
        for m in messages_of(response)
    )
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()
    assert lines(response) == [("Tablette de chocolat noir 70 % — Tablette de 100 g", "1")]


def test_a_date_cancelled_while_the_order_is_placed_sells_nothing(
    client, training, add_to_cart, monkeypatch
):
    """The cart was fine when read; staff cancel the date before the order takes its lock."""
    add_to_cart("CHO-NOI-100", 1)
    add_ticket(client, training, 1)
    date = first_date(training)
    real_place = delivery.place

    def cancelled_meanwhile(*args, **kwargs):
        EventDate.objects.filter(pk=date.pk).update(status="cancelled")
        return real_place(*args, **kwargs)

    monkeypatch.setattr(delivery, "place", cancelled_meanwhile)
    response = client.post(CHECKOUT, checkout_data(), follow=True)
    assert response.redirect_chain[-1][0] == "/panier/"
    assert any("Cette date est annulée." in m for m in messages_of(response))
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()
    assert not Fulfilment.objects.filter(order__buyer_email="awa@example.org").exists()


def test_one_order_one_payment_one_confirmation_for_tickets_and_products(
    client, training, add_to_cart, django_capture_on_commit_callbacks
):
    add_to_cart("CHO-NOI-100", 2)
    add_ticket(client, training, 2)
    seats = first_date(training).seats_left()
    shown = totals(client.get(CHECKOUT))
    response = client.post(CHECKOUT, checkout_data())
    assert response.status_code == 302, errors(response)
    order = Order.objects.get(buyer_email="awa@example.org")
    assert order.kind == "shop"
    assert order.total == D("129.90")  # 2 × 4,95 + 2 × 60,00, taxes off
    assert shown["total"] == "129,90 $"
    assert order.lines.count() == 2
    assert first_date(training).seats_left() == seats - 2  # held while the buyer pays
    assert client.get("/panier/").context["cart"].count == 0

    with django_capture_on_commit_callbacks(execute=True):
        services.confirm(order, message="payé")
    assert Attendee.objects.filter(order_line__order=order).count() == 2
    [confirmation] = [m for m in mail.outbox if m.to == ["awa@example.org"]]
    body = plain(confirmation.body)
    assert "2 × Tablette de chocolat noir 70 % — Tablette de 100 g" in body
    assert "2 × Formation : animer en éducation à la citoyenneté mondiale" in body
    assert "Cueillette au bureau du CÉSIQ" in body
    names = sorted(part.get_filename() for part in confirmation.attachments)
    assert [n for n in names if n.endswith(".ics")] == [f"activite-{first_date(training).pk}.ics"]
    assert len([n for n in names if n.startswith("billet-")]) == 2
    # The receipt names the activity over its tickets: beside products, « Régulier » alone
    # said nothing of which activity or date.
    receipt = BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser")
    tickets = plain(receipt.select_one(".receipt__tickets").get_text(" ", strip=True))
    assert "Formation : animer en éducation à la citoyenneté mondiale" in tickets


def test_cancelling_a_date_refunds_its_tickets_and_keeps_the_products(
    client, training, add_to_cart, django_capture_on_commit_callbacks, django_user_model
):
    """A date cancelled by staff cancelled the whole order it was in: the products bought
    beside the tickets were refunded too, and left the shop's preparation queue."""
    from events import staff
    from orders.models import OutboxEmail, Payment, PaymentState

    capture = django_capture_on_commit_callbacks
    add_to_cart("CHO-NOI-100", 2)
    add_ticket(client, training, 2)
    date = first_date(training)
    # The chocolate to be picked up at that very date's door.
    data = checkout_data(delivery="activity", pickup_date=date.pk)
    assert client.post(CHECKOUT, data).status_code == 302
    order = Order.objects.get(buyer_email="awa@example.org")
    Payment.objects.create(
        order=order,
        amount=order.total,
        state=PaymentState.PAID,
        idempotency_key=f"test:{order.code}",
        stripe_payment_intent_id=f"pi_test_{order.code}",
    )
    with capture(execute=True):
        services.confirm(order, message="payé")
    director = django_user_model.objects.create_user("direction", "dir@example.org", "pw")
    # What the staff page announces for this order: its tickets, not the chocolate too.
    assert staff.date_refund(date, order) == D("120.00")

    with capture(execute=False):  # the refund is recorded; Stripe is not asked here
        outcome = staff.cancel_date(date, user=director, message="La salle est inondée.")

    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert outcome.failed == []
    [refund] = order.refunds.all()
    assert refund.amount == D("120.00")  # the two tickets, not the chocolate
    lines_by_kind = {line.description.split(" ")[0]: line for line in order.lines.all()}
    assert lines_by_kind["Tablette"].returned_quantity == 0
    assert lines_by_kind["Formation"].returned_quantity == 2
    assert not Attendee.objects.filter(order_line__order=order, cancelled_at__isnull=True).exists()
    email = OutboxEmail.objects.get(key=f"date_cancelled:{date.pk}:{order.code}")
    assert "le reste de votre commande est maintenu" in plain(email.body_text)
    # The chocolate was to be handed over at that door: staff are told to arrange it, and
    # the receipt no longer says it waits there.
    assert "convenez d'une autre remise avec la personne" in order.attention
    receipt = plain(
        BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser").get_text(" ")
    )
    assert "Cette activité est annulée : nous vous écrirons" in receipt
    assert "votre commande vous y attend" not in receipt


def test_tickets_alone_need_no_delivery(client, training):
    add_ticket(client, training, 1)
    page = client.get(CHECKOUT)
    html = BeautifulSoup(page.content, "html.parser")
    assert html.select(".delivery-choices") == []
    assert "Livraison" not in " ".join(th.get_text() for th in html.select("#checkout-summary th"))
    response = client.post(CHECKOUT, {k: v for k, v in checkout_data().items() if k != "delivery"})
    assert response.status_code == 302, errors(response)
    order = Order.objects.get(buyer_email="awa@example.org")
    assert order.kind == "tickets" and order.tax_province == "QC"
    assert not Fulfilment.objects.filter(order=order).exists()


def test_a_ticket_stays_taxed_in_quebec_when_goods_ship_to_ontario(
    client,
    training,
    add_to_cart,
    taxes_on,  # noqa: F811
):
    add_to_cart("CHO-NOI-100", 2)
    add_to_cart("CAF-PER-340", 1)
    add_ticket(client, training, 1)
    response = client.post(CHECKOUT, {**checkout_data(**ONTARIO), "recalculer": "1"})
    # Goods 24,40 $ shipped to Ontario: 16,00 $, HST 2,13 $ (see test_delivery); the
    # 60,00 $ ticket: GST 3,00 $ and QST 5,985 → 5,99 $.
    assert totals(response) == {
        "subtotal": "84,40 $",
        "shipping": "16,00 $",
        "hst": "2,13 $",
        "gst": "3,00 $",
        "qst": "5,99 $",
        "total": "111,52 $",
    }
    client.post(CHECKOUT, checkout_data(**ONTARIO))
    order = Order.objects.get(buyer_email="awa@example.org")
    assert (order.hst, order.gst, order.qst, order.total) == (
        D("2.13"),
        D("3.00"),
        D("5.99"),
        D("111.52"),
    )


def test_a_ticket_bears_no_part_of_the_delivery_of_goods_shipped_within_quebec(
    client,
    training,
    add_to_cart,
    taxes_on,  # noqa: F811
):
    """The delivery charge is taxed like the goods in the parcel: a ticket is in no parcel,
    even for an activity held in the province the goods go to (it made the delivery of a
    book, which bears no QST, bear some)."""
    add_to_cart("LIV-CEQ-01", 1)  # 24,95 $, GST only in Québec
    add_to_cart("CHO-NOI-100", 1)  # 4,95 $, GST and QST
    add_ticket(client, training, 1)  # 60,00 $, GST and QST
    quebec = {**ONTARIO, "city": "Québec", "province": "QC", "postal_code": "G1K 3A1"}
    response = client.post(CHECKOUT, {**checkout_data(**quebec), "recalculer": "1"})
    # Delivery 12,00 $ over the goods' 29,90 $: 10,01 $ for the book, 1,99 $ for the
    # chocolate. QST on 60,00 + 4,95 + 1,99 = 66,94 $: 6,68 $ (it was 7,34 $ with the
    # ticket's 60 $ counted among the goods). GST on everything, 101,90 $: 5,10 $.
    assert totals(response) == {
        "subtotal": "89,90 $",
        "shipping": "12,00 $",
        "gst": "5,10 $",
        "qst": "6,68 $",
        "total": "113,68 $",
    }
    client.post(CHECKOUT, checkout_data(**quebec))
    order = Order.objects.get(buyer_email="awa@example.org")
    assert (order.gst, order.qst, order.total) == (D("5.10"), D("6.68"), D("113.68"))


def test_an_order_picked_up_at_an_activity_shows_at_its_door(
    client, training, add_to_cart, django_user_model, django_capture_on_commit_callbacks
):
    date = first_date(training)
    add_to_cart("ART-ECH-01", 1)
    scarf = "Écharpe en laine feutrée — Taille unique"
    page = client.get(CHECKOUT)
    assert str(date.pk) in [
        o["value"]
        for o in BeautifulSoup(page.content, "html.parser").select("#id_pickup_date option")
    ]
    response = client.post(CHECKOUT, checkout_data(delivery="activity", pickup_date=date.pk))
    assert response.status_code == 302, errors(response)
    order = Order.objects.get(buyer_email="awa@example.org")
    assert Fulfilment.objects.get(order=order).pickup_date == date

    staff = django_user_model.objects.create_superuser("porte", "porte@example.org", "pw")
    client.force_login(staff)
    attendees_url = reverse("events_staff:attendees", args=[date.pk])
    checkin_url = reverse("events_staff:checkin", args=[date.pk])
    # Not paid yet: nothing to hand over.
    assert order.code not in client.get(attendees_url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.confirm(order, message="payé")
    for url in (attendees_url, checkin_url):
        html = BeautifulSoup(client.get(url).content, "html.parser")
        section = html.select_one(".handovers")
        assert section is not None, url
        text = section.get_text(" ", strip=True)
        assert "Commandes de la boutique à remettre (1)" in text
        assert "Awa Diallo" in text and f"1 × {scarf}" in text
        link = section.select_one("a")
        assert link.get_text(strip=True) == order.code
        assert link["href"] == reverse("order:inspect", args=[order.pk])
    [confirmation] = [m for m in mail.outbox if m.to == ["awa@example.org"]]
    assert "Cueillette à une activité" in confirmation.body
    assert "Formation : animer en éducation à la citoyenneté mondiale" in plain(confirmation.body)
    order.refresh_from_db()
    assert order.state == OrderState.PAID


def test_tickets_in_the_cart_survive_a_language_switch(client, training):
    add_ticket(client, training, 2)
    response = client.get("/en/cart/")
    [(label, quantity)] = lines(response)
    assert label.startswith("Training: facilitating global citizenship education — Registration — ")
    assert quantity == "2"
    assert "$120.00" in response.content.decode()
