"""What schools adds to orders' registries (`orders/registry.py`), from `SchoolsConfig.ready()`:
the labels of the audit-log actions it writes, its part of a person's data (Law 25), and the
workshop's section on the order's receipt and emails."""

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

LOG_ACTIONS = {
    "workshop_confirmed": gettext_lazy("Animation confirmée par l'école"),
    "invoice_issued": gettext_lazy("Facture émise"),
    "invoice_payment_recorded": gettext_lazy("Paiement de facture enregistré"),
    "invoice_payment_reversed": gettext_lazy("Paiement de facture annulé"),
    "invoice_reminder_sent": gettext_lazy("Rappel de facture envoyé"),
}


def workshop_section(order):
    """The workshop's date, animator and invoice, on its order's receipt and emails."""
    from .models import WorkshopBooking

    booking = WorkshopBooking.objects.filter(order=order).first()
    if booking is None:
        return None
    lines = [
        _("Date : %(when)s")
        % {"when": date_format(timezone.localtime(booking.proposed_start), "DATETIME_FORMAT")},
        _("Animation par : %(name)s") % {"name": booking.animator},
    ]
    invoice = getattr(booking, "invoice", None)
    if invoice is not None:
        lines.append(
            _("Facture %(number)s, payable au plus tard le %(due)s")
            % {"number": invoice.number, "due": date_format(invoice.due_date, "DATE_FORMAT")}
        )
    if booking.purchase_order_number:
        lines.append(_("Bon de commande : %(po)s") % {"po": booking.purchase_order_number})
    return {"heading": _("Animation scolaire"), "lines": lines}


def register():
    from orders import registry

    from .privacy import SchoolsPersonalData

    registry.log_actions.register(LOG_ACTIONS)
    registry.personal_data.register(SchoolsPersonalData())
    registry.order_sections.register(
        registry.OrderSection(name="workshop", collect=workshop_section, order=50)
    )
