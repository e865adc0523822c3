"""What school bookings hold about a person, for Law 25 (registered in
`orders.registry.personal_data` by schools/registrations.py): the contact's name, email and
phone, and the free-text message of the request. The school and its board are organisations,
not people, and stay with the amounts for accounting; invoices keep their PDF (a tax record)
but its copy of the contact's name and email is redrawn without them when erased.

Bookings are found by the contact's email (a request not yet an order) and by the orders placed
with it. Once the workshop took place longer ago than the retention period (or, for a request
that never became one, its last preferred date), the contact's data goes."""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orders.privacy import REDACTED, PersonalDataProvider
from orders.privacy.base import ANONYMOUS_DOMAIN

from .models import WorkshopBooking

ERASED_EMAIL = f"anonyme@{ANONYMOUS_DOMAIN}"


def _bookings(email, orders):
    query = Q(order__in=orders)
    if email:
        query |= Q(email__iexact=email)
    return WorkshopBooking.objects.filter(query).select_related("order").order_by("pk")


def _erase(bookings, scrub):
    erased = 0
    for booking in bookings:
        values = {
            "contact_name": REDACTED,
            "email": ERASED_EMAIL,
            "phone": "",
            "message": "",
            "internal_note": scrub(booking.internal_note),
        }
        changed = [name for name, value in values.items() if getattr(booking, name) != value]
        if not changed:
            continue
        for name in changed:
            setattr(booking, name, values[name])
        booking.save(update_fields=changed)
        invoice = getattr(booking, "invoice", None)
        if invoice is not None:
            from . import invoices

            invoice.booking = booking
            invoice.pdf = invoices.render_pdf(invoice)
            invoice.save(update_fields=["pdf"])
        erased += 1
    return erased


def _order_invoices(email, orders):
    """Invoices of orders that are no workshop's (a school group registered for a public
    activity), who they bill being kept on the invoice itself."""
    from .models import Invoice

    query = Q(order__in=orders)
    if email:
        query |= Q(billing_email__iexact=email)
    return Invoice.objects.filter(query, booking__isnull=True).order_by("pk")


def _erase_invoices(found):
    """The contact's name and the billing address go (the school, the amounts and the number
    stay for the accounting); the PDF kept is drawn again without them."""
    from . import invoices

    erased = 0
    for invoice in found:
        if invoice.contact_name == REDACTED and invoice.billing_email == ERASED_EMAIL:
            continue
        invoice.contact_name = REDACTED
        invoice.billing_email = ERASED_EMAIL
        invoice.pdf = invoices.render_pdf(invoice)
        invoice.save(update_fields=["contact_name", "billing_email", "pdf"])
        erased += 1
    return erased


class SchoolsPersonalData(PersonalDataProvider):
    name = "schools"
    order = 60
    template_name = "schools/admin/privacy_held.html"

    def find(self, email, orders):
        return {"workshop_bookings": list(_bookings(email, orders))}

    def summary(self, counts):
        n = counts.get("workshop_bookings", 0)
        if not n:
            return []  # most people never asked for a workshop: say nothing rather than "0"
        return [ngettext("%(n)s demande d'animation", "%(n)s demandes d'animation", n) % {"n": n}]

    def erasure(self):
        return [
            _(
                "dans les demandes d'animation, le nom, le courriel, le téléphone et le message "
                "de la personne-ressource sont effacés (l'école et les montants restent) ;"
            )
        ]

    def export(self, email, orders):
        return {
            "workshop_bookings": [
                {
                    "reference": b.reference,
                    "status": b.status,
                    "school": b.school,
                    "school_board": b.school_board,
                    "contact_name": b.contact_name,
                    "email": b.email,
                    "phone": b.phone,
                    "level": b.level,
                    "group_size": b.group_size,
                    "preferred_dates": b.preferred_dates,
                    "themes": [str(theme) for theme in b.themes.all()],
                    "message": b.message,
                    "language": b.language,
                    "created_at": b.created_at,
                    "consent_at": b.consent_at,
                    "proposed_start": b.proposed_start,
                    "animator": b.animator,
                    "price": b.price,
                    "payment_method": b.payment_method,
                    "purchase_order_number": b.purchase_order_number,
                    "order": b.order.code if b.order_id else None,
                    "invoice": getattr(getattr(b, "invoice", None), "number", None),
                }
                for b in _bookings(email, orders)
            ],
            "invoices": [
                {
                    "number": i.number,
                    "order": i.order.code,
                    "school": i.school,
                    "school_board": i.school_board,
                    "contact_name": i.contact_name,
                    "billing_email": i.billing_email,
                    "purchase_order_number": i.purchase_order_number,
                    "issued_at": i.issued_at,
                }
                for i in _order_invoices(email, orders)
            ],
        }

    def names(self, email, orders):
        return {
            word
            for b in _bookings(email, orders)
            for word in (b.contact_name, b.email, b.phone)
            if word and word != REDACTED
        } | {
            word
            for i in _order_invoices(email, orders)
            for word in (i.contact_name, i.billing_email)
            if word and word not in (REDACTED, ERASED_EMAIL)
        }

    def erase_orders(self, orders, scrub):
        return {
            "workshop_bookings": _erase(_bookings(None, orders), scrub),
            "invoices": _erase_invoices(_order_invoices(None, orders)),
        }

    def erase_email(self, email, scrub):
        return {
            "workshop_bookings": _erase(WorkshopBooking.objects.filter(email__iexact=email), scrub),
            "invoices": _erase_invoices(_order_invoices(email, [])),
        }

    def finished_orders(self, cutoff):
        return WorkshopBooking.objects.filter(
            order__isnull=False, proposed_start__lt=cutoff
        ).values_list("order_id", flat=True)

    def purge(self, cutoff):
        # Requests that never became an order: gone once their last wished date is past.
        stale = WorkshopBooking.objects.filter(order__isnull=True, created_at__lt=cutoff).filter(
            Q(preferred_date_3__isnull=True, preferred_date_2__lt=cutoff.date())
            | Q(preferred_date_3__lt=cutoff.date())
        )
        return {"workshop_bookings": _erase(stale, lambda text: "")}
