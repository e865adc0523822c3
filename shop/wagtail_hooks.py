"""The shop's admin registrations; the views live in `shop/admin/`.

- producers (snippets, admin/viewsets.py);
- "Boutique" in the menu: the orders to prepare with their pick list and packing slips, an
  order's preparation and returns (admin/orders.py), the stock and its adjustments
  (admin/stock.py).

What the shop adds to orders' own screens (the sales report's tables, log labels) is
registered in orders' registries by shop/registrations.py.
"""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .admin import menu, urls
from .admin.viewsets import ProducerViewSet

register_snippet(ProducerViewSet)


@hooks.register("register_admin_urls")
def register_shop_staff_urls():
    return urls.urlpatterns


@hooks.register("register_admin_menu_item")
def register_shop_menu_item():
    return menu.shop_menu_item()
