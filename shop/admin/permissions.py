"""Who may do what in the shop's back-office (home/permissions.py gives them to the
"Boutique" team):

- see the shop orders to prepare, an order's preparation page, the pick list and the packing
  slips: `shop.view_fulfilment`;
- move an order's preparation forward (the buyer is told) and take back units of a line
  (refunded, restocked): `shop.change_fulfilment`;
- see the stock and its history: `shop.view_stockadjustment`; adjust it: `shop.add_stockadjustment`.
"""

from django.core.exceptions import PermissionDenied

VIEW_ORDERS = "shop.view_fulfilment"
PREPARE = "shop.change_fulfilment"
VIEW_STOCK = "shop.view_stockadjustment"
ADJUST_STOCK = "shop.add_stockadjustment"


class PermissionRequiredMixin:
    """Refuse whoever lacks `permission` (Wagtail turns the refusal into a redirect to the
    dashboard with a message)."""

    permission = VIEW_ORDERS

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
