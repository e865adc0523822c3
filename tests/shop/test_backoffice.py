"""The shop team's back-office, used through the admin as staff use it: the orders to prepare,
an order's steps (each told to the buyer in their language), the pick list and packing slip,
returns per line, and who may see what."""

import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.urls import reverse

from orders.models import OrderLogEntry, OrderSettings, OutboxEmail
from shop.models import DeliveryMethod, FulfilmentStatus, ShopSettings
from tests.conftest import plain
from tests.shop.factories import paid_shop_order, place_shop_order

pytestmark = pytest.mark.django_db

ORDERS = reverse("shop_staff:orders")


@pytest.fixture
def login(client, demo_site):
    def as_user(username):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return as_user


@pytest.fixture
def boutique(login):
    return login("boutique")


@pytest.fixture
def staff_addresses(db):
    settings = OrderSettings.load()
    settings.staff_notification_emails = "boutique@cesiq.example"
    settings.save()
    return settings


def text_of(response):
    text = BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def codes_listed(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [a.get_text(strip=True) for a in html.select("table.listing tbody th a")]


def order_url(order):
    return reverse("shop_staff:order", args=[order.pk])


def step(client, order, status, **data):
    return client.post(order_url(order), {"statut": status, **data}, follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def emails_of(order, template):
    return OutboxEmail.objects.filter(order=order, key__startswith=f"shop/email/{template}:")


# --- the listing --------------------------------------------------------------------------------


def test_paid_shop_orders_are_listed_oldest_first_with_filters(boutique):
    recent = paid_shop_order(("CAF-PER-340", 1), paid_days_ago=1)
    old = paid_shop_order(("THE-DAR-100", 2), paid_days_ago=3)
    shipped = paid_shop_order(
        ("CHO-NOI-100", 1), method=DeliveryMethod.SHIPPING, shipping="12.00", paid_days_ago=2
    )
    pending = place_shop_order(("CAF-PER-340", 1))

    response = boutique.get(ORDERS)
    assert response.status_code == 200
    listed = codes_listed(response)
    assert listed.index(old.code) < listed.index(shipped.code) < listed.index(recent.code)
    assert pending.code not in listed

    listed = codes_listed(boutique.get(ORDERS, {"mode": "shipping"}))
    assert shipped.code in listed and old.code not in listed and recent.code not in listed

    old.fulfilment.status = FulfilmentStatus.HANDED_OVER
    old.fulfilment.save()
    assert old.code not in codes_listed(boutique.get(ORDERS))
    listed = codes_listed(boutique.get(ORDERS, {"statut": "handed_over"}))
    assert old.code in listed and recent.code not in listed
    # A made-up filter value shows the open orders, it does not fail.
    assert recent.code in codes_listed(boutique.get(ORDERS, {"statut": "perdue", "mode": "x"}))


# --- steps and the buyer's emails --------------------------------------------------------------


def test_an_office_pickup_goes_step_by_step_and_the_buyer_is_told_where_and_when(boutique):
    order = paid_shop_order(("CAF-PER-340", 2), ("THE-DAR-100", 1))
    page = boutique.get(order_url(order))
    assert page.status_code == 200
    text = text_of(page)
    assert "CAF-PER-340" in text and "THE-DAR-100" in text
    assert "Cueillette au bureau du CÉSIQ" in text
    html = page.content.decode()
    # Only the next step is offered.
    assert 'value="preparing"' in html
    assert 'value="ready"' not in html and 'value="shipped"' not in html

    # Skipping a step is refused and changes nothing.
    response = step(boutique, order, "ready")
    assert "ne peut pas passer à « Prête à récupérer »" in " ".join(messages_of(response))
    order.fulfilment.refresh_from_db()
    assert order.fulfilment.status == FulfilmentStatus.NEW
    assert not OutboxEmail.objects.filter(order=order, key__startswith="shop/").exists()

    # "En préparation" without telling the buyer.
    step(boutique, order, "preparing")
    order.fulfilment.refresh_from_db()
    assert order.fulfilment.status == FulfilmentStatus.PREPARING
    assert not emails_of(order, "order_preparing").exists()

    response = step(boutique, order, "ready")
    assert f"Commande {order.code} : Prête à récupérer." in messages_of(response)
    email = emails_of(order, "order_ready").get()
    assert email.to == "awa@example.org" and email.language == "fr"
    assert order.code in email.subject and "prête à récupérer" in email.subject
    hours = ShopSettings.load().pickup_hours
    assert hours in plain(email.body_text) and hours in plain(email.body_html)
    assert "au bureau du CÉSIQ" in email.body_text

    # Posting the same step twice changes nothing and sends nothing more.
    step(boutique, order, "ready")
    assert emails_of(order, "order_ready").count() == 1

    step(boutique, order, "handed_over")
    assert "Merci" in emails_of(order, "order_handed_over").get().body_text
    actions = list(
        OrderLogEntry.objects.filter(order=order, action__startswith="fulfilment:")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["fulfilment:preparing", "fulfilment:ready", "fulfilment:handed_over"]
    history = text_of(boutique.get(order_url(order)))
    assert "Préparation : Prête à récupérer" in history
    assert "Préparation : Remise" in history


def test_preparing_may_tell_the_buyer(boutique):
    order = paid_shop_order(("CAF-PER-340", 1))
    step(boutique, order, "preparing", aviser="on")
    assert "en préparation" in emails_of(order, "order_preparing").get().subject


def test_a_parcel_is_shipped_with_a_checked_tracking_number_and_link_in_english(boutique):
    order = paid_shop_order(
        ("CHO-NOI-100", 2),
        method=DeliveryMethod.SHIPPING,
        shipping="16.00",
        province="ON",
        language="en",
    )
    step(boutique, order, "preparing")
    page = boutique.get(order_url(order)).content.decode()
    assert 'value="shipped"' in page and 'value="ready"' not in page
    assert "123, rue Saint-Jean" in page and "ON" in page

    for data, message in [
        ({}, "Choisissez un transporteur de la liste."),
        ({"transporteur": "pigeon", "suivi": "123"}, "Étape de préparation inconnue."),
        ({"transporteur": "ups", "suivi": ""}, "Indiquez le numéro de suivi du colis."),
        (
            {"transporteur": "ups", "suivi": "https://evil.example/track"},
            "n'est pas un numéro de suivi UPS",
        ),
        ({"transporteur": "canada_post", "suivi": "1234"}, "n'est pas un numéro de suivi"),
    ]:
        response = step(boutique, order, "shipped", **data)
        assert any(message in m for m in messages_of(response)), (data, messages_of(response))
    order.fulfilment.refresh_from_db()
    assert order.fulfilment.status == FulfilmentStatus.PREPARING
    assert not emails_of(order, "order_shipped").exists()

    step(boutique, order, "shipped", transporteur="canada_post", suivi="7023 2100 3941 4604")
    order.fulfilment.refresh_from_db()
    assert order.fulfilment.tracking_number == "7023210039414604"
    email = emails_of(order, "order_shipped").get()
    assert email.language == "en"
    assert "has been shipped" in email.subject
    link = (
        "https://www.canadapost-postescanada.ca/track-reperage/en#/search?"
        "searchFor=7023210039414604"
    )
    assert link in email.body_text and link in email.body_html
    assert "Canada Post" in email.body_text
    # The buyer's receipt page says it too, with the same link, in their language.
    from django.test import Client
    from django.utils import translation

    with translation.override("en"):  # the link of an English buyer's emails
        url = order.get_absolute_url()
    receipt = BeautifulSoup(Client().get(url).content, "html.parser")
    section = receipt.find("h2", string="Getting the purchases").find_parent("section")
    assert "Status: Shipped" in section.get_text(" ", strip=True)
    assert section.find("a", href=link).get_text() == (
        "Track the parcel (Postes Canada / Canada Post, 7023210039414604)"
    )


def test_an_activity_pickup_tells_the_activity_and_its_date(boutique):
    from events.models import EventDate

    date = EventDate.objects.select_related("page").order_by("start").first()
    order = paid_shop_order(("THE-VER-100", 1), method=DeliveryMethod.ACTIVITY, pickup_date=date)
    step(boutique, order, "preparing")
    step(boutique, order, "ready")
    email = emails_of(order, "order_ready").get()
    assert date.page.title in plain(email.body_text)
    assert re.search(r"\d{4}", email.body_text)


def test_an_unpaid_or_cancelled_order_is_not_prepared(boutique):
    from orders import services

    pending = place_shop_order(("CAF-PER-340", 1))
    response = step(boutique, pending, "preparing")
    assert any("Seule une commande payée se prépare" in m for m in messages_of(response))
    cancelled = paid_shop_order(("CAF-PER-340", 1))
    services.cancel_order(cancelled, reason="test", refund=False)
    assert "ne se prépare pas" in text_of(boutique.get(order_url(cancelled)))
    response = step(boutique, cancelled, "preparing")
    assert any("Seule une commande payée se prépare" in m for m in messages_of(response))


def test_an_order_whose_articles_all_came_back_leaves_the_list(boutique):
    """Everything given back (returned, or its tickets cancelled with their date): it was
    listed « À préparer » with 0 articles."""
    from orders import services

    order = paid_shop_order(("CAF-PER-340", 2), ("CHO-NOI-100", 1))
    assert order.code in codes_listed(boutique.get(ORDERS))
    coffee, chocolate = order.lines.order_by("pk")
    services.refund_line(order, coffee, 2, reason="Sac percé", pay_back=False)
    assert order.code in codes_listed(boutique.get(ORDERS))  # the chocolate is still to go
    services.refund_line(order, chocolate, 1, reason="Fondu", pay_back=False)
    assert order.code not in codes_listed(boutique.get(ORDERS))


# --- printing -----------------------------------------------------------------------------------


def test_pick_list_groups_the_open_orders_items_by_variant(boutique):
    first = paid_shop_order(("CAF-PER-340", 2), ("THE-DAR-100", 1), paid_days_ago=2)
    second = paid_shop_order(("CAF-PER-340", 3), paid_days_ago=1)
    done = paid_shop_order(("CAF-PER-340", 7))
    done.fulfilment.status = FulfilmentStatus.HANDED_OVER
    done.fulfilment.save()

    response = boutique.get(reverse("shop_staff:pick_list"))
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    rows = {
        cells[1]: cells[3]
        for cells in (
            [td.get_text(strip=True) for td in tr.select("td")] for tr in html.select("tbody tr")
        )
    }
    assert rows["CAF-PER-340"] == "5"
    assert rows["THE-DAR-100"] == "1"
    assert first.code in html.get_text() and second.code in html.get_text()
    assert done.code not in html.get_text()
    assert "@media print" in response.content.decode()
    assert "<script" not in response.content.decode()

    chosen = boutique.get(reverse("shop_staff:pick_list"), {"commande": [second.pk, "x"]})
    text = text_of(chosen)
    assert "THE-DAR-100" not in text and second.code in text and first.code not in text


def test_packing_slip_shows_where_it_goes_and_what_is_in_it(boutique):
    order = paid_shop_order(("CHO-NOI-100", 2), method=DeliveryMethod.SHIPPING, shipping="12.00")
    response = boutique.get(reverse("shop_staff:packing_slip", args=[order.pk]))
    assert response.status_code == 200
    text = text_of(response)
    assert order.code in text and "CHO-NOI-100" in text
    assert "123, rue Saint-Jean" in text and "H2X 1Y4" in text
    assert "<script" not in response.content.decode()
    assert "Merci d'avoir choisi le commerce équitable !" in text


def test_an_english_buyers_packing_slip_is_in_english_around_staffs_toolbar(boutique):
    """It goes in the parcel: an English buyer read « Contenu », « Quantité », « Merci… »."""
    order = paid_shop_order(("CHO-NOI-100", 2), method=DeliveryMethod.SHIPPING, shipping="12.00")
    order.language = "en"
    order.save(update_fields=["language"])
    text = text_of(boutique.get(reverse("shop_staff:packing_slip", args=[order.pk])))
    assert "Retour à la commande" in text  # staff's own line stays in theirs
    assert "Contents" in text and "Quantity" in text
    assert "Thank you for choosing fair trade!" in text
    assert "Contenu" not in text and "Merci d'avoir choisi" not in text


# --- the staff notice of a new order ---------------------------------------------------------


def test_staff_are_told_what_to_prepare_and_how_it_leaves(staff_addresses):
    order = paid_shop_order(
        ("CAF-PER-340", 2), ("THE-DAR-100", 1), method=DeliveryMethod.SHIPPING, shipping="12.00"
    )
    notice = OutboxEmail.objects.get(order=order, key__startswith="staff_new_order:")
    assert "À préparer" in notice.body_text
    assert "2 × " in notice.body_text and "CAF-PER-340" in notice.body_text
    assert "Livraison par la poste" in notice.body_text
    assert "123, rue Saint-Jean" in notice.body_text
    assert order_url(order) in notice.body_text and order_url(order) in notice.body_html


# --- who sees what ------------------------------------------------------------------------------


def denied(response):
    return response.status_code == 403 or (
        response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    )


def test_only_the_shop_team_and_administrators_reach_the_shop_back_office(login):
    order = paid_shop_order(("CAF-PER-340", 1))
    line = order.lines.get()
    pages = [
        ORDERS,
        order_url(order),
        reverse("shop_staff:pick_list"),
        reverse("shop_staff:packing_slip", args=[order.pk]),
        reverse("shop_staff:return_line", args=[order.pk, line.pk]),
        reverse("shop_staff:stock"),
        reverse("shop_staff:stock_variant", args=[line.object_id]),
    ]
    for username in ("boutique", "administration"):
        client = login(username)
        for url in pages:
            assert client.get(url).status_code == 200, (username, url)
        assert order.code in codes_listed(client.get(ORDERS))
    for username in ("redaction", "billetterie"):
        client = login(username)
        for url in pages:
            response = client.get(url)
            assert denied(response), (username, url, response.status_code)
            assert order.buyer_email not in response.content.decode()
        response = step(client, order, "preparing")
        order.fulfilment.refresh_from_db()
        assert order.fulfilment.status == FulfilmentStatus.NEW


def test_editors_never_see_orders(login):
    order = paid_shop_order(("CAF-PER-340", 1))
    client = login("redaction")
    for url in ["/admin/orders/", reverse("order:inspect", args=[order.pk]), ORDERS]:
        response = client.get(url)
        assert denied(response), url
        assert order.code not in response.content.decode()
    assert "/admin/boutique/" not in client.get("/admin/").content.decode()


def test_the_shop_menu_shows_for_the_shop_team(login):
    html = login("boutique").get("/admin/").content.decode()
    assert ORDERS in html and reverse("shop_staff:stock") in html


def test_ready_to_pick_up_lists_only_the_articles_left_to_hand_over(boutique):
    """Not a gift added at checkout (« 1 × Don » was listed as something to pick up), nor
    what was given back."""
    from django.contrib.contenttypes.models import ContentType

    from donations.models import DonationPage
    from orders.models import OrderLine

    order = paid_shop_order(("CAF-PER-340", 2), ("THE-DAR-100", 1))
    gift = DonationPage.objects.first()
    OrderLine.objects.create(
        order=order,
        content_type=ContentType.objects.get_for_model(DonationPage),
        object_id=gift.pk,
        description="Don",
        unit_price=25,
        quantity=1,
        tax_category="exempt",
    )
    OrderLine.objects.filter(order=order, description__startswith="Thé").update(returned_quantity=1)
    step(boutique, order, "preparing")
    step(boutique, order, "ready")
    email = emails_of(order, "order_ready").get()
    listed = [line for line in email.body_text.splitlines() if line.startswith("- ")]
    assert len(listed) == 1 and listed[0].startswith("- 2 × Café")
    assert "Don" not in email.body_html and "Thé" not in email.body_html
    assert "2 × Café" in plain(email.body_html)


def test_the_door_lists_only_the_articles_left_to_hand_over(boutique):
    from events.models import EventDate
    from orders.models import OrderLine
    from shop.registrations import orders_to_hand_over

    date = EventDate.objects.order_by("start").first()
    order = paid_shop_order(
        ("CAF-PER-340", 2), ("THE-DAR-100", 1), method=DeliveryMethod.ACTIVITY, pickup_date=date
    )
    OrderLine.objects.filter(order=order, description__startswith="Thé").update(returned_quantity=1)
    OrderLine.objects.filter(order=order, description__startswith="Café").update(
        returned_quantity=1
    )
    [handover] = [h for h in orders_to_hand_over(date) if h.code == order.code]
    assert handover.summary.startswith("1 × Café") and "Thé" not in handover.summary


def test_an_order_to_pick_up_at_a_cancelled_activity_is_moved_to_the_office(
    boutique, django_capture_on_commit_callbacks
):
    """The box office cancelled the date: the order was flagged « À traiter », which the shop
    team could neither see on its page nor clear, and its page still said the activity."""
    from events import staff
    from events.models import EventDate

    date = EventDate.objects.filter(status="scheduled").order_by("start").first()
    order = paid_shop_order(("THE-VER-100", 1), method=DeliveryMethod.ACTIVITY, pickup_date=date)
    assert "La faire récupérer au bureau" not in text_of(boutique.get(order_url(order)))
    director = get_user_model().objects.get(username="admin")
    with django_capture_on_commit_callbacks(execute=True):
        staff.cancel_date(date, user=director, message="Annulée.")
    order.refresh_from_db()
    assert order.attention
    page = text_of(boutique.get(order_url(order)))
    assert f"À traiter : {order.attention}" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = boutique.post(order_url(order), {"cueillette": "bureau"}, follow=True)
    assert (
        f"Commande {order.code} : elle se récupère maintenant au bureau ; l'acheteur ou "
        "l'acheteuse en est prévenu par courriel." in text_of(response)
    )
    order.refresh_from_db()
    assert order.attention == ""
    assert order.fulfilment.method == DeliveryMethod.OFFICE
    assert order.fulfilment.pickup_date is None
    assert order.log_entries.filter(action="flag_resolved").exists()
    email = OutboxEmail.objects.get(key=f"shop/email/pickup_moved:{order.code}")
    assert "vous la récupérerez plutôt au bureau du CÉSIQ" in plain(email.body_text)
    assert "au bureau du CÉSIQ" in plain(email.body_text)
    # Done once: the button is gone, and sent again it changes nothing.
    assert "La faire récupérer au bureau" not in text_of(response)
    response = boutique.post(order_url(order), {"cueillette": "bureau"}, follow=True)
    assert "rien n'a changé" in text_of(response)


def test_a_ready_order_moved_to_the_office_is_said_ready_and_another_flag_stays(
    boutique, django_capture_on_commit_callbacks
):
    """A ready order moved to the office was told « Nous vous écrirons dès qu'elle sera
    prête », an email that never came (it was ready already). And moving it cleared whatever
    the order was flagged for, a dispute arrived since included."""
    from events import staff
    from events.models import EventDate
    from orders import services

    date = EventDate.objects.filter(status="scheduled").order_by("start").first()
    order = paid_shop_order(("THE-VER-100", 1), method=DeliveryMethod.ACTIVITY, pickup_date=date)
    step(boutique, order, "preparing")
    step(boutique, order, "ready")
    director = get_user_model().objects.get(username="admin")
    with django_capture_on_commit_callbacks(execute=True):
        staff.cancel_date(date, user=director, message="Annulée.")
    order.refresh_from_db()
    services.flag(order, "Contestation ouverte : répondre avant le 12 décembre.")
    with django_capture_on_commit_callbacks(execute=True):
        boutique.post(order_url(order), {"cueillette": "bureau"}, follow=True)
    order.refresh_from_db()
    assert order.fulfilment.method == DeliveryMethod.OFFICE
    assert order.attention == "Contestation ouverte : répondre avant le 12 décembre."
    assert order.log_entries.filter(action="pickup_moved").exists()
    email = OutboxEmail.objects.get(key=f"shop/email/pickup_moved:{order.code}")
    assert "Elle est prête : vous pouvez venir la chercher." in plain(email.body_text)
    assert "dès qu'elle sera prête" not in plain(email.body_html)


def test_a_tracking_number_typed_wrong_is_corrected_and_the_buyer_sent_the_right_one(boutique):
    """Once « Expédiée », a typo in the tracking number stayed in the email and the link."""
    order = paid_shop_order(("CHO-NOI-100", 1), method=DeliveryMethod.SHIPPING, shipping="16.00")
    step(boutique, order, "preparing")
    assert "Corriger le suivi" not in text_of(boutique.get(order_url(order)))
    step(boutique, order, "shipped", transporteur="canada_post", suivi="7023210039414604")
    assert "Corriger le suivi" in text_of(boutique.get(order_url(order)))

    fix = {"corriger": "1", "transporteur": "canada_post", "suivi": "7023 2100 3941 4605"}
    response = boutique.post(order_url(order), fix, follow=True)
    assert f"Commande {order.code} : suivi corrigé" in text_of(response)
    order.fulfilment.refresh_from_db()
    assert order.fulfilment.tracking_number == "7023210039414605"
    corrected = emails_of(order, "order_shipped").order_by("pk").last()
    assert "Le suivi de votre commande" in plain(corrected.body_text)
    assert "searchFor=7023210039414605" in corrected.body_text
    assert order.log_entries.filter(action="tracking_corrected").exists()
    # Back to the first number, then to the right one again: an email each time.
    for number in ("7023210039414604", "7023210039414605"):
        fix = {**fix, "suivi": number}
        boutique.post(order_url(order), fix, follow=True)
        latest = emails_of(order, "order_shipped").order_by("pk").last()
        assert f"searchFor={number}" in latest.body_text
    # The same again, or a number that is none: refused, nothing sent.
    sent = emails_of(order, "order_shipped").count()
    for data, message in [
        (fix, "C'est déjà le transporteur et le numéro enregistrés."),
        ({**fix, "suivi": "1234"}, "n'est pas un numéro de suivi"),
    ]:
        response = boutique.post(order_url(order), data, follow=True)
        assert any(message in m for m in messages_of(response)), messages_of(response)
    assert emails_of(order, "order_shipped").count() == sent


def test_a_letter_is_shipped_without_a_tracking_number(boutique):
    """Shipping demanded a number: untracked letter mail could not be recorded."""
    order = paid_shop_order(("CHO-NOI-100", 1), method=DeliveryMethod.SHIPPING, shipping="16.00")
    step(boutique, order, "preparing")
    response = step(boutique, order, "shipped", transporteur="lettermail", suivi="")
    assert f"Commande {order.code} : Expédiée." in messages_of(response)
    email = emails_of(order, "order_shipped").get()
    assert "Numéro de suivi" not in email.body_text and "Suivre le colis" not in email.body_text
    assert "poste-lettres (sans suivi)" in email.body_text


def test_the_pickup_flag_reads_the_same_whatever_the_staff_members_time_zone(boutique):
    """Wagtail's admin uses each staff member's time zone: a flag written by one in Paris was
    not found again by one in Québec, and moving the pickup left it « À traiter »."""
    from django.utils import timezone

    from events.models import EventDate
    from events.staff import handover_flag

    date = EventDate.objects.order_by("start").first()
    with timezone.override("Europe/Paris"):
        in_paris = handover_flag(date)
    with timezone.override("America/Vancouver"):
        assert handover_flag(date) == in_paris
