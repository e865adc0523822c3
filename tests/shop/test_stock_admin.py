"""Stock kept by the shop team: the listing (sold, held, left, low stock highlighted), manual
adjustments with a reason (never below what is sold or held) and their history, the low-stock
alert told once to staff; returns per line that restock; sales in the report."""

import csv
import io
import re
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.urls import reverse

from orders.models import OrderSettings, OutboxEmail, RefundState
from orders.money import format_cad
from shop import stock
from shop.models import ProductVariant
from tests.conftest import plain
from tests.orders.test_payments import checkout, deliver, last_event, press  # noqa: F401
from tests.shop.factories import paid_shop_order, place_shop_order

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def boutique(client, demo_site):
    user = get_user_model().objects.get(username="boutique")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def staff_addresses(db):
    settings = OrderSettings.load()
    settings.staff_notification_emails = "boutique@cesiq.example, direction@cesiq.example"
    settings.save()


def variant(sku):
    return ProductVariant.objects.select_related("page").get(sku=sku)


def text_of(response):
    text = BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def stock_table(response):
    html = BeautifulSoup(response.content, "html.parser")
    rows = {}
    for tr in html.select("table.listing tbody tr"):
        sku = tr.select_one("th").get_text(strip=True)
        cells = [td.get_text(" ", strip=True) for td in tr.select("td")]
        rows[sku] = {
            "stock": cells[1],
            "sold": cells[2],
            "held": cells[3],
            "left": cells[4],
            "low": "shop-stock-low" in (tr.get("class") or []),
        }
    return rows


def stock_page_text(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def variant_url(sku):
    return reverse("shop_staff:stock_variant", args=[variant(sku).pk])


def low_stock_emails(sku):
    return OutboxEmail.objects.filter(key__startswith=f"low_stock:{variant(sku).pk}:")


# --- the listing --------------------------------------------------------------------------------


def test_stock_listing_counts_sold_held_and_left_and_highlights_low_stock(boutique):
    paid_shop_order(("CAF-PER-1KG", 3))
    place_shop_order(("CAF-PER-1KG", 2))  # pending: held
    response = boutique.get(reverse("shop_staff:stock"))
    assert response.status_code == 200
    rows = stock_table(response)
    assert rows["CAF-PER-1KG"] == {
        "stock": "12",
        "sold": "3",
        "held": "2",
        "left": "7",
        "low": False,
    }
    # Sold out in the demo: nothing left, under its threshold.
    assert rows["CAF-DEC-340"]["low"] and rows["CAF-DEC-340"]["left"].startswith("0")
    assert (
        "Épuisé" in rows["CAF-DEC-340"]["left"] and "Stock bas" not in rows["CAF-DEC-340"]["left"]
    )
    assert "Épuisé" in stock_page_text(boutique.get(variant_url("CAF-DEC-340")))

    low_only = stock_table(boutique.get(reverse("shop_staff:stock"), {"bas": "1"}))
    assert "CAF-DEC-340" in low_only and "CAF-PER-1KG" not in low_only


def test_stock_listing_is_in_french_alphabetical_order(boutique):
    """« Écharpe en laine feutrée » came after « Thé vert »: accents sorted after z."""
    from cesiq_site.collation import sort_key

    response = boutique.get(reverse("shop_staff:stock"))
    titles = [variant(sku).page.title for sku in stock_table(response)]
    assert any(title.startswith("É") for title in titles)
    assert titles == sorted(titles, key=sort_key)


# --- adjustments --------------------------------------------------------------------------------


def adjust(client, sku, delta, reason):
    return client.post(variant_url(sku), {"delta": delta, "reason": reason}, follow=True)


def test_staff_add_and_take_away_units_with_a_reason_kept_in_the_history(boutique):
    response = adjust(boutique, "THE-DAR-100", "12", "Livraison de la coopérative reçue")
    assert "Stock de THE-DAR-100 : +12, maintenant 42." in text_of(response)
    adjust(boutique, "THE-DAR-100", " -2 ", "Deux sachets déchirés")
    tea = variant("THE-DAR-100")
    assert tea.stock == 40 and tea.left() == 40
    assert tea.quota.size == 40
    assert list(tea.adjustments.values_list("delta", "stock_after", "reason")) == [
        (-2, 40, "Deux sachets déchirés"),
        (12, 42, "Livraison de la coopérative reçue"),
    ]
    assert tea.adjustments.first().user == boutique.user
    history = text_of(boutique.get(variant_url("THE-DAR-100")))
    assert "Deux sachets déchirés" in history and "Livraison de la coopérative reçue" in history
    assert "+12" in history and "-2" in history
    # The threshold is the product page's, which the shop team cannot open: no dead link.
    page = BeautifulSoup(boutique.get(variant_url("THE-DAR-100")).content, "html.parser")
    assert not page.select("a[href*='/admin/pages/']")
    assert "la rédaction le modifie dans la page du produit" in text_of(
        boutique.get(variant_url("THE-DAR-100"))
    )


@pytest.mark.parametrize(
    ("delta", "reason", "message"),
    [
        ("0", "Inventaire", "Indiquez un nombre d'unités à ajouter (10) ou à retirer (-3)"),
        ("dix", "Inventaire", "Indiquez un nombre d'unités à ajouter (10) ou à retirer (-3)"),
        # Too many at once is said as such (not as if the number were missing).
        ("99999999", "Inventaire", "On ajoute ou retire au plus 100 000 unités à la fois."),
        ("-1000000", "Inventaire", "On ajoute ou retire au plus 100 000 unités à la fois."),
        ("5", "   ", "Champ requis."),
        ("5", "", "Champ requis."),
    ],
)
def test_bad_adjustments_are_refused_with_a_message_and_change_nothing(
    boutique, delta, reason, message
):
    response = adjust(boutique, "THE-DAR-100", delta, reason)
    assert response.status_code == 200
    assert message in text_of(response)
    tea = variant("THE-DAR-100")
    assert tea.stock == 30 and not tea.adjustments.exists()


def test_stock_never_goes_below_what_is_sold_and_held(boutique):
    paid_shop_order(("CAF-PER-1KG", 4))
    place_shop_order(("CAF-PER-1KG", 3))
    response = adjust(boutique, "CAF-PER-1KG", "-6", "Inventaire")
    assert (
        "Impossible : 7 unité(s) de « Café du Pérou biologique — 1 kg » sont vendues ou "
        "réservées, le stock ne peut pas descendre sous ce nombre (au plus 5 à retirer)."
    ) in text_of(response)
    assert variant("CAF-PER-1KG").stock == 12
    adjust(boutique, "CAF-PER-1KG", "-5", "Inventaire")
    assert variant("CAF-PER-1KG").stock == 7
    assert variant("CAF-PER-1KG").left() == 0


def test_an_adjustment_survives_publishing_the_product_page_again(boutique):
    tea = variant("THE-DAR-100")
    page = tea.page
    revision = page.latest_revision
    adjust(boutique, "THE-DAR-100", "5", "Réception")
    revision.refresh_from_db()
    revision.publish()
    assert variant("THE-DAR-100").stock == 35
    # And the editor opens the page with it.
    boutique.force_login(get_user_model().objects.get(username="admin"))
    form = boutique.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert 'value="35"' in form


def test_only_who_may_adjust_adjusts(client, demo_site):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="Stock en lecture (test)")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_stockadjustment"),
    )
    user = get_user_model().objects.create_user("lecture-stock", "l@example.org", "pw")
    user.groups.add(group)
    client.force_login(user)
    page = client.get(variant_url("THE-DAR-100"))
    assert page.status_code == 200 and 'name="delta"' not in page.content.decode()
    response = client.post(variant_url("THE-DAR-100"), {"delta": "5", "reason": "x"})
    assert response.status_code in (302, 403)
    assert variant("THE-DAR-100").stock == 30


# --- the low-stock alert ------------------------------------------------------------------------


def test_staff_are_told_once_when_a_sale_brings_a_variant_to_its_threshold(
    boutique, staff_addresses
):
    paid_shop_order(("CAF-PER-1KG", 6))  # 6 left, threshold 5
    assert not low_stock_emails("CAF-PER-1KG").exists()
    paid_shop_order(("CAF-PER-1KG", 1))  # 5 left
    emails = low_stock_emails("CAF-PER-1KG")
    assert sorted(emails.values_list("to", flat=True)) == [
        "boutique@cesiq.example",
        "direction@cesiq.example",
    ]
    email = emails.first()
    assert plain(email.subject) == "Stock bas : Café du Pérou biologique — 1 kg (5 restant(s))"
    assert "CAF-PER-1KG" in email.body_text and variant_url("CAF-PER-1KG") in email.body_text
    assert variant("CAF-PER-1KG").low_stock_alerted_at is not None

    paid_shop_order(("CAF-PER-1KG", 2))  # 3 left: already told
    assert low_stock_emails("CAF-PER-1KG").count() == 2

    # Units added back above the threshold clear the alert; the next fall is told again.
    adjust(boutique, "CAF-PER-1KG", "10", "Réception")
    assert variant("CAF-PER-1KG").low_stock_alerted_at is None
    paid_shop_order(("CAF-PER-1KG", 8))  # 5 left again
    assert low_stock_emails("CAF-PER-1KG").count() == 4


def test_with_nobody_to_tell_the_screen_says_so_and_the_alert_waits_for_an_address(boutique):
    """No address in the settings: the alert was marked as sent to nobody, and an address
    added later never got it."""
    settings = OrderSettings.load()
    settings.staff_notification_emails = ""
    settings.save()
    screen = text_of(boutique.get(reverse("shop_staff:stock")))
    assert "Aucune adresse ne reçoit l'alerte de stock bas" in screen
    paid_shop_order(("CAF-PER-1KG", 7))  # 5 left, threshold 5: nobody to tell
    assert variant("CAF-PER-1KG").low_stock_alerted_at is None
    settings.staff_notification_emails = "boutique@cesiq.example"
    settings.save()
    assert "Aucune adresse" not in text_of(boutique.get(reverse("shop_staff:stock")))
    paid_shop_order(("CAF-PER-1KG", 1))  # 4 left: told now
    assert list(low_stock_emails("CAF-PER-1KG").values_list("to", flat=True)) == [
        "boutique@cesiq.example"
    ]


def test_adding_units_that_stay_under_the_threshold_keeps_the_alert(staff_addresses):
    paid_shop_order(("CAF-PER-1KG", 8))
    alerted = variant("CAF-PER-1KG").low_stock_alerted_at
    assert alerted is not None
    stock.adjust(variant("CAF-PER-1KG"), 1, reason="Retrouvé")
    assert variant("CAF-PER-1KG").low_stock_alerted_at == alerted


def test_units_coming_back_from_a_return_or_a_cancellation_clear_the_alert(staff_addresses):
    from orders import services

    first = paid_shop_order(("CAF-PER-1KG", 4))
    second = paid_shop_order(("CAF-PER-1KG", 4))  # 4 left: alert
    assert variant("CAF-PER-1KG").low_stock_alerted_at is not None
    # One unit back: 5 left, still at the threshold.
    services.refund_line(second, second.lines.get(), 1, reason="Sac percé")
    assert variant("CAF-PER-1KG").low_stock_alerted_at is not None
    # A cancelled order gives its four units back: 9 left, above the threshold.
    services.cancel_order(first, reason="Annulée", refund=False)
    assert variant("CAF-PER-1KG").left() == 9
    assert variant("CAF-PER-1KG").low_stock_alerted_at is None
    # The next fall is told again.
    paid_shop_order(("CAF-PER-1KG", 4))
    assert low_stock_emails("CAF-PER-1KG").count() == 4


def test_an_adjustment_needs_a_reason_that_is_not_blank():
    from orders.services import OrderError

    with pytest.raises(OrderError, match="Indiquez le motif de l'ajustement."):
        stock.adjust(variant("THE-DAR-100"), 3, reason="  \n ")
    assert variant("THE-DAR-100").stock == 30


# --- returns per line through the back-office ---------------------------------------------------


@pytest.fixture
def paid_by_card(checkout, fake_stripe, deliver):  # noqa: F811
    def make(*pairs):
        order = place_shop_order(*pairs)
        press(checkout(order), "pay")
        deliver(last_event(fake_stripe, "checkout.session.completed"))
        order.refresh_from_db()
        return order

    return make


def test_the_refund_of_a_return_is_explained_in_the_buyers_language(
    boutique, paid_by_card, django_capture_on_commit_callbacks
):
    """Staff work in French; an English buyer's refund email gave « … retourné(s) : … »."""
    order = paid_by_card(("CHO-NOI-100", 2))
    order.language = "en"
    order.save(update_fields=["language"])
    chocolate = order.lines.get()
    url = reverse("shop_staff:return_line", args=[order.pk, chocolate.pk])
    with django_capture_on_commit_callbacks(execute=True):
        boutique.post(url, {"quantity": "1", "reason": "Tablette cassée", "confirm": "on"})
    refund = order.refunds.get()
    assert refund.reason == f"1 × {chocolate.description} returned: Tablette cassée"


def test_a_return_is_confirmed_in_the_staff_members_language_and_money_format(
    boutique, paid_by_card, django_capture_on_commit_callbacks
):
    """The English admin said « refund of 22,00 $ requested »."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(get_user_model().objects.get(username="boutique"))
    profile.preferred_language = "en"
    profile.save()
    order = paid_by_card(("CHO-NOI-100", 2))
    chocolate = order.lines.get()
    url = reverse("shop_staff:return_line", args=[order.pk, chocolate.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = boutique.post(
            url, {"quantity": "1", "reason": "Tablette cassée", "confirm": "on"}, follow=True
        )
    amount = format_cad(order.refunds.get().amount, "en")
    assert amount.startswith("$")
    assert f"back in stock; refund of {amount} requested." in stock_page_text(response)


def test_staff_take_back_units_of_a_line_refunded_and_restocked(
    boutique, paid_by_card, taxes_on, django_capture_on_commit_callbacks
):
    order = paid_by_card(("CHO-NOI-100", 3), ("CAF-PER-340", 1))
    chocolate = order.lines.get(description__startswith="Tablette")
    url = reverse("shop_staff:return_line", args=[order.pk, chocolate.pk])
    assert variant("CHO-NOI-100").left() == 57
    form = boutique.get(url)
    # One bar: 4,95 $ + GST 0,25 $ + QST 0,49 $.
    assert "Remboursé pour une unité : 5,69 $" in text_of(form)

    # More than bought: refused, nothing changes.
    response = boutique.post(url, {"quantity": "4", "reason": "Abîmées", "confirm": "on"})
    assert response.status_code == 200
    assert "inférieure ou égale à 3" in text_of(response)
    chocolate.refresh_from_db()
    assert chocolate.returned_quantity == 0 and not order.refunds.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = boutique.post(
            url, {"quantity": "2", "reason": "Tablettes fondues", "confirm": "on"}, follow=True
        )
    assert (
        "2 × Tablette de chocolat noir 70 % — Tablette de 100 g remis en stock ; "
        "remboursement de 11,39 $ demandé."
    ) in text_of(response)
    chocolate.refresh_from_db()
    assert chocolate.returned_quantity == 2
    assert variant("CHO-NOI-100").left() == 59
    refund = order.refunds.get()
    assert refund.amount == D("11.39") and refund.state == RefundState.SUCCEEDED
    assert refund.created_by == boutique.user
    page = text_of(boutique.get(reverse("shop_staff:order", args=[order.pk])))
    assert "Articles retournés" in page and "11,39 $" in page
    inspect = text_of(boutique.get(reverse("order:inspect", args=[order.pk])))
    # The quantity bought, then what came back (not « 3 2 RETOURNÉE(S) » in one cell).
    assert "3 dont 2 annulés ou retournés" in inspect
    # The history says the amounts as staff write them, not « 31.57 CAD » or « 11.39 ».
    assert "Paiement reçu 31,57 $" in inspect
    assert "Remboursement demandé 11,39 $ — 2 × Tablette" in inspect
    assert "Remboursement effectué 11,39 $" in inspect
    # The pick list now asks for the one bar left.
    pick = text_of(boutique.get(reverse("shop_staff:pick_list"), {"commande": order.pk}))
    assert "CHO-NOI-100 Tablette de chocolat noir 70 % — Tablette de 100 g 1" in pick


@pytest.fixture
def taxes_on(db):
    settings = OrderSettings.load()
    settings.taxes_enabled = True
    settings.gst_number = "123456789 RT0001"
    settings.qst_number = "1234567890 TQ0001"
    settings.save()
    return settings


# --- the sales report ---------------------------------------------------------------------------


def test_sales_by_product_and_by_month_in_the_report_and_its_csv(boutique):
    from shop import reports

    before = reports.sales_by_month()[-1]  # this month, the demo orders in it
    order = paid_shop_order(("CAF-PER-340", 3), ("THE-DAR-100", 2))
    paid_shop_order(("CAF-PER-340", 1))
    place_shop_order(("CAF-PER-340", 5))  # pending: not a sale
    coffee = order.lines.get(description__startswith="Café")
    coffee.returned_quantity = 1
    coffee.save()

    response = boutique.get(reverse("orders_sales_report"))
    assert response.status_code == 200
    text = text_of(response)
    assert "Ventes de la boutique par produit" in text
    assert "Ventes de la boutique par mois" in text
    html = BeautifulSoup(response.content, "html.parser")
    table = html.find(id="shop-sales-by-product").find_next("table")
    rows = {
        tr.select("td")[0].get_text(strip=True): [td.get_text(strip=True) for td in tr.select("td")]
        for tr in table.select("tbody tr")
    }
    # 3 bought, 1 given back, 1 more in another order: 3 units, 43,50 $.
    assert rows["CAF-PER-340"][1:] == ["3", "43,50\u00a0$"]
    assert rows["THE-DAR-100"][1:] == ["2", "19,50\u00a0$"]

    export = boutique.get(reverse("orders_sales_report"), {"export": "csv"})
    lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert ["CAF-PER-340", "Café du Pérou biologique — 340 g", "3", "43.50"] in lines
    after = reports.sales_by_month()[-1]
    assert after.month == before.month
    expected = [str(before.orders + 2), str(before.units + 5), f"{before.amount + D('63.00'):.2f}"]
    assert any(line[1:] == expected for line in lines)
    # Each table ends with the page's « Total » row.
    header = lines.index(["Code d'article (SKU)", "Produit", "Unités", "Montant avant taxes"])
    table = lines[header + 1 : lines.index([], header)]
    assert table[-1][0] == "Total"
    assert Decimal(table[-1][3]) == sum(Decimal(line[3]) for line in table[:-1])


def test_the_product_page_leaves_a_formats_stock_to_the_stock_screen(client, demo_site):
    """Typed in the product's page, a stock fell under the units a pending order held, with
    no reason kept: a saved format's stock is shown there, changed only in Boutique › Stock."""

    from shop.models import ProductPage
    from tests.events.test_editing_what_was_sold import publish, row

    client.force_login(get_user_model().objects.get(username="redaction"))
    product = ProductPage.objects.filter(locale__language_code="fr", live=True).first()
    variant = product.variants.first()
    before = variant.stock
    page = BeautifulSoup(client.get(f"/admin/pages/{product.pk}/edit/").content, "html.parser")
    shown = page.find("input", attrs={"value": str(variant.pk), "name": re.compile("-id$")})
    index = shown["name"].split("-")[1]
    stock = page.find("input", attrs={"name": f"variants-{index}-stock"})
    assert stock.has_attr("disabled")
    assert "Boutique › Stock" in stock.find_parent(class_="w-field__wrapper").get_text()

    def empty_the_stock(data):
        data[f"variants-{row(data, 'variants', variant.pk)}-stock"] = "0"
        data["summary"] = "Un résumé revu."

    response = publish(client, product, empty_the_stock)
    assert response.status_code == 302
    product.refresh_from_db()
    variant.refresh_from_db()
    assert product.summary == "Un résumé revu."
    assert variant.stock == before


def test_a_format_that_was_sold_cannot_be_removed_from_its_page(client, demo_site):
    """Removing a sold format from the product's page left its orders with lines of nothing
    (receipts, returns and the sales report lost the article): refused, with what to do."""
    from shop.models import ProductPage
    from tests.events.test_editing_what_was_sold import publish, row, said

    sold = ProductVariant.objects.get(sku="THE-DAR-100")
    paid_shop_order(("THE-DAR-100", 1))
    product = ProductPage.objects.get(pk=sold.page_id)
    client.force_login(get_user_model().objects.get(username="redaction"))

    def remove(data):
        data[f"variants-{row(data, 'variants', sold.pk)}-DELETE"] = "1"

    response = publish(client, product, remove)
    assert response.status_code == 200
    assert f"Le format « {sold.label} » a été vendu : il ne peut pas être retiré." in said(response)
    assert ProductVariant.objects.filter(pk=sold.pk).exists()


def test_publishing_an_older_revision_keeps_the_stock_as_it_is_now(client, boutique):
    """An editor reverting the product's page to an older revision put its stock back (40
    after 7 units were received: 47), with no trace."""
    from shop.models import ProductPage
    from tests.events.test_editing_what_was_sold import form_as_shown

    tea = variant("THE-DAR-100")
    product = ProductPage.objects.get(pk=tea.page_id)
    old = product.save_revision()
    product.save_revision()  # the latest, which the stock screen keeps up to date; not `old`
    adjust(boutique, "THE-DAR-100", "7", "Livraison reçue")
    assert variant("THE-DAR-100").stock == tea.stock + 7
    client.force_login(get_user_model().objects.get(username="redaction"))
    url = f"/admin/pages/{product.pk}/revisions/{old.pk}/revert/"
    data = form_as_shown(BeautifulSoup(client.get(url).content, "html.parser"))
    data.setdefault("body-count", "0")
    data["action-publish"] = "action-publish"
    assert client.post(url, data).status_code == 302
    assert variant("THE-DAR-100").stock == tea.stock + 7


def test_a_code_already_taken_whatever_its_case_is_refused_in_the_editor(client, demo_site):
    """« miel-qa-250 » was accepted beside « MIEL-QA-250 », and a code taken exactly was
    refused in Django's words (« Un objet Format avec ce champ… »)."""
    from shop.models import ProductPage
    from tests.events.test_editing_what_was_sold import publish, row, said

    coffee = ProductVariant.objects.get(sku="CAF-PER-340")
    tea = ProductVariant.objects.get(sku="THE-DAR-100")
    product = ProductPage.objects.get(pk=tea.page_id)
    client.force_login(get_user_model().objects.get(username="redaction"))
    for taken in ("caf-per-340", "CAF-PER-340"):

        def recode(data, taken=taken):
            data[f"variants-{row(data, 'variants', tea.pk)}-sku"] = taken

        response = publish(client, product, recode)
        assert response.status_code == 200
        assert (
            f"Ce code d'article est déjà celui de « {coffee} » (CAF-PER-340) : choisissez-en un "
            "autre." in said(response)
        )
        assert "Un objet" not in said(response)
        tea.refresh_from_db()
        assert tea.sku == "THE-DAR-100"
    # Two codes alike saved before this rule: each page still saves.
    ProductVariant.objects.filter(pk=coffee.pk).update(sku="the-dar-100")
    response = publish(client, product, lambda data: None)
    assert response.status_code == 302
    ProductVariant.objects.filter(pk=coffee.pk).update(sku="CAF-PER-340")
    # Its own code, in another case: its own.
    response = publish(
        client,
        product,
        lambda data: data.update({f"variants-{row(data, 'variants', tea.pk)}-sku": "the-dar-100"}),
    )
    assert response.status_code == 302
