"""What events adds to orders' registries (`orders/registry.py`), from `EventsConfig.ready()`:
orders knows nothing of activities and imports nothing from here.

- the labels of the audit-log actions events writes on orders;
- the orders listing's "Activité" filter;
- the sales report's table of revenue by activity.
"""

from django.utils.translation import gettext_lazy as _

LOG_ACTIONS = {
    "checked_in": _("Entrée enregistrée"),
    "check_in_undone": _("Entrée annulée"),
    "date_cancelled": _("Date annulée"),
    "date_postponed": _("Date reportée"),
    "date_message": _("Message aux participant·es"),
}


def register():
    from orders import registry

    from .admin.filters import ACTIVITY_FILTER
    from .admin.reports import REVENUE_BY_ACTIVITY

    registry.log_actions.register(LOG_ACTIONS)
    registry.order_filters.register(ACTIVITY_FILTER)
    registry.report_sections.register(REVENUE_BY_ACTIVITY)
