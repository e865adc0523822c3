"""Shop orders for the back-office tests: placed through `orders.services` like the checkout
does, with their Fulfilment row made here (the checkout's own creation of it is tested with the
checkout), and paid either through the fake Stripe or by recording a received payment."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from orders import services
from orders.models import Order, Payment, PaymentState
from orders.services import Selection
from shop.models import DeliveryMethod, Fulfilment, ProductVariant

ADDRESS = {
    "recipient": "Awa Diallo",
    "address": "123, rue Saint-Jean",
    "address_2": "app. 4",
    "city": "Montréal",
    "province": "QC",
    "postal_code": "H2X 1Y4",
    "phone": "514 555-0101",
}


def place_shop_order(
    *pairs,
    method=DeliveryMethod.OFFICE,
    language="fr",
    email="awa@example.org",
    name="Awa Diallo",
    shipping="0.00",
    province="QC",
    pickup_date=None,
    address=None,
):
    """A pending shop order of (sku, quantity) pairs, with how it is to be delivered."""
    order = services.place_order(
        kind="shop",
        buyer_name=name,
        buyer_email=email,
        language=language,
        selections=[
            Selection(item=ProductVariant.objects.get(sku=sku), quantity=quantity)
            for sku, quantity in pairs
        ],
        shipping=Decimal(shipping),
        tax_province=province,
    )
    fields = {}
    if method == DeliveryMethod.SHIPPING:
        fields = {**ADDRESS, "province": province, **(address or {})}
    Fulfilment.objects.create(order=order, method=method, pickup_date=pickup_date, **fields)
    return order


def pay_by_hand(order, *, paid_days_ago=None):
    """Record a received payment and confirm the order, as the webhook does (for orders the
    fake Stripe's line items cannot carry: a delivery charge, the HST)."""
    Payment.objects.create(
        order=order,
        amount=order.total,
        state=PaymentState.PAID,
        idempotency_key=f"test:{order.code}",
        stripe_payment_intent_id=f"pi_test_{order.code}",
    )
    services.confirm(order)
    # What the task queued after the payment's commit does (tests run in one transaction).
    services.write_confirmation(order.pk)
    if paid_days_ago is not None:
        Order.objects.filter(pk=order.pk).update(
            paid_at=timezone.now() - timedelta(days=paid_days_ago)
        )
    order.refresh_from_db()
    return order


def paid_shop_order(*pairs, paid_days_ago=None, **kwargs):
    return pay_by_hand(place_shop_order(*pairs, **kwargs), paid_days_ago=paid_days_ago)
