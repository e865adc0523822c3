"""Placing an order: server-side totals, holds, discounts, free orders, bad input."""

from decimal import Decimal

import pytest
from django.core import mail

from orders.models import Order, OrderState, OutboxEmail
from orders.services import OrderError, Selection

pytestmark = pytest.mark.django_db
D = Decimal


def test_pending_order_holds_places_with_totals_from_the_database(place, item, taxes_on):
    order = place((item, 2))
    assert order.state == OrderState.PENDING
    assert order.subtotal == D("50.00")
    assert (order.gst, order.qst) == (D("2.50"), D("4.99"))
    assert order.total == D("57.49")
    assert order.gst_number == "123456789 RT0001"
    line = order.lines.get()
    assert (line.description, line.unit_price, line.quantity) == ("Atelier (fr)", D("25"), 2)
    assert item.available(order.created_at) == 8
    assert len(order.code) == 7 and not set(order.code) & set("01ILO")
    assert order.log_entries.filter(action="placed").exists()


def test_taxes_off_by_default(place, item):
    order = place((item, 1))
    assert (order.gst, order.qst, order.total) == (D("0"), D("0"), D("25.00"))
    assert order.gst_number == ""


def test_an_expired_hold_stops_counting_without_any_job(place, item, now):
    from datetime import timedelta

    place((item, 10), now=now - timedelta(hours=1))
    assert item.available(now) == 10
    order = place((item, 10), now=now)
    assert order.state == OrderState.PENDING


def test_no_more_than_capacity(place, item):
    place((item, 8))
    with pytest.raises(OrderError, match="Il ne reste que 2 place"):
        place((item, 3))
    place((item, 2))
    with pytest.raises(OrderError, match="complet"):
        place((item, 1))
    assert Order.objects.filter(buyer_email="awa@example.org").count() == 2


@pytest.mark.parametrize("quantity", [0, -1, 51, "2", 2.0, True])
def test_bad_quantities_are_refused_and_change_nothing(place, item, quantity):
    with pytest.raises(OrderError):
        place(Selection(item=item, quantity=quantity))
    assert Order.objects.filter(buyer_email="awa@example.org").count() == 0


def test_pay_what_you_can_price_has_a_minimum(place, make_item):
    film = make_item(name="Projection", price=D("5.00"), pay_what_you_can=True)
    order = place(Selection(item=film, quantity=1, requested_price=D("12.00")))
    assert order.total == D("12.00")
    with pytest.raises(OrderError, match="minimum"):
        place(Selection(item=film, quantity=1, requested_price=D("1.00")))


def test_free_order_is_confirmed_at_once_without_stripe(place, make_item, taxes_on):
    talk = make_item(name="Conférence", price=D("0.00"), capacity=100)
    order = place((talk, 2))
    assert order.state == OrderState.PAID
    assert order.payments.count() == 0
    assert order.lines.get().fulfilled
    talk.refresh_from_db()
    assert talk.fulfilled_count == 1
    emails = OutboxEmail.objects.filter(order=order)
    assert sorted(e.to for e in emails) == ["awa@example.org", "billetterie@cesiq.example"]
    assert all(e.state == OutboxEmail.State.SENT for e in emails)  # eager Celery after commit
    buyer_mail = next(m for m in mail.outbox if m.to == ["awa@example.org"])
    assert buyer_mail.subject == f"Confirmation de votre commande {order.code}"
    assert order.get_absolute_url() in buyer_mail.body


def test_confirmation_email_in_the_buyers_language(place, make_item):
    talk = make_item(name="Talk", price=D("0.00"))
    order = place((talk, 1), language="en")
    email = OutboxEmail.objects.get(order=order, to="awa@example.org")
    assert email.subject == f"Your order {order.code} is confirmed"
    assert "Hello Awa Diallo," in email.body_text
    assert "/en/order/" in email.body_text


def test_percent_discount_before_taxes(place, item, discount, taxes_on):
    discount(code="solidaire", value="20")
    order = place((item, 2), discount_code=" Solidaire ")
    assert order.discount_amount == D("10.00")
    assert (order.gst, order.qst) == (D("2.00"), D("3.99"))
    assert order.total == D("45.99")


def test_fixed_discount_split_over_lines_and_capped(place, make_item, discount):
    a, b = make_item(price=D("10.00")), make_item(price=D("20.00"))
    discount(code="CINQ", kind="fixed", value="5.00")
    order = place((a, 1), (b, 1), discount_code="cinq")
    assert sorted(order.lines.values_list("discount", flat=True)) == [D("1.67"), D("3.33")]
    assert order.total == D("25.00")
    discount(code="GROS", kind="fixed", value="500")
    assert place((a, 1), discount_code="GROS").total == D("0.00")


@pytest.mark.parametrize(
    ("code_kwargs", "message"),
    [
        ({"active": False}, "n'est pas valide"),
        ({"scope": "shop"}, "aux achats de la boutique seulement"),
        ({"max_uses": 0}, "nombre de fois permis"),
    ],
)
def test_unusable_discount_codes_are_refused(place, item, discount, code_kwargs, message):
    discount(code="X", **code_kwargs)
    with pytest.raises(OrderError, match=message):
        place((item, 1), discount_code="X")
    assert Order.objects.filter(buyer_email="awa@example.org").count() == 0


def test_discount_code_outside_its_dates(place, item, discount, now):
    from datetime import timedelta

    discount(code="ETE", valid_until=now - timedelta(days=1))
    with pytest.raises(OrderError, match="à cette date"):
        place((item, 1), discount_code="ETE")


def test_discount_use_is_given_back_when_the_hold_expires(place, item, discount, now):
    from datetime import timedelta

    code = discount(code="UNE", max_uses=1)
    place((item, 1), discount_code="UNE", now=now - timedelta(hours=2))
    assert code.times_used == 0
    place((item, 1), discount_code="UNE")
    with pytest.raises(OrderError):
        place((item, 1), discount_code="UNE")


def test_fixed_discount_rounding_never_makes_a_line_negative(place, make_item, discount):
    items = [make_item(price=D("10.00")) for _ in range(3)] + [make_item(price=D("0.00"))]
    discount(code="UN", kind="fixed", value="1.00")
    order = place(*[(i, 1) for i in items], discount_code="UN")
    shares = list(order.lines.order_by("pk").values_list("discount", flat=True))
    assert sum(shares) == D("1.00")
    assert all(D("0") <= share for share in shares)
    assert all(line.net >= 0 for line in order.lines.all())
    assert order.total == D("29.00")


def test_an_amount_stripe_cannot_charge_is_refused(place, make_item):
    film = make_item(name="Projection", price=D("0.00"), pay_what_you_can=True)
    with pytest.raises(OrderError, match="au moins 0,50"):
        place(Selection(item=film, quantity=1, requested_price=D("0.25")))
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_an_order_locks_its_places_once(place, item):
    """The quota rows are locked once per order, and every check made under that lock: each
    statement under it makes every other buyer of the date wait."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    with CaptureQueriesContext(connection) as queries:
        place((item, 2))
    locks = [
        q["sql"]
        for q in queries.captured_queries
        if '"orders_quota"' in q["sql"] and "FOR UPDATE" in q["sql"]
    ]
    assert len(locks) == 1
