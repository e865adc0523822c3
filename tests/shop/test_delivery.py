"""Checkout delivery: pickup at the office or at an activity, or shipping in Canada at the
zone's flat rate (free from the threshold), with taxes by destination; the totals shown (also
after "Recalculer", without JavaScript) are the totals charged."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.utils import timezone

from orders.models import DiscountCode, Order
from shop.delivery import Destination, postal_code_matches, shipping_charge
from shop.models import Fulfilment, ShopSettings
from tests.conftest import plain
from tests.shop.test_checkout import CHECKOUT, checkout_data, errors, taxes_on  # noqa: F401

pytestmark = pytest.mark.django_db
D = Decimal

ONTARIO = {
    "delivery": "shipping",
    "address": "100, rue Queen",
    "city": "Ottawa",
    "province": "ON",
    "postal_code": "k1p 1j9",
    "phone": "",
}


def totals(response):
    """{"subtotal": "24,40 $", …} as the summary shows them."""
    html = BeautifulSoup(response.content, "html.parser")
    return {
        cell["data-total"]: cell.get_text(" ", strip=True).replace("\xa0", " ")
        for cell in html.select("#checkout-summary [data-total]")
    }


def row_labels(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [plain(th.get_text(" ", strip=True)) for th in html.select("#checkout-summary th")]


@pytest.fixture
def basket(client, shop_fr, add_to_cart):
    """Two chocolate bars (taxable) and a bag of coffee (zero-rated): 24,40 $ of goods."""
    add_to_cart("CHO-NOI-100", 2)
    add_to_cart("CAF-PER-340", 1)


def recalculate(client, **data):
    return client.post(CHECKOUT, {**checkout_data(), **data, "recalculer": "1"})


def test_ontario_pays_hst_and_pickup_pays_gst_and_qst_exactly(client, basket, taxes_on):  # noqa: F811
    # Shipping to Ontario: 16,00 $ (east zone), split like the goods: 9,90 / 24,40 of it
    # (6,49) taxable; HST 13 % of 9,90 + 6,49 = 2,13.
    shipped = recalculate(client, **ONTARIO)
    assert shipped.status_code == 200
    assert totals(shipped) == {
        "subtotal": "24,40 $",
        "shipping": "16,00 $",
        "hst": "2,13 $",
        "total": "42,53 $",
    }
    assert "TVH (13 %, ON)" in row_labels(shipped)
    assert not errors(shipped)  # nothing asked for yet: recalculating is not paying

    # Pickup: GST 5 % of 9,90 = 0,495 → 0,50; QST 9,975 % of 9,90 = 0,987525 → 0,99.
    picked_up = recalculate(client, delivery="office")
    assert totals(picked_up) == {
        "subtotal": "24,40 $",
        "shipping": "gratuite",
        "gst": "0,50 $",
        "qst": "0,99 $",
        "total": "25,89 $",
    }

    # The order placed for Ontario charges exactly what the page showed.
    response = client.post(CHECKOUT, checkout_data(**ONTARIO))
    assert response.status_code == 302, errors(response)
    order = Order.objects.get(buyer_email="awa@example.org")
    assert (order.subtotal, order.shipping, order.gst, order.qst, order.hst, order.total) == (
        D("24.40"),
        D("16.00"),
        D("0.00"),
        D("0.00"),
        D("2.13"),
        D("42.53"),
    )
    assert order.tax_province == "ON"
    assert f"{order.total}".replace(".", ",") + " $" == totals(shipped)["total"]
    fulfilment = Fulfilment.objects.get(order=order)
    assert (fulfilment.method, fulfilment.province, fulfilment.postal_code, fulfilment.city) == (
        "shipping",
        "ON",
        "K1P 1J9",
        "Ottawa",
    )
    assert fulfilment.recipient == "Awa Diallo"


def test_the_hst_line_names_the_rate_of_printed_books(client, shop_fr, add_to_cart, taxes_on):  # noqa: F811
    """Printed books pay 5 % in an HST province (the provincial part is rebated): the HST line
    never says 13 % beside an amount that is 5 % of a book, on the page, the receipt and at
    Stripe."""
    from orders import services
    from orders.stripe_gateway import checkout_line_items

    add_to_cart("LIV-CEQ-01", 1)  # a printed book alone: 24,95 $ + 16,00 $ of shipping
    books_only = recalculate(client, **ONTARIO)
    assert totals(books_only)["hst"] == "2,05 $"  # 5 % of 40,95
    assert "TVH (5 %, ON, livres imprimés)" in row_labels(books_only)
    assert not any("13 %" in label for label in row_labels(books_only))

    add_to_cart("CHO-NOI-100", 1)  # and a chocolate bar at the full rate
    mixed = recalculate(client, **ONTARIO)
    assert "TVH (13 %, ON ; livres imprimés 5 %)" in row_labels(mixed)
    client.post(CHECKOUT, checkout_data(**ONTARIO))
    order = Order.objects.get(buyer_email="awa@example.org")
    assert order.hst == D(totals(mixed)["hst"].replace(",", ".").removesuffix(" $"))
    services.confirm(order, message="test")
    text = plain(BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser").text)
    assert "TVH (13 %, ON ; livres imprimés 5 %)" in text
    names = [item["price_data"]["product_data"]["name"] for item in checkout_line_items(order)]
    assert any(plain(name).startswith("TVH (13 %, ON ; livres imprimés 5 %)") for name in names)


def test_pickup_order_total_equals_the_page(client, basket, taxes_on):  # noqa: F811
    shown = totals(client.get(CHECKOUT))
    assert shown["total"] == "25,89 $"
    response = client.post(CHECKOUT, checkout_data())
    assert response.status_code == 302
    order = Order.objects.get(buyer_email="awa@example.org")
    assert (order.gst, order.qst, order.hst, order.total, order.tax_province) == (
        D("0.50"),
        D("0.99"),
        D("0.00"),
        D("25.89"),
        "QC",
    )
    assert Fulfilment.objects.get(order=order).method == "office"


def test_alberta_pays_gst_alone_at_the_west_rate(client, basket, taxes_on):  # noqa: F811
    response = recalculate(
        client, **{**ONTARIO, "province": "AB", "city": "Calgary", "postal_code": "T2P 1J9"}
    )
    # 20,00 $ west rate; GST 5 % of 9,90 + 20,00 × 9,90 / 24,40 (8,11) = 0,90.
    assert totals(response) == {
        "subtotal": "24,40 $",
        "shipping": "20,00 $",
        "gst": "0,90 $",
        "total": "45,30 $",
    }


def test_free_shipping_from_the_threshold_of_goods_after_discount(
    client,
    shop_fr,
    add_to_cart,
):
    add_to_cart("CAF-PER-1KG", 2)  # 72,00 $
    add_to_cart("CHO-NOI-100", 1)  # 76,95 $ in all
    assert totals(recalculate(client, **ONTARIO))["shipping"] == "gratuite"
    DiscountCode.objects.create(code="SOLIDAIRE", kind="percent", value=10, scope="shop")
    # 10 % off each line (7,20 + 0,50): 69,25 $ of goods, under the 75,00 $ threshold:
    # shipping is charged.
    discounted = recalculate(client, **ONTARIO, discount_code="solidaire")
    assert totals(discounted) == {
        "subtotal": "76,95 $",
        "discount": "−7,70 $",
        "shipping": "16,00 $",
        "total": "85,25 $",
    }


def test_a_discount_code_for_tickets_only_is_refused_on_a_shop_order(client, basket):
    DiscountCode.objects.create(code="BILLETS", kind="percent", value=10, scope="tickets")
    response = recalculate(client, discount_code="BILLETS")
    assert (
        "Le code de rabais « BILLETS » s'applique aux inscriptions aux activités seulement : "
        "entrez-le dans le formulaire d'inscription de l'activité."
    ) in errors(response)
    assert totals(response)["total"] == "24,40 $"
    response = client.post(CHECKOUT, checkout_data(discount_code="BILLETS"))
    assert response.status_code == 400
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()
    # Said once in the page's summary of errors, not twice, linked to the code's field.
    html = BeautifulSoup(response.content, "html.parser")
    said = [li for li in html.select(".error-summary li") if "« BILLETS »" in plain(li.get_text())]
    assert len(said) == 1, said
    field = html.find("input", {"name": "discount_code"})
    assert said[0].a["href"] == "#" + field["id"]
    assert field.get("aria-invalid") == "true"


def test_a_members_code_in_the_cart_says_where_it_gives_members_prices(client, basket):
    """« MEMBRE2026 » was refused as « n'est pas valide », while the registration form takes
    it: the buyer is told where it works."""
    response = recalculate(client, discount_code="MEMBRE2026")
    assert (
        "« MEMBRE2026 » est un code de membre : il donne le tarif des membres sur le "
        "formulaire d'inscription d'une activité (« S'inscrire »), pas dans le panier."
    ) in errors(response)
    assert "n'est pas valide" not in " ".join(errors(response))
    assert totals(response)["total"] == "24,40 $"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"postal_code": "G1R 2B5"},
            "Le code postal G1R 2B5 n'est pas un code de la province choisie (Ontario) : les "
            "codes postaux de cette province commencent par K, L, M, N, P.",
        ),
        ({"postal_code": "12345"}, "Entrez un code postal canadien, par exemple G1R 2B5."),
        ({"postal_code": "D1R 2B5"}, "Entrez un code postal canadien, par exemple G1R 2B5."),
        ({"province": "ZZ"}, "Choisissez une province ou un territoire du Canada."),
        ({"city": ""}, "« Ville » est requis pour une livraison."),
        (
            {"phone": "☎️ pas un numéro"},
            "Indiquez un numéro de téléphone, par exemple 418 555-0199 (poste 12).",
        ),
        (
            {"phone": "555-0199"},
            "Indiquez un numéro de téléphone, par exemple 418 555-0199 (poste 12).",
        ),
        ({"address": ""}, "« Adresse » est requis pour une livraison."),
        ({"delivery": "drone"}, "Choisissez un mode de réception proposé."),
        (
            {"delivery": "activity", "pickup_date": "999999"},
            "Cette activité n'est plus proposée : choisissez-en une autre.",
        ),
        (
            {"delivery": "activity", "pickup_date": ""},
            "Choisissez l'activité où vous récupérerez votre commande.",
        ),
    ],
)
def test_bad_delivery_input_is_refused_and_sells_nothing(client, basket, overrides, message):
    response = client.post(CHECKOUT, checkout_data(**{**ONTARIO, **overrides}))
    assert response.status_code == 400
    assert message in errors(response), errors(response)
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()
    assert not Fulfilment.objects.filter(order__buyer_email="awa@example.org").exists()


def test_postal_code_mismatch_in_english(client, basket):
    response = client.post(
        "/en/cart/checkout/", checkout_data(**{**ONTARIO, "postal_code": "V6B 1A1"})
    )
    assert response.status_code == 400
    assert (
        "The postal code V6B 1A1 is not in the chosen province (Ontario): postal codes "
        "there begin with K, L, M, N, P." in errors(response)
    )


@pytest.mark.parametrize(
    ("postal_code", "province", "matches"),
    [
        ("G1R 2B5", "QC", True),
        ("H2X 1Y4", "QC", True),
        ("J8Y 3R9", "QC", True),
        ("K1P 1J9", "ON", True),
        ("M5V 2T6", "ON", True),
        ("B3H 4R2", "NS", True),
        ("X0A 0H0", "NU", True),
        ("X1A 2L9", "NT", True),
        ("Y1A 1B1", "YT", True),
        ("T2P 1J9", "BC", False),
        ("G1R 2B5", "ON", False),
    ],
)
def test_postal_codes_by_province(postal_code, province, matches):
    assert postal_code_matches(postal_code, province) is matches


@pytest.mark.parametrize(
    ("province", "goods", "rate"),
    [
        ("QC", "10.00", "12.00"),
        ("ON", "10.00", "16.00"),
        ("NL", "10.00", "16.00"),
        ("MB", "10.00", "20.00"),
        ("BC", "74.99", "20.00"),
        ("NU", "10.00", "35.00"),
        ("NU", "75.00", "0.00"),
    ],
)
def test_flat_rates_by_zone_from_the_shop_settings(db, province, goods, rate):
    assert shipping_charge(Destination("shipping", province), D(goods)) == D(rate)
    assert shipping_charge(Destination("office"), D(goods)) == D("0.00")


def test_rates_are_edited_in_the_shop_settings(client, basket):
    settings = ShopSettings.load()
    settings.shipping_east = D("9.50")
    settings.save()
    assert totals(recalculate(client, **ONTARIO))["shipping"] == "9,50 $"


def test_shipped_order_receipt_and_emails_show_shipping_hst_and_address(
    client,
    basket,
    taxes_on,  # noqa: F811
    django_capture_on_commit_callbacks,
    django_user_model,
):
    from orders import services

    client.post(CHECKOUT, checkout_data(**ONTARIO))
    order = Order.objects.get(buyer_email="awa@example.org")
    taxes_on.staff_notification_emails = "boutique@cesiq.example"
    taxes_on.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm(order, message="test")
    page = BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser")
    text = page.get_text(" ", strip=True).replace("\xa0", " ")
    assert "Livraison 16,00 $" in text
    assert "TVH (13 %, ON) — 123456789 RT0001 2,13 $" in text
    assert "Livraison par la poste" in text and "Ottawa (ON) K1P 1J9" in text
    [buyer] = [m for m in mail.outbox if m.to == ["awa@example.org"]]
    buyer.body = buyer.body.replace("\xa0", " ")
    assert "TVH (13 %, ON) : 2,13 $" in buyer.body
    assert "Livraison : 16,00 $" in buyer.body
    assert "100, rue Queen" in buyer.body and "N° de TPS/TVH : 123456789 RT0001" in buyer.body
    html = buyer.alternatives[0][0].replace("\xa0", " ")
    assert "TVH (13 %, ON)" in html and "Ottawa (ON) K1P 1J9" in html
    [staff] = [m for m in mail.outbox if m.to == ["boutique@cesiq.example"]]
    staff.body = staff.body.replace("\xa0", " ")
    assert "TVH (13 %, ON) : 2,13 $" in staff.body and "Ottawa (ON) K1P 1J9" in staff.body
    # The order's admin page shows how it leaves and where to, as the receipt does.
    from django.urls import reverse

    client.force_login(django_user_model.objects.create_superuser("dir-liv", "d@e.org", "pw"))
    admin = BeautifulSoup(
        client.get(reverse("order:inspect", args=[order.pk])).content, "html.parser"
    )
    shown = admin.get_text(" ", strip=True).replace("\xa0", " ")
    assert "Livraison par la poste" in shown and "Ottawa (ON) K1P 1J9" in shown
    # Its totals add up, delivery and HST included: 24,40 + 16,00 + 2,13 = 42,53.
    totals = [
        " ".join(cell.get_text(" ", strip=True).replace("\xa0", " ").split())
        for cell in admin.select(".order-totals dt, .order-totals dd")
    ]
    assert totals[:10] == [
        "Sous-total", "24,40 $", "Livraison", "16,00 $",
        "TVH (13 %, ON) (123456789 RT0001)", "2,13 $", "Total", "42,53 $", "Reçu", "0,00 $",
    ]  # fmt: skip
    # So does the orders' spreadsheet, which says when in the office's time.
    import csv
    import io

    export = client.get("/admin/orders/", {"export": "csv", "q": order.code})
    [heading, row] = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    cells = dict(zip(heading, row, strict=True))
    assert (cells["Livraison"], cells["TVH"], cells["Total"], cells["Remboursé"]) == (
        "16.00", "2.13", "42.53", "0.00",
    )  # fmt: skip
    assert cells["Créée le"] == timezone.localtime(order.created_at).strftime("%Y-%m-%d %H:%M")


def test_a_shipping_address_is_exported_and_erased_for_law_25(client, basket, django_user_model):
    from orders.privacy.service import erase_person, export_person, find_person

    client.post(CHECKOUT, checkout_data(**{**ONTARIO, "phone": "613 555-0100"}))
    order = Order.objects.get(buyer_email="awa@example.org")
    found = find_person("awa@example.org")
    assert "1 adresse de livraison" in found.summary
    [address] = export_person("awa@example.org")["shipping_addresses"]
    assert (address["order"], address["address"], address["phone"]) == (
        order.code,
        "100, rue Queen",
        "613 555-0100",
    )
    assert found.still_running == []  # not paid: nothing waits to be sent
    # Paid and not yet shipped: said before its address is erased (it could not be sent).
    Order.objects.filter(pk=order.pk).update(state="paid")
    assert find_person("awa@example.org").still_running == [
        f"1 commande payée pas encore expédiée ({order.code}) : une fois l'adresse de "
        "livraison effacée, elle ne pourra plus l'être."
    ]
    staff = django_user_model.objects.create_superuser("vieprivee", "v@example.org", "pw")
    erase_person("awa@example.org", user=staff)
    fulfilment = Fulfilment.objects.get(order=order)
    assert (fulfilment.recipient, fulfilment.address, fulfilment.city, fulfilment.phone) == (
        "",
        "",
        "",
        "",
    )
    assert fulfilment.province == "ON"  # the taxes charged depend on it
    assert export_person("awa@example.org")["shipping_addresses"] == []


def test_stripe_checkout_lines_add_up_to_a_shipped_order_total(client, basket, taxes_on):  # noqa: F811
    """What the buyer is asked to pay at Stripe is the order's total: the delivery and the HST
    are lines of their own (a payment of any other amount is refunded as a mismatch)."""
    from django.utils.translation import override

    from orders.money import to_cents
    from orders.stripe_gateway import checkout_line_items

    response = client.post(CHECKOUT, checkout_data(**ONTARIO))
    assert response.status_code == 302, errors(response)
    order = Order.objects.get(buyer_email="awa@example.org")
    with override("fr"):
        items = checkout_line_items(order)
    names = [item["price_data"]["product_data"]["name"] for item in items]
    assert "Livraison" in names
    assert any(name.startswith("TVH (13 %, ON)") for name in names)
    charged = sum(item["price_data"]["unit_amount"] * item["quantity"] for item in items)
    assert charged == to_cents(order.total) == 4253


def test_a_gift_beside_shipped_goods_leaves_the_delivery_taxed(client, basket, taxes_on):  # noqa: F811
    """The delivery's HST follows the goods in the parcel, not a gift added to the order:
    counted in the split, an exempt 500 $ gift made most of the 16,00 $ delivery untaxed."""
    gift = {
        "gift_amount": "autre",
        "gift_other": "500",
        "gift_street": "100, rue Queen",
        "gift_city": "Ottawa",
        "gift_province": "ON",
        "gift_postal_code": "K1P 1J9",
    }
    response = client.post(CHECKOUT, checkout_data(**ONTARIO, **gift))
    assert response.status_code == 302, errors(response)
    order = Order.objects.get(buyer_email="awa@example.org")
    assert (order.shipping, order.hst, order.total) == (D("16.00"), D("2.13"), D("542.53"))


def test_trying_discount_codes_is_limited_but_recalculating_is_not(client, basket):
    """The summary says whether a code exists: twenty tries in ten minutes, then a 429; the
    totals can still be recalculated without a code, and another client is not limited."""
    for n in range(20):
        assert recalculate(client, discount_code=f"ESSAI{n}").status_code == 200
    response = recalculate(client, discount_code="SOLIDAIRE")
    assert response.status_code == 429
    assert "Rien n'a été enregistré." in response.content.decode()
    assert "Si vous inscrivez un groupe" not in response.content.decode()  # a cart, not a group
    assert recalculate(client).status_code == 200
    other = client.post(
        CHECKOUT,
        {**checkout_data(), "discount_code": "ESSAI", "recalculer": "1"},
        REMOTE_ADDR="198.51.100.9",
    )
    assert other.status_code == 200


def test_pickup_is_offered_only_at_activities_cesiq_holds_at_a_known_place(db, demo_site):
    """The demo's week against racism is run by partners (registration on their site) and has
    no venue: nobody from CÉSIQ would be there to hand an order over."""
    from events.models import EventDate
    from shop.delivery import pickup_dates

    offered = pickup_dates()
    assert offered
    assert all(d.page.venue_id and not d.page.external_registration_url for d in offered)
    partners = EventDate.objects.filter(page__external_registration_url__gt="")
    assert partners.exists()
    assert not set(partners) & set(offered)
    # Nor at a school's session: one class, not the public.
    schools = EventDate.objects.filter(page__audience="scolaire", start__gt=timezone.now())
    assert schools.exists()
    assert not set(schools) & set(offered)


def test_a_postal_code_typed_with_a_hyphen_and_spaces_is_taken(client, basket):
    """« K1P-1J9 » and « k1p  1j9 » are how people write it (tests/cesiq_site/test_postal_codes.py):
    the order is placed, its address written the Canadian way."""
    response = client.post(CHECKOUT, checkout_data(**{**ONTARIO, "postal_code": " k1p - 1j9 "}))
    assert response.status_code == 302, errors(response)
    fulfilment = Fulfilment.objects.get(order__buyer_email="awa@example.org")
    assert fulfilment.postal_code == "K1P 1J9"
