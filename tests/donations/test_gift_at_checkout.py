"""A gift added to any order at checkout: the registration form of a paid activity and the
shop's checkout offer an optional gift; it is one more line of the same order (one payment,
shown on Stripe's page), receipted alone when the organisation is a registered charity, never
reduced by a discount code, and its receipt is voided when the order is refunded or
cancelled."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core import mail

from donations.models import Donation, Receipt
from events.models import Attendee
from orders import services
from orders.models import DiscountCode, Order, OrderState
from tests.conftest import plain
from tests.events.conftest import registration_data
from tests.orders.test_payments import last_event, press
from tests.shop.conftest import variant

pytestmark = pytest.mark.django_db
D = Decimal

ADDRESS = {
    "gift_street": "12, rue des Érables",
    "gift_city": "Québec",
    "gift_province": "QC",
    "gift_postal_code": "G1R 2B5",
}


@pytest.fixture
def activity(demo_site):
    """The demo's paid workshop (tickets at 25 $); its donation page is the demo's."""
    from events.models import EventPage

    return EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")


@pytest.fixture
def free_activity(demo_site):
    from events.models import EventPage

    return EventPage.objects.get(slug="conference-justice-climatique", locale__language_code="fr")


@pytest.fixture
def add_to_cart(client, demo_site):
    def add(sku, quantity=1):
        return client.post("/panier/ajouter/", {"variant": variant(sku).pk, "quantity": quantity})

    return add


def register_url(page):
    return page.url + "inscription/"


def errors(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [plain(e.get_text(" ", strip=True)) for e in html.select(".field__error")]


def regular(page):
    return page.source.ticket_types.get(name="Régulier")


def with_gift(page, places=2, **gift):
    return registration_data(page, **{f"quantity_{regular(page).pk}": places, **gift})


@pytest.fixture
def pay(client, fake_stripe, deliver):
    """Post the form, pay on the fake Stripe's page, deliver the webhook: the paid order."""

    def post_and_pay(url, data):
        response = client.post(url, data)
        assert response.status_code == 302, errors(response)
        assert response["Location"].startswith(fake_stripe.url + "/checkout/")
        session_id = urlsplit(response["Location"]).path.rsplit("/", 1)[1]
        status, location = press(response["Location"], "pay")
        assert status == 303
        assert deliver(last_event(fake_stripe, "checkout.session.completed")).status_code == 200
        return Order.objects.get(buyer_email="awa@example.org"), session_id

    return post_and_pay


def test_a_paid_activity_offers_an_optional_gift_a_free_one_does_not(
    client, activity, free_activity
):
    html = BeautifulSoup(client.get(register_url(activity)).content, "html.parser")
    legend = [plain(x.get_text(" ", strip=True)) for x in html.select("fieldset legend")]
    assert "Ajouter un don (facultatif)" in legend
    labels = [plain(x.get_text(strip=True)) for x in html.select(".gift-choice .choice label")]
    assert labels[:2] == ["Pas de don cette fois", "25,00 $"] and labels[-1] == "Autre montant"
    assert html.find("input", {"name": "gift_amount", "value": ""}).has_attr("checked")
    assert "reçu officiel aux fins de l'impôt est délivré pour le don seulement" in plain(
        html.get_text(" ")
    )
    free = client.get(register_url(free_activity)).content.decode()
    assert "Ajouter un don" not in free


def test_a_gift_is_one_more_line_of_the_order_paid_once_and_receipted_alone(
    activity, pay, fake_stripe
):
    data = with_gift(activity, gift_amount="autre", gift_other="30,00", **ADDRESS)
    order, session_id = pay(register_url(activity), data)
    assert order.state == OrderState.PAID
    assert order.total == D("80.00")  # two tickets at 25 $ and the gift
    assert order.lines.count() == 2
    # Stripe's page shows the gift as its own line.
    items = fake_stripe.line_items[session_id]
    gift_items = [i for i in items if i["description"].startswith("Don")]
    assert [i["amount_total"] for i in gift_items] == [3000]
    # The official receipt is for the gift alone.
    donation = Donation.objects.get(order=order)
    assert donation.amount == D("30.00") and donation.donor_name == "Awa Diallo"
    receipt = donation.receipts.get()
    assert receipt.data["amount"] == "30.00" and receipt.data["eligible_amount"] == "30.00"
    assert receipt.data["donor_address"] == ["12, rue des Érables", "Québec (QC) G1R 2B5"]
    # The tickets too, in the same confirmation, with the receipt's PDF.
    assert Attendee.objects.filter(order_line__order=order).count() == 2
    [email] = [m for m in mail.outbox if m.to == ["awa@example.org"]]
    body = plain(email.body)
    assert "Votre reçu officiel aux fins de l'impôt sur le revenu" in body
    names = [part.get_filename() for part in email.attachments]
    assert f"recu-{receipt.number}.pdf" in names


def test_the_confirmation_thanks_an_english_buyer_in_english(activity, pay):
    """The gift's line names the French gift page: its thank-you was sent in French to a
    buyer who gave from the English site."""
    from donations.receipts import confirmation_extras

    data = with_gift(activity, gift_amount="autre", gift_other="25,00", **ADDRESS)
    order, _session_id = pay(register_url(activity), data)
    line = Donation.objects.get(order=order).order_line
    english = confirmation_extras(line, "en")
    assert "Thank you for supporting global-citizenship education!" in english["text"]
    assert "Merci de soutenir" not in english["text"] + english["html"]
    french = confirmation_extras(line, "fr")
    assert "Merci de soutenir l'éducation à la citoyenneté mondiale" in plain(french["text"])


def test_no_gift_chosen_means_no_gift_line(activity, pay):
    order, _session = pay(register_url(activity), with_gift(activity, gift_amount=""))
    assert order.total == D("50.00") and order.lines.count() == 1
    assert not Donation.objects.filter(order=order).exists()


@pytest.mark.parametrize(
    ("gift", "message"),
    [
        ({"gift_amount": "autre", "gift_other": "2"}, "Le don minimum en ligne est de 5,00 $."),
        (
            {"gift_amount": "autre", "gift_other": "douze"},
            "Indiquez le montant de votre don en dollars (par exemple 25 ou 25,50).",
        ),
        (
            {"gift_amount": "autre", "gift_other": "12,345"},
            "Le montant ne peut pas avoir plus de deux décimales.",
        ),
        (
            {"gift_amount": "autre", "gift_other": "9" * 30},
            "Indiquez un montant entre 5,00 $ et 10 000,00 $.",
        ),
        (
            {"gift_amount": "autre", "gift_other": "50000"},
            "Le don maximum en ligne est de 10 000,00 $. Pour un don plus important, "
            "communiquez avec nous.",
        ),
        # Not an amount written in dollars (Decimal reads them: 1e3 would be 1 000 $).
        (
            {"gift_amount": "autre", "gift_other": "1e26"},
            "Indiquez le montant de votre don en dollars (par exemple 25 ou 25,50).",
        ),
        (
            {"gift_amount": "autre", "gift_other": "1e999"},
            "Indiquez le montant de votre don en dollars (par exemple 25 ou 25,50).",
        ),
        # Past Decimal's precision once rounded to the cent: refused, not a server error.
        (
            {"gift_amount": "autre", "gift_other": "999999999999999"},
            "Le don maximum en ligne est de 10 000,00 $. Pour un don plus important, "
            "communiquez avec nous.",
        ),
        (
            {"gift_amount": "autre", "gift_other": "Infinity"},
            "Indiquez le montant de votre don en dollars (par exemple 25 ou 25,50).",
        ),
        ({"gift_amount": "13.00"}, "Choisissez un montant proposé ou indiquez le vôtre."),
        (
            {"gift_amount": "25.00", "gift_street": ""},
            "Indiquez votre adresse : le reçu officiel de don doit la porter.",
        ),
    ],
)
def test_bad_gifts_get_a_clear_message_and_nothing_is_held(client, activity, gift, message):
    data = with_gift(activity, **{**ADDRESS, **gift})
    response = client.post(register_url(activity), data)
    assert response.status_code == 400
    assert message in errors(response)
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()
    assert activity.upcoming_dates[0].seats_left() == 20


def test_the_receipts_address_fields_say_they_are_asked_with_a_gift(client, activity):
    """They are asked only with a gift: no « * » (always asked), but their labels say when."""
    html = BeautifulSoup(client.get(register_url(activity)).content, "html.parser")
    for name in ("gift_street", "gift_city", "gift_province", "gift_postal_code"):
        field = html.find(attrs={"name": name})
        label = plain(html.find("label", {"for": field["id"]}).get_text(" ", strip=True))
        assert label.endswith("pour le reçu (obligatoire avec un don)"), label


def test_no_address_asked_when_no_receipt_is_issued(client, activity, not_a_charity):
    html = BeautifulSoup(client.get(register_url(activity)).content, "html.parser")
    assert html.find("input", {"name": "gift_street"}) is None
    assert "ce n'est pas un reçu aux fins de l'impôt" in plain(html.get_text(" "))


def test_a_discount_code_does_not_reduce_the_gift(activity):
    from donations.checkout import offer
    from events import services as events

    DiscountCode.objects.create(code="MOITIE", kind="percent", value=50, scope="both")
    gift = offer().selection(D("40.00"), donor_name="Awa Diallo", address={})
    order = events.register(
        activity,
        date_id=activity.upcoming_dates[0].pk,
        tickets=[(regular(activity), 2, None)],
        buyer_name="Awa Diallo",
        buyer_email="awa@example.org",
        language="fr",
        discount_code="MOITIE",
        gift=gift,
    )
    given = order.lines.get(description__startswith="Don")
    tickets = order.lines.exclude(pk=given.pk).get()
    assert (given.unit_price, given.discount, given.net) == (D("40.00"), D("0.00"), D("40.00"))
    assert tickets.discount == D("25.00")
    assert order.total == D("65.00")


def test_a_gift_goes_with_a_card_payment_not_an_invoice(client, activity):
    activity.allow_invoice = True
    activity.save_revision().publish()
    data = with_gift(
        activity,
        gift_amount="25.00",
        payment="invoice",
        invoice_school="École de la Cité",
        invoice_email="secretariat@cite.example",
        **ADDRESS,
    )
    response = client.post(register_url(activity), data)
    assert response.status_code == 400
    assert any("Un don s'ajoute seulement à un paiement par carte" in e for e in errors(response))
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_refunding_the_mixed_order_voids_the_receipt(
    activity, pay, admin_user, django_capture_on_commit_callbacks
):
    order, _session = pay(
        register_url(activity), with_gift(activity, gift_amount="25.00", **ADDRESS)
    )
    receipt = Receipt.objects.get(donation__order=order)
    with django_capture_on_commit_callbacks(execute=True):
        services.refund(order, order.total, reason="Activité annulée", user=admin_user)
    receipt.refresh_from_db()
    assert receipt.status == Receipt.Status.VOID
    assert receipt.void_reason == "Don remboursé"


def test_returning_the_tickets_alone_keeps_the_receipt_the_gift_alone_voids_it(
    activity, pay, admin_user, django_capture_on_commit_callbacks
):
    order, _session = pay(
        register_url(activity), with_gift(activity, gift_amount="25.00", **ADDRESS)
    )
    receipt = Receipt.objects.get(donation__order=order)
    given = order.lines.get(description__startswith="Don")
    tickets = order.lines.exclude(pk=given.pk).get()
    with django_capture_on_commit_callbacks(execute=True):
        services.refund_line(order, tickets, 2, reason="Ne peut plus venir", user=admin_user)
    receipt.refresh_from_db()
    assert receipt.status == Receipt.Status.ISSUED
    with django_capture_on_commit_callbacks(execute=True):
        services.refund_line(order, given, 1, reason="Don fait par erreur", user=admin_user)
    receipt.refresh_from_db()
    assert receipt.status == Receipt.Status.VOID


def test_the_shop_checkout_adds_the_gift_to_the_same_order(
    client, add_to_cart, fake_stripe, deliver
):
    add_to_cart("CAF-PER-340", 1)
    page = client.get("/panier/commander/").content.decode()
    assert "Ajouter un don (facultatif)" in page
    data = {
        "buyer_name": "Awa Diallo",
        "buyer_email": "awa@example.org",
        "delivery": "office",
        "consent": "on",
        "website": "",
        "gift_amount": "50.00",
        **ADDRESS,
    }
    response = client.post("/panier/commander/", data)
    assert response.status_code == 302, errors(response)
    session_id = urlsplit(response["Location"]).path.rsplit("/", 1)[1]
    order = Order.objects.get(buyer_email="awa@example.org")
    assert order.kind == "shop"
    descriptions = [i["description"] for i in fake_stripe.line_items[session_id]]
    assert any(d.startswith("Don") for d in descriptions)
    assert order.lines.filter(unit_price=D("50.00"), description__startswith="Don").exists()
    press(response["Location"], "pay")
    deliver(last_event(fake_stripe, "checkout.session.completed"))
    assert Donation.objects.get(order=order).amount == D("50.00")


def test_the_shop_checkout_refuses_a_bad_gift_and_sells_nothing(client, add_to_cart):
    add_to_cart("CAF-PER-340", 1)
    data = {
        "buyer_name": "Awa Diallo",
        "buyer_email": "awa@example.org",
        "delivery": "office",
        "consent": "on",
        "website": "",
        "gift_amount": "autre",
        "gift_other": "1",
        **ADDRESS,
    }
    response = client.post("/panier/commander/", data)
    assert response.status_code == 400
    assert "Le don minimum en ligne est de 5,00 $." in errors(response)
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_a_gift_does_not_take_away_the_right_to_cancel_online(client, activity, pay):
    """The activity lets buyers cancel until its deadline; a gift added to the order has no
    deadline of its own and follows the order (cancelling gives it back, receipt voided)."""
    order, _session = pay(
        register_url(activity), with_gift(activity, gift_amount="25.00", **ADDRESS)
    )
    assert regular(activity).buyer_cancellation_deadline(order.lines.first()) is not None
    assert services.buyer_can_cancel(order)
    # The page that asks to confirm says so, receipt number included, before anything is done.
    number = Receipt.objects.get(donation__order=order).number
    page = plain(client.get(order.get_absolute_url() + "annuler/").content.decode())
    assert (
        f"Votre don de 25,00 $ vous sera remboursé avec la commande, et son reçu officiel "
        f"n° {number} sera annulé"
    ) in page
    services.cancel_by_buyer(order)
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert Receipt.objects.get(donation__order=order).status == Receipt.Status.VOID
    # …and the email that says the order is cancelled says it again.
    from orders.models import OutboxEmail

    email = OutboxEmail.objects.get(key=f"order_cancelled:{order.code}")
    assert f"son reçu officiel n° {number} sera annulé" in plain(email.body_text)
    assert f"son reçu officiel n° {number} sera annulé" in plain(email.body_html)


def test_cancelling_an_unpaid_order_with_a_gift_promises_no_refund(client, activity):
    """Nothing was paid: the page asking to confirm says nothing of a gift refunded."""
    response = client.post(
        register_url(activity), with_gift(activity, gift_amount="25.00", **ADDRESS)
    )
    assert response.status_code == 302
    order = Order.objects.get(buyer_email="awa@example.org")
    assert services.buyer_can_cancel(order)
    page = plain(client.get(order.get_absolute_url() + "annuler/").content.decode())
    assert "Annuler la commande" in page
    assert "remboursé" not in page


def test_a_shipped_order_s_gift_takes_the_delivery_address_for_its_receipt(
    client, add_to_cart, fake_stripe, deliver
):
    """Shipping to Toronto and adding a gift: the receipt's address is the one just typed for
    the parcel, not asked for again (nor left in Québec, the list's first province)."""
    add_to_cart("CAF-PER-340", 1)
    page = client.get("/panier/commander/").content.decode()
    assert "celle de la livraison sera utilisée" in page
    data = {
        "buyer_name": "Awa Diallo",
        "buyer_email": "awa@example.org",
        "delivery": "shipping",
        "address": "100, rue Queen Ouest",
        "address_2": "app. 4",
        "city": "Toronto",
        "province": "ON",
        "postal_code": "m5h-2n2",
        "consent": "on",
        "website": "",
        "gift_amount": "50.00",
        "gift_province": "QC",  # what the list shows first, never chosen
    }
    response = client.post("/panier/commander/", data)
    assert response.status_code == 302, errors(response)
    order = Order.objects.get(buyer_email="awa@example.org")
    press(response["Location"], "pay")
    deliver(last_event(fake_stripe, "checkout.session.completed"))
    gift = Donation.objects.get(order=order)
    assert (gift.street_address, gift.city, gift.province, gift.postal_code) == (
        "100, rue Queen Ouest app. 4",
        "Toronto",
        "ON",
        "M5H 2N2",
    )


def test_cancelling_the_date_cancels_a_registration_with_a_gift_whole(
    activity, pay, django_user_model, django_capture_on_commit_callbacks
):
    """A gift holds no place: cancelling the date cancels the order with its gift (refunded,
    its receipt voided), as before products in the same order were kept."""
    from events import staff
    from events.models import EventDate

    data = with_gift(activity, gift_amount="autre", gift_other="30,00", **ADDRESS)
    order, _session = pay(register_url(activity), data)
    date = EventDate.objects.filter(quota__order_lines__order=order).distinct().get()
    assert staff.lines_of_date_only(date, order) is None
    assert staff.date_refund(date, order) == order.total
    director = django_user_model.objects.create_user("direction", "dir@example.org", "pw")
    with django_capture_on_commit_callbacks(execute=False):
        staff.cancel_date(date, user=director, message="La salle est inondée.")
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert order.refunds.get().amount == order.total
