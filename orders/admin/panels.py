"""The dashboard's panels about sales, for staff who may read orders."""

from django.urls import reverse
from wagtail.admin.ui.components import Component

from .. import reports
from .formats import cad
from .permissions import can_see_sales
from .reports import month_label
from .viewsets import OrderViewSet


class SalesPanel(Component):
    """A dashboard panel shown only to staff who may read orders."""

    def __init__(self, request):
        self.request = request


class MonthSalesPanel(SalesPanel):
    name = "month_sales"
    template_name = "orders/admin/panel_month_sales.html"
    order = 80

    def get_context_data(self, parent_context=None):
        sales = reports.sales_this_month()
        return {
            "sales": sales,
            "month": month_label(sales.month),
            "amount": cad(sales.amount),
            "refunds": cad(sales.refunds),
            "disputes": cad(sales.disputes) if sales.disputes else None,
            "net": cad(sales.net),
            "report_url": reverse("orders_sales_report"),
        }


class OrdersToHandlePanel(SalesPanel):
    name = "orders_to_handle"
    template_name = "orders/admin/panel_orders_to_handle.html"
    order = 70
    limit = 10

    def get_context_data(self, parent_context=None):
        items = reports.orders_needing_action(limit=self.limit)
        count = reports.needing_action().count()
        return {
            "items": [
                {
                    "order": item.order,
                    "reasons": item.reasons,
                    "total": cad(item.order.total),
                    "url": reverse(f"{OrderViewSet.name}:inspect", args=[item.order.pk]),
                }
                for item in items
            ],
            "count": count,
            "more": count - len(items),
            "listing_url": f"{reverse(f'{OrderViewSet.name}:index')}?attention=true",
        }


def sales_panels(request):
    """The panels `request.user` may see (none without the right to read orders)."""
    if not can_see_sales(request.user):
        return []
    return [OrdersToHandlePanel(request), MonthSalesPanel(request)]
