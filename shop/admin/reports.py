"""The sales report's "Ventes de la boutique par produit" and "par mois" tables, registered in
`orders.registry.report_sections`; the numbers come from `shop.reports`."""

from decimal import Decimal

from django.utils.translation import gettext as _

from cesiq_site import exports
from orders.registry import ReportSection

from .. import reports


def by_product(start, end):
    products = reports.sales_by_product(start=start, end=end)
    return {
        "products": products,
        "units": sum(row.units for row in products),
        "total": sum((row.amount for row in products), Decimal("0.00")),
    }


def by_product_csv(context):
    return [
        [_("Code d'article (SKU)"), _("Produit"), _("Unités"), _("Montant avant taxes")],
        *(
            [row.sku, row.name, row.units, exports.amount(row.amount)]
            for row in context["products"]
        ),
        [_("Total"), "", context["units"], exports.amount(context["total"])],
    ]


def by_month(start, end):
    months = reports.sales_by_month(start=start, end=end)
    return {
        "months": months,
        "total": sum((row.amount for row in months), Decimal("0.00")),
    }


def by_month_csv(context):
    return [
        [_("Mois"), _("Commandes"), _("Unités"), _("Montant avant taxes")],
        *(
            [
                row.month.strftime("%Y-%m"),
                row.orders,
                row.units,
                exports.amount(row.amount),
            ]
            for row in context["months"]
        ),
        [_("Total"), "", "", exports.amount(context["total"])],
    ]


SALES_BY_PRODUCT = ReportSection(
    name="shop_sales_by_product",
    template_name="shop/admin/report_sales_by_product.html",
    collect=by_product,
    csv_rows=by_product_csv,
    order=200,
)

SALES_BY_MONTH = ReportSection(
    name="shop_sales_by_month",
    template_name="shop/admin/report_sales_by_month.html",
    collect=by_month,
    csv_rows=by_month_csv,
    order=210,
)
