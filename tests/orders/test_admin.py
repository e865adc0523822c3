"""The staff back-office for orders and discount codes (Wagtail admin)."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders import services
from orders.models import DiscountCode, Order, OrderState
from orders.services import Selection

pytestmark = pytest.mark.django_db

ORDERS_URL = reverse("order:index")


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("direction", "direction@example.org", "pw")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def staff_group():
    group = Group.objects.create(name="Accueil (test)")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    return group


@pytest.fixture
def staff_client(client, django_user_model, staff_group):
    user = django_user_model.objects.create_user("accueil-test", "accueil@example.org", "pw")
    user.is_staff = True
    user.save()
    user.groups.add(staff_group)
    client.force_login(user)
    return client


@pytest.fixture
def other_order(db, make_item, django_capture_on_commit_callbacks):
    """An order from someone else, to check that search and filters leave it out."""
    with django_capture_on_commit_callbacks(execute=True):
        return services.place_order(
            kind="shop",
            buyer_name="Jean Tremblay",
            buyer_email="jean@example.net",
            language="fr",
            selections=[
                Selection(item=make_item(name="Tuque", price=Decimal("18.00")), quantity=1)
            ],
        )


def denied(response):
    """Wagtail answers a missing permission with a redirect to the dashboard (or a 403)."""
    return response.status_code == 403 or (
        response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    )


def listing(client, **params):
    response = client.get(ORDERS_URL, params)
    assert response.status_code == 200
    return response.content.decode()


def menu_urls(client):
    """The URLs of the admin sidebar menu, as the dashboard sends them to the browser."""
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    content = response.content.decode()
    start = content.index('id="wagtail-sidebar-props"')
    start = content.index(">", start) + 1
    return json.dumps(json.loads(content[start : content.index("</script>", start)]))


def test_listing_shows_code_buyer_and_formatted_total(admin_client, place, item):
    order = place((item, 2))

    html = listing(admin_client)

    assert order.code in html
    assert "Awa Diallo" in html
    assert "awa@example.org" in html
    assert "50,00\u00a0$" in html
    assert reverse("order:inspect", args=[order.pk]) in html


def test_listing_shows_the_attention_flag(admin_client, place, item):
    order = place((item, 1))
    services.flag(order, "Montant reçu différent du total dû.")

    html = listing(admin_client)
    assert "Montant reçu différent du total dû." in html

    flagged_only = listing(admin_client, attention="true")
    assert order.code in flagged_only
    assert order.code not in listing(admin_client, attention="false")


def test_there_is_no_add_nor_delete(admin_client, place, item):
    order = place((item, 1))

    html = listing(admin_client)

    assert reverse("order:add") not in html
    assert denied(admin_client.get(reverse("order:add")))
    assert denied(admin_client.get(reverse("order:delete", args=[order.pk])))
    assert denied(admin_client.post(reverse("order:delete", args=[order.pk])))
    assert Order.objects.filter(pk=order.pk).exists()


@pytest.mark.parametrize("query", ["awa@example", "Awa Diallo", "code"])
def test_search_by_email_name_or_code(admin_client, place, item, other_order, query):
    order = place((item, 1))
    if query == "code":
        query = order.code.lower()

    html = listing(admin_client, q=query)

    assert order.code in html
    assert other_order.code not in html


def test_filter_by_state_and_kind(admin_client, place, item, other_order):
    order = place((item, 1))
    services.cancel_order(order, reason="test")

    cancelled = listing(admin_client, state=OrderState.CANCELLED)
    assert order.code in cancelled
    assert other_order.code not in cancelled

    pending = listing(admin_client, state=OrderState.PENDING)
    assert other_order.code in pending
    assert order.code not in pending

    shop = listing(admin_client, kind="shop")
    assert other_order.code in shop
    assert order.code not in shop


def test_filter_by_date_range(admin_client, place, item, now):
    from datetime import timedelta

    old = place((item, 1), now=now - timedelta(days=40))
    recent = place((item, 1), now=now)
    since = (now - timedelta(days=7)).date().isoformat()

    html = listing(admin_client, created_at_from=since)

    assert recent.code in html
    assert old.code not in html


def test_csv_and_xlsx_export(admin_client, place, item, other_order):
    order = place((item, 2))

    response = admin_client.get(ORDERS_URL, {"export": "csv", "q": "awa"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    codes = [row[0] for row in rows[1:]]
    assert codes == [order.code]
    assert "50.00" in rows[1]
    assert "Awa Diallo" in rows[1]

    response = admin_client.get(ORDERS_URL, {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')


def test_detail_shows_lines_totals_log_and_emails(
    admin_client, place, item, django_capture_on_commit_callbacks
):
    order = place((item, 2))
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm(order, message="Paiement reçu")
    assert order.emails.exists()

    response = admin_client.get(reverse("order:inspect", args=[order.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Atelier" in html  # the line
    assert "25,00\u00a0$" in html  # unit price
    assert "50,00\u00a0$" in html  # total
    assert "Commande passée" in html  # the audit log
    assert "État : Payée" in html
    for email in order.emails.all():
        assert email.subject in html
    assert "awa@example.org" in html


def test_unknown_order_is_a_404(admin_client):
    assert admin_client.get(reverse("order:inspect", args=[999999])).status_code == 404


def test_internal_note_is_the_only_thing_staff_can_edit(admin_client, place, item):
    order = place((item, 1))
    url = reverse("order:edit", args=[order.pk])

    response = admin_client.post(
        url, {"internal_note": "A appelé pour changer de date", "total": "0.01", "state": "paid"}
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.internal_note == "A appelé pour changer de date"
    assert order.total == Decimal("25.00")
    assert order.state == OrderState.PENDING
    entry = order.log_entries.get(action="note_changed")
    assert entry.user == admin_client.user
    inspect = admin_client.get(reverse("order:inspect", args=[order.pk])).content.decode()
    assert "Note interne modifiée" in inspect
    assert "A appelé pour changer de date" in inspect


def test_staff_without_view_permission_gets_no_menu_nor_listing(staff_client, place, item):
    order = place((item, 1))

    assert ORDERS_URL not in menu_urls(staff_client)
    assert denied(staff_client.get(ORDERS_URL))
    assert denied(staff_client.get(reverse("order:inspect", args=[order.pk])))


def test_view_permission_gives_read_only_access(staff_client, staff_group, place, item):
    order = place((item, 1))
    staff_group.permissions.add(Permission.objects.get(codename="view_order"))

    assert ORDERS_URL in menu_urls(staff_client)
    assert order.code in listing(staff_client)
    assert staff_client.get(reverse("order:inspect", args=[order.pk])).status_code == 200
    # Reading is not editing, not even the note.
    assert denied(staff_client.get(reverse("order:edit", args=[order.pk])))
    assert reverse("order:edit", args=[order.pk]) not in listing(staff_client)


def test_only_view_and_change_are_offered_for_orders(admin_client):
    response = admin_client.get(reverse("wagtailusers_groups:add"))
    assert response.status_code == 200
    html = response.content.decode()
    view = Permission.objects.get(codename="view_order")
    add = Permission.objects.get(codename="add_order")
    assert f'value="{view.pk}"' in html
    assert f'value="{add.pk}"' not in html


# --- discount codes -----------------------------------------------------------------------------


def test_discount_codes_listing_shows_times_used(admin_client, discount, place, item):
    code = discount("SOLIDAIRE", value="20")
    place((item, 1), discount_code="solidaire")

    response = admin_client.get(reverse("discountcode:index"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "SOLIDAIRE" in html
    assert "20\u00a0%" in html
    assert code.times_used == 1


def test_create_discount_code(admin_client):
    response = admin_client.post(
        reverse("discountcode:add"),
        {"code": " bienvenue ", "kind": "fixed", "value": "5.00", "scope": "shop", "active": "on"},
    )

    assert response.status_code == 302
    code = DiscountCode.objects.get(code="BIENVENUE")
    assert code.code == "BIENVENUE"
    assert code.value == Decimal("5.00")


def test_discount_code_is_unique_whatever_the_case(admin_client, discount):
    discount("SOLIDAIRE")
    count = DiscountCode.objects.count()

    response = admin_client.post(
        reverse("discountcode:add"),
        {"code": "solidaire", "kind": "percent", "value": "10", "scope": "both"},
    )

    assert response.status_code == 200
    assert DiscountCode.objects.count() == count


def test_percent_above_100_is_refused(admin_client):
    response = admin_client.post(
        reverse("discountcode:add"),
        {"code": "TROP", "kind": "percent", "value": "150", "scope": "both"},
    )

    assert response.status_code == 200
    assert not DiscountCode.objects.filter(code="TROP").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "MOINS", "value": "-5"}, "La valeur doit être plus grande que 0."),
        ({"code": "RIEN", "value": "0"}, "La valeur doit être plus grande que 0."),
        (
            {"code": "été solidaire", "value": "5"},
            "Un code ne contient que des lettres sans accents, des chiffres et des tirets",
        ),
        # A code nobody could ever use was created.
        (
            {"code": "ZERO", "value": "5", "max_uses": "0"},
            "Au moins 1 utilisation ; laissez vide pour un code illimité.",
        ),
    ],
)
def test_a_discount_code_that_would_not_work_is_refused_and_says_why(admin_client, fields, message):
    """A value of 0 or less gave « La contrainte « discount_value_positive » n'est pas
    respectée. »; « ÉTÉ SOLIDAIRE » was saved, and « ete solidaire » typed by a buyer did not
    find it."""
    count = DiscountCode.objects.count()
    response = admin_client.post(
        reverse("discountcode:add"), {"kind": "fixed", "scope": "both", **fields}
    )
    assert response.status_code == 200
    text = " ".join(response.content.decode().split())
    assert message in text.replace("&#x27;", "'")
    assert "contrainte" not in text
    assert DiscountCode.objects.count() == count


def test_a_used_discount_code_is_not_deleted(admin_client, discount, place, item):
    code = discount("SOLIDAIRE")
    place((item, 1), discount_code="SOLIDAIRE")

    response = admin_client.post(reverse("discountcode:delete", args=[code.pk]))

    assert response.status_code == 302
    assert DiscountCode.objects.filter(pk=code.pk).exists()


def test_an_unused_discount_code_can_be_deleted(admin_client, discount):
    code = discount("ERREUR")

    response = admin_client.post(reverse("discountcode:delete", args=[code.pk]))

    assert response.status_code == 302
    assert not DiscountCode.objects.filter(pk=code.pk).exists()


def test_admin_in_english_formats_money_the_english_way(admin_client, place, item):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(admin_client.user)
    profile.preferred_language = "en"
    profile.save()
    order = place((item, 2))

    html = listing(admin_client)
    assert "$50.00" in html
    detail = admin_client.get(reverse("order:inspect", args=[order.pk])).content.decode()
    assert "Unit price" in detail
    assert "$25.00" in detail


def test_the_csv_export_reads_each_order_once_with_its_refunds(
    admin_client, place, item, django_capture_on_commit_callbacks
):
    """The « Remboursé » column, what was refunded successfully (a failed refund is not), and
    the discount code come with the orders: as many queries for 8 orders as for 2."""
    from orders.models import Payment, PaymentState, Refund, RefundState

    def export():
        response = admin_client.get(ORDERS_URL, {"export": "csv"})
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}

    refunded = place((item, 2))
    Payment.objects.create(
        order=refunded,
        amount=refunded.total,
        state=PaymentState.PAID,
        idempotency_key=f"test:{refunded.code}",
        stripe_payment_intent_id=f"pi_test_{refunded.code}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm(refunded, message="Paiement reçu")
    for amount, state in ((Decimal("20.00"), RefundState.SUCCEEDED), (Decimal("5.00"), "failed")):
        Refund.objects.create(
            order=refunded,
            payment=refunded.payments.get(),
            amount=amount,
            reason="Geste",
            state=state,
            idempotency_key=f"test:{state}",
        )
    unrefunded = place((item, 1))
    with CaptureQueriesContext(connection) as few:
        rows = export()
    assert rows[refunded.code]["Remboursé"] == "20.00"
    assert rows[unrefunded.code]["Remboursé"] == "0.00"
    for _ in range(6):  # the item has 10 places
        place((item, 1))
    with CaptureQueriesContext(connection) as many:
        assert len(export()) == len(rows) + 6
    assert len(many) == len(few), [q["sql"][:120] for q in many][-12:]


def test_a_free_registration_is_listed_as_confirmed_not_paid(admin_client, place, make_item):
    """The buyer's receipt says « Confirmée »; the list said « Payée 0,00 $ »."""
    from bs4 import BeautifulSoup

    free = place((make_item(name="Causerie", price=Decimal("0.00")), 1))
    paid = place((make_item(name="Atelier", price=Decimal("25.00")), 1))
    Order.objects.filter(pk__in=[free.pk, paid.pk]).update(state=OrderState.PAID)
    html = BeautifulSoup(listing(admin_client), "html.parser")

    def state_of(order):
        row = next(tr for tr in html.select("tbody tr") if order.code in tr.get_text())
        return row.select("td")[3].get_text(" ", strip=True)

    assert state_of(free) == "Confirmée"
    assert state_of(paid) == "Payée"
    response = admin_client.get(ORDERS_URL, {"export": "csv"})
    exported = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = {row["Code"]: row for row in csv.DictReader(io.StringIO(exported))}
    assert (rows[free.code]["État"], rows[paid.code]["État"]) == ("Confirmée", "Payée")
