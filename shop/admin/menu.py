"""The "Boutique" menu of the admin: orders to prepare, stock and producers, each shown to
whoever may use it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from .permissions import VIEW_ORDERS, VIEW_STOCK


class PermissionMenuItem(MenuItem):
    def __init__(self, *args, permission, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


def shop_menu_item():
    items = [
        PermissionMenuItem(
            _("Commandes à préparer"),
            reverse("shop_staff:orders"),
            name="shop-orders",
            icon_name="list-ul",
            order=100,
            permission=VIEW_ORDERS,
        ),
        PermissionMenuItem(
            _("Stock"),
            reverse("shop_staff:stock"),
            name="shop-stock",
            icon_name="table",
            order=200,
            permission=VIEW_STOCK,
        ),
    ]
    return SubmenuMenuItem(
        _("Boutique"),
        Menu(items=items),
        name="shop",
        icon_name="tag",
        order=260,
    )
