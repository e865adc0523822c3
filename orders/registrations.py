"""What orders itself puts in its registries (`orders/registry.py`), as every other app does
from its own `registrations.py`: the labels of the audit-log actions it writes, and its own
part of a person's data for Law 25."""

from django.utils.translation import gettext_lazy as _

from . import registry
from .models import OrderState

LOG_ACTIONS = {
    "placed": _("Commande passée"),
    "checkout_started": _("Page de paiement ouverte"),
    "payment_processing": _("Paiement en traitement"),
    "payment_received": _("Paiement reçu"),
    "payment_failed": _("Paiement échoué"),
    "checkout_expired": _("Page de paiement expirée"),
    "flagged": _("Signalée pour vérification"),
    "refund_requested": _("Remboursement demandé"),
    "refund_succeeded": _("Remboursement effectué"),
    "refund_failed": _("Remboursement échoué"),
    "note_changed": _("Note interne modifiée"),
    "confirmation_resent": _("Confirmation renvoyée"),
    "personal_data_erased": _("Renseignements personnels effacés (Loi 25)"),
    "personal_data_purged": _("Renseignements personnels purgés (Loi 25)"),
}


def state_label(state):
    """`state:paid` and the like, written on every change of state."""
    if state in OrderState.values:
        return _("État : %(state)s") % {"state": OrderState(state).label}
    return None


def register():
    from .privacy.provider import OrdersPersonalData

    registry.log_actions.register(LOG_ACTIONS)
    registry.log_actions.register_prefix("state:", state_label)
    registry.personal_data.register(OrdersPersonalData())
