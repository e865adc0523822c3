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

    if not order.sells(WorkshopBooking):  # its booking is its one line's item
        return None
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


def invoice_section(order):
    """An invoice billed for an order that is no workshop (a school group registered for a
    public activity): its number, due date, who is billed, and its PDF."""
    from django.conf import settings
    from django.urls import reverse

    from orders.registry import SectionLink

    from .models import Invoice

    invoice = Invoice.objects.filter(order=order, booking__isnull=True).first()
    if invoice is None:
        return None
    billed = invoice.billed_school
    if invoice.billed_school_board:
        billed += f" ({invoice.billed_school_board})"
    lines = [
        _("Facture %(number)s, payable au plus tard le %(due)s")
        % {"number": invoice.number, "due": date_format(invoice.due_date, "DATE_FORMAT")},
        _("Facturée à : %(school)s, %(email)s") % {"school": billed, "email": invoice.email},
    ]
    if invoice.purchase_order_number:
        lines.append(_("Bon de commande : %(po)s") % {"po": invoice.purchase_order_number})
    url = settings.WAGTAILADMIN_BASE_URL + reverse(
        "schools:invoice", kwargs={"code": order.code, "token": order.token}
    )
    lines.append(SectionLink(_("Facture %(number)s (PDF)") % {"number": invoice.number}, url))
    return {"heading": _("Paiement sur facture"), "lines": lines}


def register():
    from events import registry as events_registry
    from orders import registry

    from . import services
    from .privacy import SchoolsPersonalData

    registry.log_actions.register(LOG_ACTIONS)
    registry.personal_data.register(SchoolsPersonalData())
    registry.order_sections.register(
        registry.OrderSection(name="workshop", collect=workshop_section, order=50)
    )
    registry.order_sections.register(
        registry.OrderSection(name="invoice", collect=invoice_section, order=55)
    )
    events_registry.invoicing.register(
        events_registry.Invoicing(name="schools", issue=services.invoice_order)
    )
