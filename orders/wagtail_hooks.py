"""The orders back-office in the Wagtail admin, registered here; the views are in orders/admin/.

- "Commandes" in the menu: orders, discount codes and the sales report (admin/viewsets.py);
- the dashboard's sales panels (admin/panels.py);
- "Renseignements personnels" in the Settings menu, for Law 25 (admin/privacy.py).

What other apps add to these screens (a filter, a report table, log labels, their part of a
person's data) comes through orders/registry.py, never by importing them here.
"""

from django.urls import path
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin import deletion, panels, privacy, reports
from .admin.permissions import ServicesOnlyPermissionPolicy
from .admin.viewsets import OrdersViewSetGroup
from .models import Order

# Before anything asks Wagtail for Order's policy (it would make a fallback one).
register_permission_policy(Order, ServicesOnlyPermissionPolicy(Order))


@hooks.register("register_admin_viewset")
def register_orders_admin():
    return OrdersViewSetGroup()


@hooks.register("register_admin_urls")
def register_sales_report_url():
    return [
        path("rapport-des-ventes/", reports.SalesReportView.as_view(), name="orders_sales_report")
    ]


@hooks.register("construct_homepage_panels")
def add_sales_panels(request, homepage_panels):
    homepage_panels.extend(panels.sales_panels(request))


@hooks.register("register_admin_urls")
def register_privacy_urls():
    return privacy.urlpatterns()


@hooks.register("register_settings_menu_item")
def register_privacy_menu_item():
    return privacy.menu_item()


# A page whose things were sold is unpublished, never deleted (admin/deletion.py).
hooks.register("before_delete_page", deletion.before_delete_page)
hooks.register("before_bulk_action", deletion.before_bulk_delete)
