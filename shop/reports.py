"""What staff read about shop sales: units and amounts by product (variant) and by month.

Counts the product lines of paid orders (paid since `start`, before `end` when given); an order
refunded in full no longer counts, and units given back line by line are taken out with their
share of the line's net. Amounts are nets (after discount, before taxes and delivery); money
stays Decimal, summed in Python.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType

from orders.models import OrderLine, OrderState
from orders.reports import kept, month_start

from .models import ProductVariant

ZERO = Decimal("0.00")


def product_lines(start=None, end=None):
    lines = OrderLine.objects.filter(
        content_type=ContentType.objects.get_for_model(ProductVariant),
        order__state=OrderState.PAID,
    )
    if start is not None:
        lines = lines.filter(order__paid_at__gte=start)
    if end is not None:
        lines = lines.filter(order__paid_at__lt=end)
    return lines


@dataclass
class ProductSales:
    sku: str
    name: str
    units: int = 0
    amount: Decimal = ZERO


def sales_by_product(start=None, end=None):
    """Sales grouped by variant, largest amount first."""
    rows = list(
        product_lines(start, end).values_list(
            "object_id", "description", "unit_price", "quantity", "discount", "returned_quantity"
        )
    )
    variants = ProductVariant.objects.select_related("page").in_bulk({row[0] for row in rows})
    by_variant = {}
    for object_id, description, unit_price, quantity, discount, returned in rows:
        variant = variants.get(object_id)
        sku, name = (variant.sku, str(variant)) if variant else ("—", description)
        row = by_variant.setdefault(object_id, ProductSales(sku, name))
        units, amount = kept(quantity, returned, unit_price * quantity - discount)
        row.units += units
        row.amount += amount
    return sorted(by_variant.values(), key=lambda r: (-r.amount, r.name))


@dataclass
class MonthSales:
    month: object  # the month's first instant
    orders: int = 0
    units: int = 0
    amount: Decimal = ZERO


def sales_by_month(start=None, end=None):
    """Shop sales month by month (the month the order was paid), oldest first."""
    rows = product_lines(start, end).values_list(
        "order_id", "order__paid_at", "unit_price", "quantity", "discount", "returned_quantity"
    )
    months, orders = {}, {}
    for order_id, paid_at, unit_price, quantity, discount, returned in rows:
        month = month_start(paid_at)
        row = months.setdefault(month, MonthSales(month))
        orders.setdefault(month, set()).add(order_id)
        units, amount = kept(quantity, returned, unit_price * quantity - discount)
        row.units += units
        row.amount += amount
    for month, row in months.items():
        row.orders = len(orders[month])
    return [months[month] for month in sorted(months)]
