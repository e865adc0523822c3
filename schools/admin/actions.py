"""What staff do to a booking from its detail: propose a date, invoice it, record or reverse a
payment, cancel it. Each action is a form on its own page that calls one service
(schools/services.py); an error from the service is shown on the form and changes nothing."""

from datetime import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

from cesiq_site.validation import AT_LEAST_A_CENT
from orders.models import OrderState
from orders.money import format_cad
from orders.taxes import TaxCategory

from .. import services
from ..models import BookingStatus, InvoicePayment, WorkshopBooking


class StaffActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, BaseObjectMixin, FormView):
    """A form on its own page that staff reach from an object's detail (a booking, an
    invoice) and that calls one service; an OrderError is shown on the form and changes
    nothing. Subclasses name the object (`label`, `subtitle`) and where its pages are."""

    permission_required = "change"
    # A Django permission the action needs besides the viewset's (e.g. reversing a payment).
    extra_permission = None
    index_url_name = None
    inspect_url_name = None
    unavailable_message = ""
    name = ""
    page_title = ""
    submit_label = ""
    destructive = False

    @classmethod
    def is_available(cls, obj):
        return True

    @classmethod
    def allowed(cls, user):
        return cls.extra_permission is None or user.has_perm(cls.extra_permission)

    def label(self):
        raise NotImplementedError

    def get_inspect_url(self):
        return reverse(self.inspect_url_name, args=[self.object.pk])

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse(self.index_url_name),
                "label": capfirst(self.model._meta.verbose_name_plural),
            },
            {"url": self.get_inspect_url(), "label": self.label()},
            {"url": "", "label": self.get_page_title()},
        ]

    def dispatch(self, request, *args, **kwargs):
        if not self.user_has_permission(self.permission_required) or not self.allowed(request.user):
            raise PermissionDenied
        if not self.is_available(self.object):
            messages.error(request, self.unavailable_message)
            return redirect(self.get_inspect_url())
        return super().dispatch(request, *args, **kwargs)

    def intro(self):
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            intro=self.intro(),
            submit_label=self.submit_label,
            destructive=self.destructive,
            cancel_url=self.get_inspect_url(),
            action_url=self.request.path,
        )
        return context

    def form_valid(self, form):
        try:
            message = self.perform(form)
        except services.orders.OrderError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.get_inspect_url())

    def perform(self, form):
        raise NotImplementedError


class BookingActionView(StaffActionView):
    model = WorkshopBooking
    template_name = "schools/admin/booking_action.html"
    header_icon = "group"
    button_icon = "form"
    unavailable_message = _("Cette action n'est pas possible pour cette animation.")

    def label(self):
        return self.object.reference

    def get_page_subtitle(self):
        return f"{self.object.reference} — {self.object.school}"

    def get_context_data(self, **kwargs):
        return super().get_context_data(booking=self.object, **kwargs)


# --- propose ---


class ProposeForm(forms.Form):
    start = forms.DateTimeField(label=_("Date et heure"), widget=AdminDateTimeInput)
    duration_minutes = forms.IntegerField(
        label=_("Durée (minutes)"), min_value=15, max_value=480, initial=75
    )
    animator = forms.CharField(label=_("Animateur ou animatrice"), max_length=200)
    price = forms.DecimalField(
        label=_("Prix (avant taxes)"),
        min_value=Decimal("0"),
        max_digits=8,
        decimal_places=2,
        localize=True,
    )
    tax_status = forms.ChoiceField(
        label=_("Catégorie de taxes"),
        choices=TaxCategory.choices,
        initial=TaxCategory.EXEMPT,
        help_text=_(
            "Une animation éducative offerte par un organisme sans but lucratif est "
            "généralement exonérée."
        ),
    )
    despite_conflict = forms.BooleanField(
        label=_("Proposer même si cette personne anime déjà à cette heure"),
        required=False,
        help_text=_("Par exemple, deux groupes réunis pour une même animation."),
    )


def _when(moment):
    from django.utils.formats import date_format

    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


class ProposeView(BookingActionView):
    name = "propose"
    page_title = _("Proposer une date")
    button_icon = "date"
    form_class = ProposeForm
    submit_label = _("Envoyer la proposition à l'école")

    @classmethod
    def is_available(cls, booking):
        return booking.status in (BookingStatus.NEW, BookingStatus.PROPOSED)

    def get_initial(self):
        booking = self.object
        initial = {"tax_status": booking.tax_status, "duration_minutes": booking.duration_minutes}
        if booking.proposed_start:
            initial.update(
                start=booking.proposed_start, animator=booking.animator, price=booking.price
            )
        else:
            first = booking.preferred_date_1
            start = timezone.make_aware(datetime(first.year, first.month, first.day, 9, 30))
            initial["start"] = start
        return initial

    def intro(self):
        days = ", ".join(d.strftime("%Y-%m-%d") for d in self.object.preferred_dates)
        return _(
            "Dates souhaitées par l'école : %(days)s. L'école reçoit un lien pour confirmer."
        ) % {"days": days}

    def perform(self, form):
        data = form.cleaned_data
        if not data["despite_conflict"] and (
            taken := services.animator_conflicts(
                self.object, data["animator"], data["start"], data["duration_minutes"]
            )
        ):
            raise services.BookingError(
                _(
                    "%(animator)s anime déjà à cette heure : %(bookings)s. Choisissez une "
                    "autre heure ou une autre personne, ou cochez « Proposer même si… »."
                )
                % {
                    "animator": " ".join(data["animator"].split()),
                    "bookings": ", ".join(
                        f"{b.reference} ({b.school}, {_when(b.proposed_start)})" for b in taken
                    ),
                }
            )
        services.propose(
            self.object,
            start=data["start"],
            animator=data["animator"],
            price=data["price"],
            duration_minutes=data["duration_minutes"],
            tax_status=data["tax_status"],
            user=self.request.user,
        )
        return _("La proposition a été envoyée à %(email)s.") % {"email": self.object.email}


# --- invoice instead of card ---


class InvoiceForm(forms.Form):
    purchase_order_number = forms.CharField(
        label=_("N° de bon de commande"), max_length=60, required=False
    )


class InvoiceView(BookingActionView):
    name = "invoice"
    page_title = _("Facturer")
    button_icon = "doc-full"
    form_class = InvoiceForm
    submit_label = _("Émettre la facture et l'envoyer")

    @classmethod
    def is_available(cls, booking):
        return (
            booking.status == BookingStatus.CONFIRMED
            and booking.order_id is not None
            and booking.order.state == OrderState.PENDING
        )

    def get_initial(self):
        return {"purchase_order_number": self.object.purchase_order_number}

    def intro(self):
        return _(
            "L'école a choisi de payer par carte. Une facture numérotée lui sera envoyée en PDF."
        )

    def perform(self, form):
        invoice = services.switch_to_invoice(
            self.object,
            purchase_order_number=form.cleaned_data["purchase_order_number"],
            user=self.request.user,
        )
        return _("La facture %(number)s a été envoyée.") % {"number": invoice.number}


# --- record a payment ---


class RecordPaymentForm(forms.Form):
    method = forms.ChoiceField(label=_("Mode"), choices=InvoicePayment.Method.choices)
    reference = forms.CharField(
        label=_("Référence"), max_length=100, help_text=_("Numéro du chèque ou du virement.")
    )
    amount = forms.DecimalField(
        label=_("Montant reçu"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        localize=True,
        error_messages={"min_value": AT_LEAST_A_CENT},
    )
    received_on = forms.DateField(label=_("Reçu le"), widget=AdminDateInput)


class RecordPaymentView(BookingActionView):
    name = "record_payment"
    page_title = _("Enregistrer un paiement")
    button_icon = "success"
    extra_permission = "schools.add_invoicepayment"
    form_class = RecordPaymentForm
    submit_label = _("Enregistrer le paiement")

    @classmethod
    def is_available(cls, booking):
        invoice = getattr(booking, "invoice", None)
        return invoice is not None and booking.order.state in (
            OrderState.PENDING,
            OrderState.EXPIRED,
        )

    def get_initial(self):
        return {"amount": self.object.order.total, "received_on": timezone.localdate()}

    def intro(self):
        invoice = self.object.invoice
        return _("Facture %(number)s, %(total)s à recevoir.") % {
            "number": invoice.number,
            "total": format_cad(invoice.order.total, translation.get_language() or "fr"),
        }

    def perform(self, form):
        data = form.cleaned_data
        recorded = services.record_payment(
            self.object.invoice,
            method=data["method"],
            reference=data["reference"],
            amount=data["amount"],
            received_on=data["received_on"],
            user=self.request.user,
        )
        return _("Paiement enregistré : facture %(number)s payée.") % {
            "number": recorded.invoice.number
        }


# --- reverse a payment (administrators) ---


class ReversePaymentForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"), max_length=300, help_text=_("Chèque sans provision, erreur de saisie…")
    )


class ReversePaymentView(BookingActionView):
    name = "reverse_payment"
    page_title = _("Annuler le paiement enregistré")
    button_icon = "warning"
    extra_permission = "schools.reverse_invoicepayment"
    form_class = ReversePaymentForm
    submit_label = _("Annuler le paiement")
    destructive = True

    @classmethod
    def live_payment(cls, booking):
        invoice = getattr(booking, "invoice", None)
        if invoice is None:
            return None
        return invoice.payments.filter(reversed_at__isnull=True).first()

    @classmethod
    def is_available(cls, booking):
        return cls.live_payment(booking) is not None

    def intro(self):
        recorded = self.live_payment(self.object)
        return _(
            "Le paiement %(method)s %(reference)s sera annulé et la facture redeviendra à payer. "
            "L'annulation est inscrite au journal de la commande."
        ) % {"method": recorded.get_method_display(), "reference": recorded.reference}

    def perform(self, form):
        services.reverse_payment(
            self.live_payment(self.object),
            user=self.request.user,
            reason=form.cleaned_data["reason"],
        )
        return _("Le paiement est annulé ; la facture est de nouveau à payer.")


# --- cancel ---


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Motif (envoyé à l'école)"), max_length=300, required=False)


class CancelView(BookingActionView):
    name = "cancel"
    page_title = _("Annuler l'animation")
    button_icon = "cross"
    form_class = CancelForm
    submit_label = _("Annuler l'animation")
    destructive = True

    @classmethod
    def is_available(cls, booking):
        return booking.status in services.OPEN_STATUSES

    def perform(self, form):
        services.cancel(self.object, user=self.request.user, reason=form.cleaned_data["reason"])
        return _("L'animation est annulée ; l'école en est avisée.")


BOOKING_ACTIONS = [ProposeView, InvoiceView, RecordPaymentView, ReversePaymentView, CancelView]
