"""The rules of school workshop bookings. Views and the admin call these functions; each runs
in one transaction, writes the order's audit log (once there is an order) and queues its
emails through orders' outbox in that same transaction.

new → proposed (staff: a date, an animator, a price; the school gets a link)
    → confirmed (the school follows the link and chooses to pay by card: an order, pending)
    → invoiced (…or by invoice: the order plus a numbered invoice, sent as PDF)
    → paid (the card payment's webhook, or a cheque or transfer recorded by staff)
Any state before paid → cancelled (staff).
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders import availability
from orders import services as orders
from orders.models import Order, OrderKind, OrderState, Payment, PaymentState, RefundState
from orders.money import format_cad, quantize
from orders.outbox import queue_email
from orders.purchasable import NotAvailable

from . import invoices
from .models import (
    PROPOSAL_VALID_DAYS,
    BookingStatus,
    Invoice,
    InvoicePayment,
    PaymentMethod,
    WorkshopBooking,
    new_token,
)

# How long a workshop order may wait for its payment: an invoice is due in 30 days, and
# school boards often pay late; the order expires (and stops asking) after this.
PAYMENT_WINDOW = timedelta(days=365)
REMINDER_INTERVAL = timedelta(days=14)
MAX_REMINDERS = 3

OPEN_STATUSES = (
    BookingStatus.NEW,
    BookingStatus.PROPOSED,
    BookingStatus.CONFIRMED,
    BookingStatus.INVOICED,
)


class BookingError(orders.OrderError):
    """A request staff or the school must correct; the message is translated."""


def lock(booking):
    return WorkshopBooking.objects.select_for_update().get(pk=booking.pk)


def site_url():
    return settings.WAGTAILADMIN_BASE_URL


def confirm_url(booking):
    with translation.override(booking.language):
        return site_url() + reverse("schools:confirm", kwargs={"token": booking.token})


def email_school(
    booking, template, subject, key, attachments=(), order=None, subject_args=None, **context
):
    return queue_email(
        key=key,
        to=booking.email,
        language=booking.language,
        template=f"schools/email/{template}",
        context={"booking": booking, "site_url": site_url(), **context},
        subject=lambda: subject % {"ref": booking.reference, **(subject_args or {})},
        order=order or booking.order,
        attachments=attachments,
    )


# --- the public request ----------------------------------------------------------------------


@transaction.atomic
def create_request(*, data, themes, language, now=None):
    """Save the school's request and queue its acknowledgement. `data` is the form's cleaned
    data for the booking's own fields."""
    now = now or timezone.now()
    booking = WorkshopBooking.objects.create(
        **data, language=language, created_at=now, consent_at=now
    )
    booking.themes.set(themes)
    email_school(
        booking,
        "request_received",
        gettext_lazy("Demande d'animation reçue (%(ref)s)"),
        key=f"workshop_request:{booking.pk}",
        order=None,
    )
    notify_staff(booking)
    return booking


def notify_staff(booking):
    from orders.models import OrderSettings

    for address in OrderSettings.load().notification_addresses():
        queue_email(
            key=f"workshop_request_staff:{booking.pk}:{address}",
            to=address,
            language=settings.LANGUAGE_CODE,
            template="schools/email/staff_new_request",
            context={
                "booking": booking,
                "admin_url": site_url() + reverse("workshopbooking:inspect", args=[booking.pk]),
            },
            subject=lambda: (
                _("Nouvelle demande d'animation : %(school)s") % {"school": booking.school}
            ),
        )


# --- staff propose -----------------------------------------------------------------------------


def animator_conflicts(booking, animator, start, duration_minutes):
    """Other workshops, proposed or booked (confirmed, invoiced, paid), that `animator` leads at
    a time overlapping `start` for `duration_minutes` (the same name, whatever its case and
    spaces)."""
    name = " ".join(animator.split()).casefold()
    end = start + timedelta(minutes=duration_minutes)
    candidates = (
        WorkshopBooking.objects.filter(
            proposed_start__lt=end,
            proposed_start__gt=start - timedelta(minutes=480),
        )
        .exclude(pk=booking.pk)
        .exclude(status__in=[BookingStatus.NEW, BookingStatus.CANCELLED])
        .order_by("proposed_start")
    )
    return [
        other
        for other in candidates
        if " ".join(other.animator.split()).casefold() == name and other.proposed_end > start
    ]


def propose(
    booking, *, start, animator, price, duration_minutes=75, tax_status=None, user=None, now=None
):
    """Staff propose a date, an animator and a price; the school receives a link to confirm.
    Proposing again (another date) replaces the link: the old one no longer works."""
    now = now or timezone.now()
    price = quantize(Decimal(price))
    if price < 0:
        raise BookingError(_("Le prix ne peut pas être négatif."))
    if start <= now:
        raise BookingError(_("La date proposée doit être dans le futur."))
    with transaction.atomic():
        booking = lock(booking)
        if booking.status not in (BookingStatus.NEW, BookingStatus.PROPOSED):
            raise BookingError(
                _("Une animation « %(status)s » ne peut plus recevoir de proposition.")
                % {"status": booking.get_status_display()}
            )
        booking.status = BookingStatus.PROPOSED
        booking.proposed_start = start
        booking.duration_minutes = duration_minutes
        booking.animator = animator.strip()
        booking.price = price
        if tax_status:
            booking.tax_status = tax_status
        booking.token = new_token()
        booking.proposed_at = now
        booking.proposal_expires_at = now + timedelta(days=PROPOSAL_VALID_DAYS)
        booking.save()
        email_school(
            booking,
            "proposal",
            gettext_lazy("Proposition de date pour votre animation (%(ref)s)"),
            key=f"workshop_proposal:{booking.pk}:{booking.token}",
            confirm_url=confirm_url(booking),
        )
    return booking


# --- the school confirms -----------------------------------------------------------------------


class LinkProblem(Exception):
    """The confirmation link cannot be used; `reason` says why (unknown, used, expired)."""

    def __init__(self, reason, booking=None):
        super().__init__(reason)
        self.reason = reason
        self.booking = booking


def booking_for_link(token, now=None):
    """The booking whose proposal `token` confirms, or LinkProblem."""
    now = now or timezone.now()
    booking = WorkshopBooking.objects.filter(token=token).first() if token else None
    if booking is None:
        raise LinkProblem("unknown")
    check_link(booking, now)
    return booking


def check_link(booking, now):
    if booking.status == BookingStatus.CANCELLED:
        raise LinkProblem("cancelled", booking)
    if booking.status != BookingStatus.PROPOSED:
        raise LinkProblem("used", booking)
    if not booking.proposal_is_open(now):
        raise LinkProblem("expired", booking)


def confirm(token, *, method, purchase_order_number="", now=None):
    """The school accepts the proposal: the booking becomes an order (kind WORKSHOP) priced by
    staff, paid by card (the order's page) or by invoice (numbered, sent as PDF)."""
    now = now or timezone.now()
    if method not in PaymentMethod.values:
        raise BookingError(_("Choisissez un mode de paiement."))
    with transaction.atomic():
        booking = lock(booking_for_link(token, now))
        check_link(booking, now)  # again under the lock: a double click confirms once
        order = orders.place_order(
            kind=OrderKind.WORKSHOP,
            buyer_name=booking.contact_name,
            buyer_email=booking.email,
            language=booking.language,
            selections=[orders.Selection(item=booking, quantity=1)],
            now=now,
        )
        if order.state == OrderState.PENDING:
            # Not a hold on places (a workshop takes no quota): the time the school has to pay.
            order.expires_at = now + PAYMENT_WINDOW
            order.save(update_fields=["expires_at"])
        booking.refresh_from_db()  # a free workshop is already paid (fulfil)
        booking.order = order
        booking.confirmed_at = now
        booking.payment_method = method
        booking.purchase_order_number = purchase_order_number.strip()
        if booking.status != BookingStatus.PAID:
            booking.status = BookingStatus.CONFIRMED
        booking.save()
        orders.log(
            order,
            "workshop_confirmed",
            _("Animation confirmée par l'école (%(method)s)")
            % {"method": booking.get_payment_method_display()},
            booking=booking.pk,
        )
        if order.state == OrderState.PENDING:
            if method == PaymentMethod.INVOICE:
                issue_invoice(booking, now=now)
            else:
                email_school(
                    booking,
                    "confirmed_card",
                    gettext_lazy("Votre animation est confirmée (%(ref)s)"),
                    key=f"workshop_confirmed:{booking.pk}",
                    order_url=site_url() + order.get_absolute_url(),
                )
    return booking


# --- invoices ----------------------------------------------------------------------------------


def issue_invoice(booking, *, user=None, now=None):
    """Give the booking's order a numbered invoice and send it to the school as PDF (in the
    caller's transaction, the booking locked)."""
    now = now or timezone.now()
    order = booking.order
    if order is None or order.state != OrderState.PENDING:
        raise BookingError(_("Seule une commande en attente de paiement peut être facturée."))
    if Invoice.objects.filter(booking=booking).exists():
        raise BookingError(_("Cette animation a déjà une facture."))
    number = invoices.next_number(timezone.localtime(now).year)
    invoice = Invoice(
        number=number,
        booking=booking,
        order=order,
        issued_at=now,
        due_date=invoices.due_date_for(now),
        payment_terms_days=invoices.PAYMENT_TERMS_DAYS,
        purchase_order_number=booking.purchase_order_number,
    )
    invoice.pdf = invoices.render_pdf(invoice)
    invoice.save()
    booking.status = BookingStatus.INVOICED
    booking.payment_method = PaymentMethod.INVOICE
    booking.save(update_fields=["status", "payment_method"])
    orders.log(order, "invoice_issued", number, user=user, invoice=number)
    email_school(
        booking,
        "invoice",
        gettext_lazy("Facture %(number)s — animation %(ref)s"),
        key=f"workshop_invoice:{number}",
        subject_args={"number": number},
        attachments=[(invoice.filename, bytes(invoice.pdf), "application/pdf", None)],
        invoice=invoice,
        order_url=site_url() + order.get_absolute_url(),
    )
    return invoice


def email_invoice(invoice, template, subject, key, to=None, **context):
    """Write to whoever an invoice without a booking bills (a school registered for a public
    activity), or to `to`, with the invoice PDF attached."""
    order = invoice.order
    return queue_email(
        key=key,
        to=to or invoice.email,
        language=invoice.billed_language,
        template=f"schools/email/{template}",
        context={
            "invoice": invoice,
            "order": order,
            "site_url": site_url(),
            "order_url": site_url() + order.get_absolute_url(),
            **context,
        },
        subject=lambda: subject % {"number": invoice.number, "code": order.code},
        order=order,
        attachments=[(invoice.filename, bytes(invoice.pdf), "application/pdf", None)],
    )


def invoice_order(
    order, *, school, school_board, email, contact_name="", purchase_order_number="", now=None
):
    """Bill by invoice a pending order that is no workshop's: a school group registered for a
    public activity open to it (`EventPage.allow_invoice`). In the caller's transaction, the
    order just placed.

    The order is pretix's "pay by invoice" order with a payment term: it stays pending (it
    owes its total), its places are held until it is paid or staff cancel it, not for the
    half-hour of a card payment (`expires_at` is pushed to PAYMENT_WINDOW, as a workshop's),
    and what it bought is valid at once (`fulfil_before_payment`: names on the list, tickets
    checked in at the door). Past the due date nothing is released by itself: reminders go
    out (`send_reminders`), and staff who give up on it cancel the order, which releases the
    places to the waiting list.
    """
    now = now or timezone.now()
    school = (school or "").strip()
    email = (email or "").strip()
    if not school or not email:
        raise BookingError(_("Indiquez l'école et le courriel de facturation."))
    if order.state != OrderState.PENDING or order.total <= 0:
        raise BookingError(_("Seule une commande en attente de paiement peut être facturée."))
    if Invoice.objects.filter(order=order).exists():
        raise BookingError(_("Cette commande a déjà une facture."))
    # Places are held unpaid for months: no more than one unpaid invoice per billing address
    # for the same places (under the quotas' lock the order was just placed with). The order
    # keeps its `client_key`, so its places still count against the connection's cap on
    # unpaid holds (`orders.services.check_holds`).
    quotas = order.lines.values("quotas")
    if (
        Invoice.objects.filter(
            billing_email__iexact=email,
            order__state=OrderState.PENDING,
            order__lines__quotas__in=quotas,
        )
        .exclude(order=order)
        .exists()
    ):
        raise BookingError(
            _(
                "Une facture non payée à l'adresse %(email)s réserve déjà des places pour "
                "cette date. Payez-la ou demandez-nous de l'annuler avant d'en demander une "
                "autre."
            )
            % {"email": email}
        )
    order.expires_at = max(order.expires_at, now + PAYMENT_WINDOW)
    order.save(update_fields=["expires_at"])
    number = invoices.next_number(timezone.localtime(now).year)
    invoice = Invoice(
        number=number,
        order=order,
        school=school[:200],
        school_board=(school_board or "").strip()[:200],
        contact_name=(contact_name or order.buyer_name).strip()[:200],
        billing_email=email,
        language=order.language,
        issued_at=now,
        due_date=invoices.due_date_for(now),
        payment_terms_days=invoices.PAYMENT_TERMS_DAYS,
        purchase_order_number=(purchase_order_number or "").strip()[:60],
    )
    invoice.pdf = invoices.render_pdf(invoice)
    invoice.save()
    orders.fulfil_before_payment(
        order,
        message=_("Facture %(number)s : places gardées jusqu'au paiement") % {"number": number},
    )
    orders.log(order, "invoice_issued", number, invoice=number)
    subject = gettext_lazy("Facture %(number)s — inscription %(code)s")
    email_invoice(invoice, "order_invoice", subject, key=f"order_invoice:{number}")
    if order.buyer_email.strip().lower() != email.lower():
        # The teacher who registered the group, when the school's office pays: the same
        # letter (places kept, the invoice, the link to the tickets), or they hear nothing.
        email_invoice(
            invoice,
            "order_invoice",
            subject,
            key=f"order_invoice:{number}:buyer",
            to=order.buyer_email,
        )
    return invoice


def switch_to_invoice(booking, *, purchase_order_number="", user=None):
    """Staff: a school that chose the card asks for an invoice instead."""
    with transaction.atomic():
        booking = lock(booking)
        if booking.status != BookingStatus.CONFIRMED:
            raise BookingError(_("Seule une animation confirmée et non payée peut être facturée."))
        if purchase_order_number:
            booking.purchase_order_number = purchase_order_number.strip()
            booking.save(update_fields=["purchase_order_number"])
        booking.order = orders.lock(booking.order)
        return issue_invoice(booking, user=user)


def record_payment(invoice, *, method, reference, amount, received_on, user, now=None):
    """Staff record a cheque or a transfer for an invoice. An invoice is paid once: a second
    recording is refused (and the database refuses it too, whatever the race)."""
    now = now or timezone.now()
    reference = (reference or "").strip()
    if not reference:
        raise BookingError(
            _("Indiquez la référence du paiement (numéro de chèque ou de virement).")
        )
    if method not in InvoicePayment.Method.values:
        raise BookingError(_("Choisissez le mode de paiement."))
    amount = quantize(Decimal(amount))
    if received_on > timezone.localdate(now):
        raise BookingError(_("La date de réception ne peut pas être dans le futur."))
    placed_on = timezone.localdate(invoice.order.created_at)
    if received_on < placed_on:
        # « 2020-01-01 » was kept, and the invoice said it was paid years before it existed.
        raise BookingError(
            _("La date de réception ne peut pas précéder la commande (%(date)s).")
            % {"date": date_format(placed_on, "DATE_FORMAT")}
        )
    with transaction.atomic():
        order = orders.lock(invoice.order)
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if (
            order.state == OrderState.PAID
            or invoice.payments.filter(reversed_at__isnull=True).exists()
        ):
            raise BookingError(
                _("La facture %(number)s est déjà payée.") % {"number": invoice.number}
            )
        if order.state not in (OrderState.PENDING, OrderState.EXPIRED):
            raise BookingError(
                _("Une commande « %(state)s » ne peut pas recevoir de paiement.")
                % {"state": order.get_state_display()}
            )
        if amount != order.total:
            language = translation.get_language() or "fr"
            raise BookingError(
                _("Le montant reçu (%(amount)s) doit être celui de la facture (%(total)s).")
                % {
                    "amount": format_cad(amount, language),
                    "total": format_cad(order.total, language),
                }
            )
        if order.state == OrderState.EXPIRED or order.expires_at <= now:
            # Unpaid past its hold (a year): its places were given back and may have been
            # sold since. Paid only if they are still free, as a card payment that comes late.
            try:
                orders.reserve_again(order, now)
            except availability.Busy as exc:
                raise BookingError(str(exc)) from exc
            except NotAvailable as exc:
                raise BookingError(
                    _(
                        "La commande a expiré et ce qu'elle réservait n'est plus disponible "
                        "(%(reason)s) : le paiement n'est pas enregistré. Retournez le chèque "
                        "ou remboursez le virement, puis annulez la commande."
                    )
                    % {"reason": exc}
                ) from exc
        attempt = order.payments.count() + 1
        payment = Payment.objects.create(
            order=order,
            provider=method,
            state=PaymentState.PAID,
            amount=amount,
            idempotency_key=f"invoice:{invoice.number}:{attempt}",
            created_at=now,
            paid_at=now,
        )
        recorded = InvoicePayment.objects.create(
            invoice=invoice,
            payment=payment,
            method=method,
            reference=reference[:100],
            amount=amount,
            received_on=received_on,
            recorded_by=user,
            recorded_at=now,
        )
        orders.log(
            order,
            "invoice_payment_recorded",
            f"{recorded.get_method_display()} {reference} ({amount} $)",
            user=user,
            invoice=invoice.number,
            method=method,
            reference=reference,
            amount=str(amount),
            received_on=received_on.isoformat(),
        )
        orders.confirm(
            order,
            message=_("Paiement de la facture %(number)s enregistré") % {"number": invoice.number},
        )
    return recorded


def can_reverse(user):
    return user.has_perm("schools.reverse_invoicepayment")


def reverse_payment(recorded, *, user, reason, now=None):
    """An administrator reverses a payment recorded in error (a bounced cheque): the invoice is
    due again. The one step back an order may take, only for a payment staff recorded by hand
    (never one Stripe made), and logged with who and when."""
    now = now or timezone.now()
    if not can_reverse(user):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise BookingError(_("Indiquez le motif de l'annulation."))
    with transaction.atomic():
        order = orders.lock(recorded.invoice.order)
        recorded = InvoicePayment.objects.select_for_update().get(pk=recorded.pk)
        if recorded.reversed_at is not None:
            raise BookingError(_("Ce paiement est déjà annulé."))
        if recorded.payment.refunds.exclude(state=RefundState.FAILED).exists():
            raise BookingError(
                _(
                    "Des remboursements ont été enregistrés sur ce paiement : il ne peut plus "
                    "être annulé. Si le chèque est sans provision, réclamez la somme à l'école."
                )
            )
        if order.state != OrderState.PAID:
            raise BookingError(
                _("Une commande « %(state)s » ne peut pas revenir en attente de paiement.")
                % {"state": order.get_state_display()}
            )
        recorded.reversed_at = now
        recorded.reversed_by = user
        recorded.reversal_reason = reason[:300]
        recorded.save(update_fields=["reversed_at", "reversed_by", "reversal_reason"])
        Payment.objects.filter(pk=recorded.payment_id).update(state=PaymentState.CANCELLED)
        order.state = OrderState.PENDING
        order.paid_at = None
        order.expires_at = max(order.expires_at, now + PAYMENT_WINDOW)
        order.save(update_fields=["state", "paid_at", "expires_at"])
        if recorded.invoice.booking_id:
            order.lines.update(fulfilled=False)
            WorkshopBooking.objects.filter(pk=recorded.invoice.booking_id).update(
                status=BookingStatus.INVOICED, paid_at=None
            )
        # An activity's places billed to a school stay valid (their lines stay final, as
        # before the payment): the invoice is simply due again.
        orders.log(
            order,
            "invoice_payment_reversed",
            reason,
            user=user,
            invoice=recorded.invoice.number,
            reference=recorded.reference,
            previous=OrderState.PAID,
        )
    return recorded


# --- reminders ---------------------------------------------------------------------------------


def invoices_to_remind(now=None):
    now = now or timezone.now()
    return Invoice.objects.filter(
        order__state=OrderState.PENDING,
        due_date__lt=timezone.localdate(now),
        reminders_sent__lt=MAX_REMINDERS,
    ).exclude(last_reminder_at__gt=now - REMINDER_INTERVAL)


def send_reminders(now=None):
    """Remind schools of overdue invoices: at most once per REMINDER_INTERVAL per invoice,
    MAX_REMINDERS in all. Safe to run any number of times, at the same time too (the invoice
    is locked, read again, and the email's key is unique). Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for invoice_id in list(invoices_to_remind(now).values_list("pk", flat=True)[:200]):
        with transaction.atomic():
            invoice = (
                invoices_to_remind(now)
                .select_for_update(of=("self",))
                .filter(pk=invoice_id)
                .first()
            )
            if invoice is None:
                continue
            invoice.reminders_sent += 1
            invoice.last_reminder_at = now
            invoice.save(update_fields=["reminders_sent", "last_reminder_at"])
            booking = invoice.booking
            if booking is None:
                email_invoice(
                    invoice,
                    "invoice_reminder",
                    gettext_lazy("Rappel : facture %(number)s à payer"),
                    key=f"order_invoice_reminder:{invoice.number}:{invoice.reminders_sent}",
                )
            else:
                email_school(
                    booking,
                    "invoice_reminder",
                    gettext_lazy("Rappel : facture %(number)s à payer"),
                    key=f"workshop_invoice_reminder:{invoice.number}:{invoice.reminders_sent}",
                    subject_args={"number": invoice.number},
                    attachments=[(invoice.filename, bytes(invoice.pdf), "application/pdf", None)],
                    order=invoice.order,
                    invoice=invoice,
                    order_url=site_url() + invoice.order.get_absolute_url(),
                )
            orders.log(
                invoice.order,
                "invoice_reminder_sent",
                invoice.number,
                number=invoice.reminders_sent,
            )
            sent += 1
    return sent


# --- cancelling --------------------------------------------------------------------------------


def cancel(booking, *, user, reason=""):
    """Staff cancel a booking not paid yet; its pending order is cancelled with it (the school
    is told). A paid workshop is cancelled from its order (refund)."""
    with transaction.atomic():
        booking = lock(booking)
        if booking.status not in OPEN_STATUSES:
            raise BookingError(
                _("Une animation « %(status)s » ne peut pas être annulée ici.")
                % {"status": booking.get_status_display()}
            )
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = timezone.now()
        booking.save(update_fields=["status", "cancelled_at"])
        if booking.order_id and booking.order.state in (OrderState.PENDING, OrderState.EXPIRED):
            orders.cancel_order(
                booking.order, user=user, reason=reason or _("Animation annulée"), refund=False
            )
        elif not booking.order_id:
            email_school(
                booking,
                "cancelled",
                gettext_lazy("Animation annulée (%(ref)s)"),
                key=f"workshop_cancelled:{booking.pk}",
                reason=reason,
            )
    return booking


def invoice_of(order: Order):
    return Invoice.objects.filter(order=order).first()
