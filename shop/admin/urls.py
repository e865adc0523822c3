"""The shop's back-office URLs, under /admin/boutique/ in the `shop_staff` namespace."""

from django.urls import include, path

from . import orders, stock

patterns = [
    path("commandes/", orders.OrdersToPrepareView.as_view(), name="orders"),
    path("commandes/<int:order_id>/", orders.OrderPreparationView.as_view(), name="order"),
    path(
        "commandes/<int:order_id>/retour/<int:line_id>/",
        orders.ReturnLineView.as_view(),
        name="return_line",
    ),
    path(
        "commandes/<int:order_id>/bordereau/",
        orders.PackingSlipView.as_view(),
        name="packing_slip",
    ),
    path("liste-de-cueillette/", orders.PickListView.as_view(), name="pick_list"),
    path("stock/", stock.StockView.as_view(), name="stock"),
    path("stock/<int:variant_id>/", stock.VariantStockView.as_view(), name="stock_variant"),
]

urlpatterns = [path("boutique/", include((patterns, "shop_staff")))]
