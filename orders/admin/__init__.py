"""The orders back-office in the Wagtail admin: the orders and discount codes viewsets, the
order actions, the sales report and dashboard panels, the Law 25 screens. Registered in
`orders/wagtail_hooks.py`.

Kept free of imports: Django's admin autodiscovery imports every app's `admin` module.
"""
