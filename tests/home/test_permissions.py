"""What each staff team sees and reaches in the back-office, logged in as its demo account.

The teams' permissions are listed in home/permissions.py; `seed_demo` (run once per test
database by tests/conftest.py) creates the groups, one demo account per team and the demo
orders these tests look at.
"""

import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from events.models import Attendee, EventPage
from home.permissions import DEMO_USERS, TEAMS
from orders.models import Order, OrderState

pytestmark = pytest.mark.django_db

TEAM_ACCOUNTS = ["redaction", "billetterie", "boutique", "administration"]


@pytest.fixture
def login(client, demo_site):
    def as_user(username):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return as_user


def menu_links(client):
    """Every link of the admin's main menu, as the browser receives it (the sidebar's JSON)."""
    response = client.get("/admin/")
    assert response.status_code == 200
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    links = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("url"), str):
                links.add(node["url"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(props.group(1)))
    return links


def reaches(client, url):
    """The page itself is shown (possibly after a redirect within it), not a refusal, a login
    page or the dashboard with a "permission denied" message."""
    response = client.get(url, follow=True)
    final = response.redirect_chain[-1][0] if response.redirect_chain else url
    return response.status_code == 200 and final.startswith(url) and "/login/" not in final


@pytest.fixture
def urls(demo_site, home_fr):
    order = Order.objects.filter(buyer_email__endswith="@demo.cesiq.example").first()
    activity = EventPage.objects.filter(locale__language_code="fr").first()
    return {
        "orders": "/admin/orders/",
        "order": reverse("order:inspect", args=[order.pk]),
        "order note": reverse("order:edit", args=[order.pk]),
        "discount codes": "/admin/discount-codes/",
        "new discount code": reverse("discountcode:add"),
        "activity dates": reverse("events_staff:dates", args=[activity.pk]),
        "upcoming dates": reverse("events_staff:upcoming"),
        "shop orders": reverse("shop_staff:orders"),
        "shop stock": reverse("shop_staff:stock"),
        "school workshops": "/admin/animations-scolaires/",
        "pages": "/admin/pages/",
        "edit home page": reverse("wagtailadmin_pages:edit", args=[home_fr.pk]),
        "venues": "/admin/snippets/events/venue/",
        "themes": "/admin/snippets/events/theme/",
        "producers": "/admin/snippets/shop/producer/",
        "network": "/admin/snippets/network/memberorganisation/",
        "images": "/admin/images/",
        "promoted search results": reverse("wagtailsearchpromotions:index"),
        "site settings": reverse("wagtailsettings:edit", args=["home", "sitesettings"]),
        "order settings": reverse("wagtailsettings:edit", args=["orders", "ordersettings"]),
        "users": "/admin/users/",
        "django admin": "/django-admin/",
    }


# Which team reaches what; anything not listed for a team is refused to it.
REACHES = {
    "redaction": {
        "pages",
        "edit home page",
        "venues",
        "themes",
        "network",
        "images",
        "promoted search results",
    },
    "billetterie": {
        "orders",
        "order",
        "order note",
        "discount codes",
        "new discount code",
        "activity dates",
        "upcoming dates",
        "school workshops",
    },
    # Orders read-only for now (date management requires `orders.change_order`); the shop's
    # own back-office: orders to prepare, stock.
    "boutique": {
        "orders",
        "order",
        "discount codes",
        "new discount code",
        "shop orders",
        "shop stock",
        "producers",
    },
    "administration": {
        "orders",
        "order",
        "order note",
        "discount codes",
        "new discount code",
        "activity dates",
        "upcoming dates",
        "shop orders",
        "shop stock",
        "school workshops",
        "pages",
        "edit home page",
        "venues",
        "themes",
        "producers",
        "network",
        "images",
        "promoted search results",
        "site settings",
        "order settings",
        "users",
    },
}

# What each team finds in the admin's main menu, and what it must not find there.
MENU = {
    "redaction": {
        "/admin/pages/",
        "/admin/snippets/",
        "/admin/snippets/network/memberorganisation/",
        "/admin/images/",
        "/admin/searchpicks/",
    },
    "billetterie": {
        "/admin/orders/",
        "/admin/discount-codes/",
        "/admin/activites/prochaines-dates/",
        "/admin/animations-scolaires/",
    },
    "boutique": {
        "/admin/orders/",
        "/admin/discount-codes/",
        "/admin/boutique/commandes/",
        "/admin/boutique/stock/",
        "/admin/snippets/",  # the producers
    },
    "administration": {
        "/admin/pages/",
        "/admin/snippets/",
        "/admin/snippets/network/memberorganisation/",
        "/admin/images/",
        "/admin/searchpicks/",
        "/admin/orders/",
        "/admin/discount-codes/",
        "/admin/activites/prochaines-dates/",
        "/admin/boutique/commandes/",
        "/admin/boutique/stock/",
        "/admin/animations-scolaires/",
        "/admin/settings/home/sitesettings/",
        "/admin/settings/orders/ordersettings/",
        "/admin/users/",
    },
}
ALL_MENU_LINKS = set().union(*MENU.values())


def test_every_team_has_its_demo_account():
    assert set(DEMO_USERS.values()) == set(TEAMS)
    for username in TEAM_ACCOUNTS:
        user = get_user_model().objects.get(username=username)
        assert [group.name for group in user.groups.all()] == [DEMO_USERS[username]]
        assert user.email == f"{username}@demo.cesiq.example"
        assert user.check_password("changeme")
        assert not user.is_superuser
        # Wagtail's admin needs only `access_admin`; `is_staff` would open Django's admin.
        assert not user.is_staff


@pytest.mark.parametrize("username", TEAM_ACCOUNTS)
def test_each_team_sees_its_menu_items_and_no_other(login, username):
    links = menu_links(login(username))
    assert MENU[username] <= links
    assert not (ALL_MENU_LINKS - MENU[username]) & links


@pytest.mark.parametrize("username", TEAM_ACCOUNTS)
def test_each_team_reaches_exactly_its_pages(login, urls, username):
    client = login(username)
    reached = {name for name, url in urls.items() if reaches(client, url)}
    assert reached == REACHES[username]


def test_the_superuser_reaches_everything_including_django_admin(login, urls):
    client = login("admin")
    assert {name for name, url in urls.items() if not reaches(client, url)} == set()


def test_editors_see_no_order_or_attendee_data(login, urls):
    client = login("redaction")
    order = Order.objects.filter(buyer_email__endswith="@demo.cesiq.example").first()
    for name in ["orders", "order", "activity dates"]:
        response = client.get(urls[name], follow=True)
        assert order.buyer_email not in response.content.decode()
    # Not through the page editor either: no "manage dates" button for them.
    activity = EventPage.objects.filter(locale__language_code="fr").first()
    response = client.get(reverse("wagtailadmin_pages:edit", args=[activity.pk]))
    assert response.status_code == 200
    assert urls["activity dates"] not in response.content.decode()


def test_the_shop_team_reads_an_order_but_cannot_change_it(login, urls):
    client = login("boutique")
    response = client.get(urls["order"])
    assert response.status_code == 200
    assert urls["order note"] not in response.content.decode()
    response = client.post(urls["order note"], {"internal_note": "non"})
    assert response.status_code in (302, 403)
    assert "non" not in Order.objects.values_list("internal_note", flat=True)


# --- demo orders --------------------------------------------------------------------------------


def demo_orders():
    return Order.objects.filter(buyer_email__endswith="@demo.cesiq.example")


def test_demo_orders_exist_in_every_state():
    orders = demo_orders()
    states = set(orders.values_list("state", flat=True))
    assert {OrderState.PAID, OrderState.PENDING, OrderState.EXPIRED, OrderState.CANCELLED} <= states

    pending = orders.get(buyer_email="commande-en-attente@demo.cesiq.example")
    assert pending.state == OrderState.PENDING and pending.total > 0
    assert pending.expires_at > timezone.now()  # its places are still held
    expired = orders.get(buyer_email="commande-expiree@demo.cesiq.example")
    assert expired.state == OrderState.EXPIRED
    assert expired.expires_at < timezone.now()
    cancelled = orders.get(buyer_email="commande-annulee@demo.cesiq.example")
    assert cancelled.state == OrderState.CANCELLED
    # Nobody is registered through it any more.
    assert not Attendee.objects.filter(order_line__order=cancelled, cancelled_at=None).exists()
    # Paid by card through the (fake) Stripe, and paid then partly refunded through it.
    paid = orders.get(buyer_email="commande-payee@demo.cesiq.example")
    assert paid.state == OrderState.PAID and paid.paid_amount == paid.total > 0
    assert paid.payments.get().stripe_payment_intent_id
    refunded = orders.get(buyer_email="commande-remboursee@demo.cesiq.example")
    assert refunded.refunded_amount == Decimal("20.00")
    assert refunded.refunds.get().stripe_refund_id


def test_seeding_again_duplicates_nothing_and_takes_back_a_permission_given_by_hand():
    """One second seed (seven seconds) for both: no order or account twice, and the teams'
    permissions back to what the seed gives them."""
    from django.contrib.auth.models import Group, Permission

    orders_before = sorted(demo_orders().values_list("buyer_email", "state"))
    users_before = sorted(get_user_model().objects.values_list("username", flat=True))
    editors = Group.objects.get(name="Rédaction")
    editors.permissions.add(Permission.objects.get(codename="view_order"))
    call_command("seed_demo", verbosity=0)
    assert sorted(demo_orders().values_list("buyer_email", "state")) == orders_before
    assert sorted(get_user_model().objects.values_list("username", flat=True)) == users_before
    assert not editors.permissions.filter(codename="view_order").exists()


def test_demo_shop_orders_exist_at_every_preparation_step():
    from shop.models import FulfilmentStatus

    shop_orders = demo_orders().filter(kind="shop")
    pending = shop_orders.get(buyer_email="boutique-en-attente@demo.cesiq.example")
    assert pending.state == OrderState.PENDING
    paid = shop_orders.filter(state=OrderState.PAID)
    steps = {order.fulfilment.status for order in paid}
    assert steps == set(FulfilmentStatus.values)
    shipped = paid.get(fulfilment__status=FulfilmentStatus.SHIPPED)
    assert shipped.fulfilment.carrier == "canada_post" and shipped.fulfilment.tracking_number
    assert all(order.paid_amount == order.total for order in paid)
