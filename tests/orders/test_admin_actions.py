"""Staff actions on an order in the Wagtail admin: refund, resend the confirmation, cancel; and
the listing filters by activity and by payment state. Every action goes through the services."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from orders.models import Order, OrderState, OutboxEmail, RefundState
from tests.orders.test_payments import checkout, deliver, last_event, press  # noqa: F401

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("direction", "direction@example.org", "pw")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def viewer_client(client, django_user_model):
    """Staff who may read orders but not change them."""
    group = Group.objects.create(name="Lecture des commandes (test)")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_order"),
    )
    user = django_user_model.objects.create_user("lecture-test", "lecture@example.org", "pw")
    user.is_staff = True
    user.save()
    user.groups.add(group)
    client.force_login(user)
    return client


@pytest.fixture
def paid(place, item, checkout, fake_stripe, deliver):  # noqa: F811
    """A paid order of 2 × 25,00 $, paid through the fake Stripe."""

    def make(quantity=2):
        order = place((item, quantity))
        press(checkout(order), "pay")
        deliver(last_event(fake_stripe, "checkout.session.completed"))
        order.refresh_from_db()
        assert order.state == OrderState.PAID
        return order

    return make


def url(name, order):
    return reverse(f"order:{name}", args=[order.pk])


def page_text(response):
    """The page's text, non-breaking spaces (in amounts) as plain spaces."""
    text = BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def post(client, captured, address, data):
    with captured(execute=True):
        return client.post(address, data)


def snapshot(order):
    order.refresh_from_db()
    return (
        order.state,
        order.refunds.count(),
        order.emails.count(),
        order.log_entries.count(),
    )


# --- refund -----------------------------------------------------------------------------------


def test_inspect_page_offers_the_actions(admin_client, paid):
    order = paid()
    html = admin_client.get(url("inspect", order)).content.decode()
    for name in ("refund", "resend_confirmation", "cancel"):
        assert url(name, order) in html


def test_refund_form_defaults_to_what_is_left(admin_client, paid):
    order = paid()
    response = admin_client.get(url("refund", order))
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    assert html.select_one("input[name=amount]")["value"] == "50,00"
    assert "Je confirme le remboursement de 50,00 $ à Awa Diallo" in page_text(response)
    # A full refund is not a cancellation: the page says so, and where to cancel.
    assert "Rembourser n'annule rien : les billets restent valides" in page_text(response)
    assert "« Annuler la commande »" in page_text(response)


def test_partial_refund_through_the_admin_reaches_stripe(
    admin_client, paid, fake_stripe, django_capture_on_commit_callbacks
):
    order = paid()
    response = post(
        admin_client,
        django_capture_on_commit_callbacks,
        url("refund", order),
        {
            "amount": "20,00",
            "reason": "Une personne ne vient pas",
            "confirmed_amount": "20.00",
            "confirm": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url("inspect", order)
    refund = order.refunds.get()
    assert refund.amount == D("20.00") and refund.reason == "Une personne ne vient pas"
    assert refund.created_by == admin_client.user
    assert refund.state == RefundState.SUCCEEDED and refund.stripe_refund_id.startswith("re_")
    charge = fake_stripe.charges[next(iter(fake_stripe.charges))]
    assert charge["amount_refunded"] == 2000
    order.refresh_from_db()
    assert (order.state, order.balance) == (OrderState.PAID, D("30.00"))
    page = page_text(admin_client.get(url("inspect", order)))
    assert "Remboursement de 20,00 $ demandé pour la commande" in page
    # The form now offers what is left.
    response = admin_client.get(url("refund", order))
    assert "Je confirme le remboursement de 30,00 $ à Awa Diallo" in page_text(response)
    # A confirmation sent again says what was refunded, beside the total paid.
    post(admin_client, django_capture_on_commit_callbacks, url("resend_confirmation", order), {})
    resent = confirmations(order)[-1]
    assert "Total : 50,00 $\nRemboursé : 20,00 $" in resent.body_text.replace("\u00a0", " ")
    assert "Remboursé : 20,00 $" in resent.body_html.replace("\u00a0", " ")
    assert "Remboursé" not in confirmations(order)[0].body_text


def test_money_sums_are_in_cents_whatever_the_database_gives():
    """SQLite (the demo) sums money through a float: the refund form showed
    « 74,7300000000000 »."""
    from orders.models import money_sum

    class Payments:
        def aggregate(self, **_expressions):
            return {"total": Decimal("74.7300000000000")}

    class NoPayments:
        def aggregate(self, **_expressions):
            return {"total": None}

    assert str(money_sum(Payments())) == "74.73"
    assert str(money_sum(NoPayments())) == "0.00"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("50,01", "On ne peut pas rembourser plus que 50,00 $."),
        # In words of money, not Django's « supérieure ou égale à 0.01 ».
        ("0", "Indiquez un montant d'au moins 0,01 $."),
    ],
)
def test_a_refund_of_more_than_what_is_left_or_of_nothing_is_refused(
    admin_client, paid, django_capture_on_commit_callbacks, amount, message
):
    order = paid()
    before = snapshot(order)
    confirmed = amount.replace(",", ".")
    response = post(
        admin_client,
        django_capture_on_commit_callbacks,
        url("refund", order),
        {"amount": amount, "reason": "Trop", "confirmed_amount": confirmed, "confirm": "on"},
    )
    assert response.status_code == 200
    assert message in page_text(response)
    assert "0.01" not in page_text(response)
    assert snapshot(order) == before


@pytest.mark.parametrize("amount", ["200", "1e3"])
def test_too_much_typed_over_the_confirmed_amount_is_said_first(
    admin_client, paid, django_capture_on_commit_callbacks, amount
):
    """Typing more than is left over the amount shown asked to confirm again first, then
    refused it: the maximum is said at once."""
    order = paid()
    before = snapshot(order)
    response = post(
        admin_client,
        django_capture_on_commit_callbacks,
        url("refund", order),
        {"amount": amount, "reason": "Trop", "confirmed_amount": "50.00", "confirm": "on"},
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "On ne peut pas rembourser plus que 50,00 $." in text
    assert "Le montant a changé" not in text
    assert snapshot(order) == before


def test_refund_needs_the_confirmation_and_a_reason(
    admin_client, paid, django_capture_on_commit_callbacks
):
    order = paid()
    before = snapshot(order)
    response = post(
        admin_client,
        django_capture_on_commit_callbacks,
        url("refund", order),
        {"amount": "10,00", "reason": "Geste", "confirmed_amount": "10.00"},
    )
    assert response.status_code == 200
    assert "Champ requis." in page_text(response)
    response = post(
        admin_client,
        django_capture_on_commit_callbacks,
        url("refund", order),
        {"amount": "10,00", "reason": "", "confirmed_amount": "10.00", "confirm": "on"},
    )
    assert response.status_code == 200
    assert snapshot(order) == before


def test_changing_the_amount_asks_to_confirm_again(
    admin_client, paid, django_capture_on_commit_callbacks
):
    order = paid()
    before = snapshot(order)
    # The box was ticked for 50,00 $, but 45,00 $ was typed.
    response = post(
        admin_client,
        django_capture_on_commit_callbacks,
        url("refund", order),
        {"amount": "45,00", "reason": "Geste", "confirmed_amount": "50.00", "confirm": "on"},
    )
    assert response.status_code == 200
    assert "Le montant a changé" in page_text(response)
    assert "Je confirme le remboursement de 45,00 $ à Awa Diallo" in page_text(response)
    html = BeautifulSoup(response.content, "html.parser")
    assert html.select_one("input[name=confirmed_amount]")["value"] == "45.00"
    assert not html.select_one("input[name=confirm]").has_attr("checked")
    assert snapshot(order) == before


def test_nothing_to_refund_on_an_unpaid_order(admin_client, place, item):
    order = place((item, 1))
    response = admin_client.get(url("refund", order))
    assert response.status_code == 302 and response["Location"] == url("inspect", order)
    assert url("refund", order) not in admin_client.get(url("inspect", order)).content.decode()


# --- resend the confirmation ------------------------------------------------------------------


def confirmations(order):
    return list(order.emails.filter(key__startswith="order_confirmed:").order_by("pk"))


def test_resend_confirmation_queues_a_new_email_each_time(
    admin_client, paid, django_capture_on_commit_callbacks
):
    order = paid()
    assert len(confirmations(order)) == 1
    response = admin_client.get(url("resend_confirmation", order))
    assert response.status_code == 200
    assert "awa@example.org" in page_text(response)
    assert len(confirmations(order)) == 1  # the GET is the confirmation step only

    response = post(
        admin_client, django_capture_on_commit_callbacks, url("resend_confirmation", order), {}
    )
    assert response.status_code == 302
    emails = confirmations(order)
    assert len(emails) == 2
    assert emails[0].key != emails[1].key
    assert emails[0].subject == emails[1].subject == f"Confirmation de votre commande {order.code}"
    entry = order.log_entries.get(action="confirmation_resent")
    assert entry.user == admin_client.user

    post(admin_client, django_capture_on_commit_callbacks, url("resend_confirmation", order), {})
    emails = confirmations(order)
    assert len(emails) == 3 and len({e.key for e in emails}) == 3
    assert order.log_entries.filter(action="confirmation_resent").count() == 2
    assert "Confirmation renvoyée" in page_text(admin_client.get(url("inspect", order)))


def test_resend_is_only_for_paid_orders(
    admin_client, place, item, django_capture_on_commit_callbacks
):
    order = place((item, 1))
    before = snapshot(order)
    response = post(
        admin_client, django_capture_on_commit_callbacks, url("resend_confirmation", order), {}
    )
    assert response.status_code == 302
    assert snapshot(order) == before
    assert not OutboxEmail.objects.filter(key__contains=":resend:").exists()


# --- cancel -----------------------------------------------------------------------------------


def test_cancel_with_refund(admin_client, paid, fake_stripe, django_capture_on_commit_callbacks):
    order = paid()
    response = admin_client.get(url("cancel", order))
    html = BeautifulSoup(response.content, "html.parser")
    assert "Rembourser ce qui a été payé (50,00 $)" in page_text(response)
    assert html.select_one("input[name=refund]").has_attr("checked")

    response = post(
        admin_client,
        django_capture_on_commit_callbacks,
        url("cancel", order),
        {"reason": "Activité annulée", "refund": "on"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    refund = order.refunds.get()
    assert (refund.amount, refund.state) == (D("50.00"), RefundState.SUCCEEDED)
    assert refund.created_by == admin_client.user
    assert order.log_entries.filter(action="state:cancelled", user=admin_client.user).exists()
    assert order.emails.filter(key__startswith="order_cancelled:").exists()


def test_cancel_without_refund(admin_client, paid, django_capture_on_commit_callbacks):
    order = paid()
    response = post(
        admin_client,
        django_capture_on_commit_callbacks,
        url("cancel", order),
        {"reason": "Doublon"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert not order.refunds.exists()
    assert order.balance == D("50.00")


def test_cancel_needs_a_reason(admin_client, paid, django_capture_on_commit_callbacks):
    order = paid()
    before = snapshot(order)
    response = post(
        admin_client, django_capture_on_commit_callbacks, url("cancel", order), {"reason": " "}
    )
    assert response.status_code == 200
    assert snapshot(order) == before


def test_cancel_an_unpaid_order_offers_no_refund(
    admin_client, place, item, django_capture_on_commit_callbacks
):
    order = place((item, 1))
    response = admin_client.get(url("cancel", order))
    assert "Rembourser ce qui a été payé" not in page_text(response)
    post(
        admin_client, django_capture_on_commit_callbacks, url("cancel", order), {"reason": "Erreur"}
    )
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED


# --- permissions ------------------------------------------------------------------------------


def denied(response):
    return response.status_code == 403 or (
        response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    )


def test_staff_without_change_permission_cannot_act(
    viewer_client, paid, django_capture_on_commit_callbacks
):
    order = paid()
    before = snapshot(order)
    inspect = viewer_client.get(url("inspect", order))
    assert inspect.status_code == 200
    requests = {
        "refund": {"amount": "10,00", "reason": "x", "confirmed_amount": "10.00", "confirm": "on"},
        "resend_confirmation": {},
        "cancel": {"reason": "x", "refund": "on"},
    }
    for name, data in requests.items():
        assert url(name, order) not in inspect.content.decode()
        assert denied(viewer_client.get(url(name, order)))
        assert denied(
            post(viewer_client, django_capture_on_commit_callbacks, url(name, order), data)
        )
    assert snapshot(order) == before


# --- listing filters --------------------------------------------------------------------------


def listing(client, **params):
    response = client.get(reverse("order:index"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_filter_by_payment_state(
    admin_client, paid, place, item, django_capture_on_commit_callbacks
):
    from orders import services

    unpaid = place((item, 1))
    whole = paid()
    partly = paid()
    refunded = paid(quantity=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.refund(partly, D("10.00"), reason="Geste", user=admin_client.user)
    with django_capture_on_commit_callbacks(execute=True):
        services.refund(refunded, D("25.00"), reason="Geste", user=admin_client.user)
    orders = {"none": unpaid, "paid": whole, "partly_refunded": partly, "refunded": refunded}
    for value, expected in orders.items():
        html = listing(admin_client, payment=value)
        for order in orders.values():
            assert (order.code in html) == (order == expected), (value, order.code)
    html = listing(admin_client)
    assert all(order.code in html for order in orders.values())


def register(client, page, captured, quantity=1):
    from tests.events.conftest import registration_data

    ticket = page.source.ticket_types.filter(members_only=False, hidden_until_code=False).first()
    data = registration_data(
        page, buyer_email=f"{page.slug}@example.org", **{f"quantity_{ticket.pk}": quantity}
    )
    with captured(execute=True):
        response = client.post(page.url + "inscription/", data)
    assert response.status_code == 302
    return Order.objects.get(buyer_email=f"{page.slug}@example.org")


def test_filter_by_activity(
    client, admin_client, demo_site, fake_stripe, django_capture_on_commit_callbacks
):
    from events.models import EventPage

    workshop = EventPage.objects.get(
        slug="atelier-consommation-equitable", locale__language_code="fr"
    )
    talk = EventPage.objects.get(slug="conference-justice-climatique", locale__language_code="fr")
    admin_client.logout()
    workshop_order = register(client, workshop, django_capture_on_commit_callbacks, quantity=2)
    talk_order = register(client, talk, django_capture_on_commit_callbacks)
    admin_client.force_login(admin_client.user)

    html = listing(admin_client)
    options = {
        o["value"]: o.get_text(strip=True)
        for o in BeautifulSoup(html, "html.parser").select("select[name=activity] option")
    }
    assert options[str(workshop.pk)] == workshop.title
    assert options[str(talk.pk)] == talk.title

    html = listing(admin_client, activity=workshop.pk)
    assert workshop_order.code in html and talk_order.code not in html
    html = listing(admin_client, activity=talk.pk)
    assert talk_order.code in html and workshop_order.code not in html


def test_resent_confirmation_carries_the_tickets_again(
    client, admin_client, demo_site, django_capture_on_commit_callbacks
):
    from events.models import EventPage

    talk = EventPage.objects.get(slug="conference-justice-climatique", locale__language_code="fr")
    admin_client.logout()
    order = register(client, talk, django_capture_on_commit_callbacks)
    admin_client.force_login(admin_client.user)
    post(admin_client, django_capture_on_commit_callbacks, url("resend_confirmation", order), {})
    first, again = confirmations(order)
    assert again.key.endswith(":resend:1")
    assert again.attachments and [a["filename"] for a in again.attachments] == [
        a["filename"] for a in first.attachments
    ]


def test_a_flagged_order_is_marked_as_dealt_with_and_leaves_the_list_to_check(admin_client, paid):
    """A failed refund flags the order « À vérifier »; once staff have given the money back
    another way, they say so and it leaves the orders to check, with what they did noted."""
    from orders import services

    order = paid()
    services.flag(order, "Le remboursement de 10,00 $ a échoué (insufficient_funds).")
    page = admin_client.get(reverse("order:inspect", args=[order.pk])).content.decode()
    assert url("resolve_flag", order) in page
    flagged = admin_client.get(reverse("order:index"), {"attention": "true"})
    assert order.code in flagged.content.decode()
    chips = BeautifulSoup(flagged.content, "html.parser").select(
        ".w-active-filters, [data-w-active-filter-id]"
    )
    assert "Oui" in " ".join(chip.get_text(" ") for chip in chips)  # not « True »

    refused = admin_client.post(url("resolve_flag", order), {"note": " "})
    assert refused.status_code == 200
    order.refresh_from_db()
    assert order.attention

    response = admin_client.post(url("resolve_flag", order), {"note": "Chèque n° 512 posté."})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.attention == ""
    entry = order.log_entries.get(action="flag_resolved")
    assert "insufficient_funds" in entry.message and "Chèque n° 512 posté." in entry.message
    assert entry.user == admin_client.user
    # Nothing left to mark: the action is not offered (the page also shows the message)…
    page = admin_client.get(response["Location"]).content.decode()
    assert "marquée comme traitée" in page and url("resolve_flag", order) not in page
    listed = admin_client.get(reverse("order:index"), {"attention": "true"}).content.decode()
    assert order.code not in listed
    # …and refused if asked for.
    assert admin_client.get(url("resolve_flag", order)).status_code == 302
