"""Giving back some units of a paid line: the stock or places come back at once, and the buyer
gets that share of the line's net plus its taxes (and the delivery charge once every goods line
is back), through the same refund machinery and Stripe as any refund."""

from decimal import Decimal

import pytest

from orders import services
from orders.models import OrderState, Payment, PaymentState, RefundState
from orders.services import OrderError, Selection
from tests.orders.test_payments import checkout, deliver, last_event, press  # noqa: F401

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("boutique-test", "boutique@example.org", "pw")


@pytest.fixture
def pay(checkout, fake_stripe, deliver):  # noqa: F811
    """Place an order and pay it through the fake Stripe."""

    def make(*pairs, shipping="0.00", province="QC", discount_code=""):
        order = services.place_order(
            kind="shop",
            buyer_name="Awa Diallo",
            buyer_email="awa@example.org",
            language="fr",
            selections=[Selection(item=item, quantity=n) for item, n in pairs],
            shipping=shipping,
            tax_province=province,
            discount_code=discount_code,
        )
        press(checkout(order), "pay")
        deliver(last_event(fake_stripe, "checkout.session.completed"))
        order.refresh_from_db()
        assert order.state == OrderState.PAID
        return order

    return make


@pytest.fixture
def goods(make_item):
    def make(name="Café", price="10.00", tax="taxable", capacity=20):
        return make_item(name=name, price=D(price), tax=tax, kind="shop", capacity=capacity)

    return make


@pytest.fixture
def pay_by_hand():
    """An order paid without Stripe's hosted page (its line items do not carry a delivery
    charge or the HST yet): a received payment recorded, the order confirmed. Refunds of it
    are recorded and stay pending, as nothing is sent to Stripe."""

    def make(*pairs, shipping="0.00", province="QC"):
        order = services.place_order(
            kind="shop",
            buyer_name="Awa Diallo",
            buyer_email="awa@example.org",
            language="fr",
            selections=[Selection(item=item, quantity=n) for item, n in pairs],
            shipping=shipping,
            tax_province=province,
        )
        Payment.objects.create(
            order=order,
            amount=order.total,
            state=PaymentState.PAID,
            idempotency_key=f"test:{order.code}",
            stripe_payment_intent_id=f"pi_test_{order.code}",
        )
        services.confirm(order)
        order.refresh_from_db()
        return order

    return make


def give_back(captured, order, line, quantity, execute=True, **kwargs):
    kwargs.setdefault("reason", "Sac abîmé")
    with captured(execute=execute):
        return services.refund_line(order, line, quantity, **kwargs)


def test_returning_units_refunds_their_share_with_taxes_and_frees_the_stock_at_once(
    pay, goods, taxes_on, staff, django_capture_on_commit_callbacks, fake_stripe
):
    coffee = goods(capacity=5)
    order = pay((coffee, 3))
    line = order.lines.get()
    assert coffee.available(None) == 2
    refund = give_back(django_capture_on_commit_callbacks, order, line, 1, user=staff)
    # 10,00 $ + GST 0,50 $ + QST 1,00 $ (0,9975 rounded).
    assert refund.amount == D("11.50")
    assert (refund.gst, refund.qst, refund.hst) == (D("0.50"), D("1.00"), 0)
    refund.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    assert refund.created_by == staff
    assert "Sac abîmé" in refund.reason
    line.refresh_from_db()
    assert line.returned_quantity == 1
    assert coffee.available(None) == 3
    order.refresh_from_db()
    assert order.balance == order.total - D("11.50")
    assert order.state == OrderState.PAID
    entry = order.log_entries.get(action="line_returned")
    assert entry.user == staff and entry.data["quantity"] == 1


def test_the_lines_discount_is_taken_off_its_share(
    pay, goods, taxes_on, discount, django_capture_on_commit_callbacks
):
    discount(code="SOLIDAIRE", value="20")
    coffee = goods()
    order = pay((coffee, 3), discount_code="SOLIDAIRE")
    line = order.lines.get()
    assert line.net == D("24.00")
    refund = give_back(django_capture_on_commit_callbacks, order, line, 1)
    # 8,00 $ + GST 0,40 $ + QST 0,80 $.
    assert refund.amount == D("9.20")


def test_zero_rated_units_come_back_without_taxes(
    pay, goods, taxes_on, django_capture_on_commit_callbacks
):
    tea = goods(name="Thé", price="7.25", tax="zero")
    order = pay((tea, 2))
    refund = give_back(django_capture_on_commit_callbacks, order, order.lines.get(), 1)
    assert refund.amount == D("7.25")


def test_every_goods_line_back_returns_the_delivery_with_its_hst(
    pay_by_hand, goods, make_item, taxes_on, django_capture_on_commit_callbacks
):
    """Shipped to Ontario (HST 13 %): the delivery charge goes back with the last goods line,
    even though a ticket of the same order is kept."""
    chocolate = goods(name="Chocolat", price="5.00")
    tea = goods(name="Thé", price="8.00", tax="zero")
    ticket = make_item(name="Atelier", price=D("20.00"), capacity=10)
    order = pay_by_hand((chocolate, 2), (tea, 1), (ticket, 1), shipping=D("16.00"), province="ON")
    assert order.hst > 0 and order.gst == 0 and order.qst == 0
    lines = {line.description: line for line in order.lines.all()}
    first = give_back(
        django_capture_on_commit_callbacks, order, lines["Chocolat (fr)"], 2, execute=False
    )
    assert first.amount == D("11.30")  # 10,00 $ + HST 1,30 $
    second = give_back(
        django_capture_on_commit_callbacks, order, lines["Thé (fr)"], 1, execute=False
    )
    # 8,00 $ of tea, untaxed, and the 16,00 $ delivery with the HST it was charged: the
    # order split it over the goods it carried (not the ticket), 10/18 of it taxable
    # (8,89 $ at 13 % = 1,16 $).
    assert order.hst == D("1.30") + D("2.60") + D("1.16")  # chocolate, ticket, delivery
    assert second.amount == D("8.00") + D("16.00") + D("1.16")
    # The sales taxes each gives back: the chocolate's own, then the delivery's.
    assert [(r.gst, r.qst, r.hst) for r in (first, second)] == [
        (0, 0, D("1.30")),
        (0, 0, D("1.16")),
    ]
    order.refresh_from_db()
    # What is left to refund is the ticket with its HST.
    assert order.total - first.amount - second.amount == D("22.60")


def test_the_last_units_back_return_whatever_is_left(
    pay_by_hand, goods, taxes_on, django_capture_on_commit_callbacks
):
    """Line by line, the cents spread by rounding come back with the last unit: in the end
    the buyer has everything back and the order is refunded."""
    soap = goods(name="Savon", price="3.33")
    order = pay_by_hand((soap, 3), shipping=D("12.00"))
    line = order.lines.get()
    for _ in range(3):
        give_back(django_capture_on_commit_callbacks, order, line, 1, execute=False)
        line.refresh_from_db()
    amounts = [r.amount for r in order.refunds.order_by("pk")]
    # Taxes counted from the line's start: 0,50 $ on 3,33 $, then 0,99 $ on 6,66 $ (0,49 $
    # more); the last one with the delivery, its taxes and the rounding's cents.
    assert amounts[:2] == [D("3.83"), D("3.82")]
    assert sum(amounts) == order.total
    refunds = order.refunds.all()
    assert (sum(r.gst for r in refunds), sum(r.qst for r in refunds)) == (order.gst, order.qst)
    assert line.returned_quantity == 3
    with pytest.raises(OrderError, match="On ne peut retourner que 0 unité"):
        give_back(django_capture_on_commit_callbacks, order, line, 1, execute=False)


def test_never_more_units_than_bought_minus_returned(
    pay, goods, django_capture_on_commit_callbacks
):
    coffee = goods()
    order = pay((coffee, 2))
    line = order.lines.get()
    give_back(django_capture_on_commit_callbacks, order, line, 1)
    for quantity, message in [
        (2, "On ne peut retourner que 1 unité(s) de « Café (fr) »."),
        (0, "Indiquez un nombre d'unités à retourner (au moins 1)."),
        (-1, "Indiquez un nombre d'unités à retourner (au moins 1)."),
        ("deux", "Indiquez un nombre d'unités à retourner (au moins 1)."),
    ]:
        with pytest.raises(OrderError, match=message.replace("(", r"\(").replace(")", r"\)")):
            give_back(django_capture_on_commit_callbacks, order, line, quantity)
    with pytest.raises(OrderError, match="Indiquez le motif du retour."):
        give_back(django_capture_on_commit_callbacks, order, line, 1, reason="  ")
    line.refresh_from_db()
    assert line.returned_quantity == 1
    assert order.refunds.count() == 1


def test_an_unpaid_order_has_nothing_to_give_back(goods, place, django_capture_on_commit_callbacks):
    coffee = goods()
    order = place((coffee, 2), kind="shop")
    with pytest.raises(OrderError, match="Seules les lignes d'une commande payée"):
        give_back(django_capture_on_commit_callbacks, order, order.lines.get(), 1)
    assert coffee.available(None) == 18


def test_a_line_of_another_order_is_refused(pay, goods, django_capture_on_commit_callbacks):
    coffee = goods()
    first, second = pay((coffee, 1)), pay((coffee, 1))
    with pytest.raises(OrderError, match="n'appartient pas à la commande"):
        give_back(django_capture_on_commit_callbacks, first, second.lines.get(), 1)


def test_after_a_full_refund_units_given_back_are_restocked_without_a_second_refund(
    pay, goods, django_capture_on_commit_callbacks
):
    coffee = goods(capacity=5)
    order = pay((coffee, 2))
    with django_capture_on_commit_callbacks(execute=True):
        services.refund(order, order.total, reason="Geste commercial")
    line = order.lines.get()
    assert give_back(django_capture_on_commit_callbacks, order, line, 2) is None
    line.refresh_from_db()
    assert line.returned_quantity == 2
    assert order.refunds.count() == 1
    assert coffee.available(None) == 5


def test_cancelling_after_a_kept_line_gives_back_the_taxes_of_what_is_refunded(
    pay_by_hand, goods, taxes_on, django_capture_on_commit_callbacks
):
    """Staff kept the chocolates' money (a no-refund return), then cancelled the order: the
    8,00 $ of tea refunded carried a share of the order's taxes (0,21 $ and 0,41 $), though
    tea is zero-rated and the chocolates' taxes were kept with them."""
    chocolate = goods(name="Chocolat", price="5.00")
    tea = goods(name="Thé", price="8.00", tax="zero")
    order = pay_by_hand((chocolate, 2), (tea, 1))
    lines = {line.description: line for line in order.lines.all()}
    give_back(
        django_capture_on_commit_callbacks,
        order,
        lines["Chocolat (fr)"],
        2,
        execute=False,
        pay_back=False,
    )
    order.refresh_from_db()
    assert order.kept_amount == D("11.50")
    with django_capture_on_commit_callbacks(execute=False):
        services.cancel_order(order, reason="Annulée à la demande")
    refund = order.refunds.get()
    assert (refund.amount, refund.gst, refund.qst, refund.hst) == (D("8.00"), 0, 0, 0)


def test_a_return_capped_by_what_is_left_gives_back_its_share_of_the_taxes(
    pay_by_hand, goods, taxes_on, django_capture_on_commit_callbacks
):
    """Less is left to refund than a line's worth (the buyer's bank took most of it back in a
    dispute): the refund is capped, and so are its taxes (they were the line's whole taxes,
    more than the refund itself)."""
    chocolate = goods(name="Chocolat", price="10.00")
    tea = goods(name="Thé", price="8.00", tax="zero")
    order = pay_by_hand((chocolate, 2), (tea, 1))
    from orders.models import Dispute

    Dispute.objects.create(
        order=order,
        payment=order.payments.get(),
        stripe_dispute_id="dp_capped",
        amount=order.total - D("5.75"),
        status=Dispute.Status.LOST,
    )
    line = order.lines.get(description="Chocolat (fr)")
    refund = give_back(django_capture_on_commit_callbacks, order, line, 1, execute=False)
    # 11,50 $ due (10,00 $ + 0,50 $ + 1,00 $), 5,75 $ left: half, and half of each tax.
    assert (refund.amount, refund.gst, refund.qst) == (D("5.75"), D("0.25"), D("0.50"))
