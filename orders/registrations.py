"""What orders itself puts in its registries (`orders/registry.py`), as every other app does
from its own `registrations.py`: the labels of the audit-log actions it writes, and its own
part of a person's data for Law 25."""

from django.utils.translation import gettext_lazy as _

from . import registry
from .models import Dispute, OrderState

LOG_ACTIONS = {
    "placed": _("Commande passée"),
    "checkout_started": _("Page de paiement ouverte"),
    "payment_processing": _("Paiement en traitement"),
    "awaiting_email": _("Confirmation par courriel demandée"),
    "payment_received": _("Paiement reçu"),
    "payment_failed": _("Paiement échoué"),
    "checkout_expired": _("Page de paiement expirée"),
    "flagged": _("Signalée pour vérification"),
    "flag_resolved": _("Vérification terminée"),
    "checkout_found": _("Page de paiement retrouvée"),
    "refund_requested": _("Remboursement demandé"),
    "refund_pending": _("Remboursement en cours chez Stripe"),
    "refund_succeeded": _("Remboursement effectué"),
    "refund_failed": _("Remboursement échoué"),
    "line_returned": _("Articles retournés"),
    "note_changed": _("Note interne modifiée"),
    "confirmation_resent": _("Confirmation renvoyée"),
    "personal_data_erased": _("Renseignements personnels effacés (Loi 25)"),
    "personal_data_purged": _("Renseignements personnels purgés (Loi 25)"),
    "fulfilled_before_payment": _("Confirmée avant le paiement (sur facture)"),
    "manual_refund_recorded": _("Remboursement fait à la main enregistré"),
}


def dispute_label(status):
    """`dispute_lost` and the like, written at each step of a dispute."""
    if status in Dispute.Status.values:
        return _("Litige : %(status)s") % {"status": Dispute.Status(status).label}
    return None


def state_label(state):
    """`state:paid` and the like, written on every change of state."""
    if state in OrderState.values:
        return _("État : %(state)s") % {"state": OrderState(state).label}
    return None


def register():
    from .privacy.provider import OrdersPersonalData

    registry.log_actions.register(LOG_ACTIONS)
    registry.log_actions.register_prefix("state:", state_label)
    registry.log_actions.register_prefix("dispute_", dispute_label)
    registry.personal_data.register(OrdersPersonalData())
