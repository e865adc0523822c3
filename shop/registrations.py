"""What the shop adds to orders' registries (`orders/registry.py`), from `ShopConfig.ready()`:
orders knows nothing of the shop and imports nothing from here.

- the labels of the audit-log actions the shop writes on orders (each step of an order's
  preparation);
- the sales report's tables of sales by product and by month.
"""


def register():
    from orders import registry

    from .admin.reports import SALES_BY_MONTH, SALES_BY_PRODUCT
    from .fulfilment import status_label

    registry.log_actions.register_prefix("fulfilment:", status_label)
    registry.report_sections.register(SALES_BY_PRODUCT)
    registry.report_sections.register(SALES_BY_MONTH)
