"""What events adds to orders' registries (`orders/registry.py`), from `EventsConfig.ready()`:
orders knows nothing of activities and imports nothing from here.

- the labels of the audit-log actions events writes on orders;
- the orders listing's "Activité" filter, and its search by a ticket's code;
- the sales report's table of revenue by activity;
- its part of a person's data for Law 25 (events/privacy.py).
"""

from django.utils.translation import gettext_lazy as _

LOG_ACTIONS = {
    "checked_in": _("Entrée enregistrée"),
    "check_in_undone": _("Entrée annulée"),
    "check_in_conflict": _("Conflit d'entrée (deux téléphones hors ligne)"),
    "date_cancelled": _("Date annulée"),
    "ticket_cancelled": _("Billet annulé"),
    "date_postponed": _("Date reportée"),
    "date_message": _("Message aux participant·es"),
}


def register():
    from orders import registry

    from .admin.filters import ACTIVITY_FILTER, TICKET_CODE_FINDER
    from .admin.reports import REVENUE_BY_ACTIVITY
    from .privacy import EventsPersonalData

    registry.log_actions.register(LOG_ACTIONS)
    registry.order_filters.register(ACTIVITY_FILTER)
    registry.order_finders.register(TICKET_CODE_FINDER)
    registry.report_sections.register(REVENUE_BY_ACTIVITY)
    registry.personal_data.register(EventsPersonalData())
