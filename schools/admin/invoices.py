""" "Factures" in the admin: every invoice, a workshop's or a school group's registered for a
public activity (which has no booking to hold its actions), with the payments staff recorded;
recording a cheque or a transfer, and reversing one (administrators), go through the same
services as a workshop's (schools/services.py)."""

from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from cesiq_site.validation import AT_LEAST_A_CENT
from orders.admin.formats import cad, local_datetime
from orders.models import OrderState
from orders.money import format_cad

from .. import services
from ..models import Invoice, InvoicePayment
from .actions import RecordPaymentForm, ReversePaymentForm, StaffActionView

PAYABLE = (OrderState.PENDING, OrderState.EXPIRED)


def live_payment(invoice):
    return invoice.payments.filter(reversed_at__isnull=True).first()


class InvoiceFilterSet(WagtailFilterSet):
    unpaid = django_filters.BooleanFilter(
        label=_("À payer"), method="filter_unpaid", widget=forms.NullBooleanSelect
    )

    class Meta:
        model = Invoice
        fields = []

    def filter_unpaid(self, queryset, name, value):
        if value is None:
            return queryset
        paid = Exists(InvoicePayment.objects.filter(invoice=OuterRef("pk"), reversed_at=None))
        return queryset.filter(~paid if value else paid)


class InvoiceIndexView(generic.IndexView):
    def get_edit_url(self, instance):
        return None


class InvoiceEditView(generic.EditView):
    """An invoice is not edited (it was sent as it is): its address opens its detail."""

    def dispatch(self, request, *args, **kwargs):
        return redirect("invoice:inspect", kwargs["pk"])


class InvoiceInspectView(generic.InspectView):
    template_name = "schools/admin/invoice_inspect.html"
    actions = ()

    def get_page_title(self):
        return _("Facture %(number)s") % {"number": self.object.number}

    def get_page_subtitle(self):
        return self.object.billed_school

    def action_links(self):
        if not self.user_has_permission("change"):
            return []
        return [
            (
                view_class.page_title,
                reverse(url_name, args=[self.object.pk]),
                view_class.destructive,
            )
            for view_class, url_name in self.actions
            if view_class.allowed(self.request.user) and view_class.is_available(self.object)
        ]

    def get_context_data(self, **kwargs):
        from orders.admin.viewsets import OrderViewSet

        context = super().get_context_data(**kwargs)
        invoice = self.object
        order = invoice.order
        context.update(
            invoice=invoice,
            order=order,
            action_links=self.action_links(),
            payments=invoice.payments.select_related("recorded_by", "reversed_by"),
            pdf_url=reverse("invoice:pdf", args=[invoice.pk]),
            order_url=reverse(f"{OrderViewSet.name}:inspect", args=[order.pk])
            if self.request.user.has_perm("orders.view_order")
            else "",
            booking_url=reverse("workshopbooking:inspect", args=[invoice.booking_id])
            if invoice.booking_id
            else "",
            total=cad(order.total),
            issued=local_datetime(invoice.issued_at),
        )
        return context


class InvoiceActionView(StaffActionView):
    model = Invoice
    template_name = "schools/admin/invoice_action.html"
    header_icon = "doc-full"
    index_url_name = "invoice:index"
    inspect_url_name = "invoice:inspect"
    unavailable_message = _("Cette action n'est pas possible pour cette facture.")

    def label(self):
        return self.object.number

    def get_page_subtitle(self):
        return f"{self.object.number} — {self.object.billed_school}"


class RecordInvoicePaymentView(InvoiceActionView):
    name = "record_payment"
    page_title = _("Enregistrer un paiement")
    extra_permission = "schools.add_invoicepayment"
    form_class = RecordPaymentForm
    submit_label = _("Enregistrer le paiement")

    @classmethod
    def is_available(cls, invoice):
        return invoice.order.state in PAYABLE and live_payment(invoice) is None

    def get_initial(self):
        return {"amount": self.object.order.total, "received_on": timezone.localdate()}

    def intro(self):
        return _("Facture %(number)s, %(total)s à recevoir.") % {
            "number": self.object.number,
            "total": format_cad(self.object.order.total, translation.get_language() or "fr"),
        }

    def perform(self, form):
        data = form.cleaned_data
        recorded = services.record_payment(
            self.object,
            method=data["method"],
            reference=data["reference"],
            amount=data["amount"],
            received_on=data["received_on"],
            user=self.request.user,
        )
        return _("Paiement enregistré : facture %(number)s payée.") % {
            "number": recorded.invoice.number
        }


class ReverseInvoicePaymentView(InvoiceActionView):
    name = "reverse_payment"
    page_title = _("Annuler le paiement enregistré")
    extra_permission = "schools.reverse_invoicepayment"
    form_class = ReversePaymentForm
    submit_label = _("Annuler le paiement")
    destructive = True

    @classmethod
    def is_available(cls, invoice):
        return live_payment(invoice) is not None

    def intro(self):
        recorded = live_payment(self.object)
        return _(
            "Le paiement %(method)s %(reference)s sera annulé et la facture redeviendra à payer. "
            "L'annulation est inscrite au journal de la commande."
        ) % {"method": recorded.get_method_display(), "reference": recorded.reference}

    def perform(self, form):
        services.reverse_payment(
            live_payment(self.object), user=self.request.user, reason=form.cleaned_data["reason"]
        )
        return _("Le paiement est annulé ; la facture est de nouveau à payer.")


class ManualRefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Montant remboursé"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        localize=True,
        error_messages={"min_value": AT_LEAST_A_CENT},
    )
    reference = forms.CharField(
        label=_("Référence"),
        max_length=100,
        help_text=_("Numéro du chèque ou du virement envoyé à l'école."),
    )
    reason = forms.CharField(label=_("Motif"), max_length=200)


class ManualRefundView(InvoiceActionView):
    """An administrator records money given back by cheque or transfer for an invoice paid
    so (Stripe cannot refund it): who, when, the reference and the reason, in the order's
    log. The places stay taken; cancelling the order is its own step."""

    name = "manual_refund"
    page_title = _("Enregistrer un remboursement")
    extra_permission = "schools.reverse_invoicepayment"
    form_class = ManualRefundForm
    submit_label = _("Enregistrer le remboursement")
    destructive = True

    @classmethod
    def is_available(cls, invoice):
        order = invoice.order
        return (
            live_payment(invoice) is not None
            and order.state
            in (
                OrderState.PAID,
                OrderState.REFUNDED,
                OrderState.CANCELLED,
            )
            and order.balance > 0
        )

    def get_initial(self):
        return {"amount": self.object.order.balance}

    def intro(self):
        return _(
            "Remboursez d'abord l'école vous-même (chèque ou virement), puis enregistrez-le "
            "ici : il est inscrit au journal de la commande avec votre nom, et l'école en est "
            "avisée. Il n'annule pas l'inscription."
        )

    def perform(self, form):
        data = form.cleaned_data
        refund = services.orders.record_manual_refund(
            self.object.order,
            data["amount"],
            reference=data["reference"],
            reason=data["reason"],
            user=self.request.user,
        )
        return _("Remboursement de %(amount)s $ enregistré.") % {"amount": refund.amount}


INVOICE_ACTIONS = [RecordInvoicePaymentView, ReverseInvoicePaymentView, ManualRefundView]


def invoice_state(invoice):
    if live_payment(invoice) is not None:
        return _("Payée")
    return invoice.order.get_state_display()


class InvoiceViewSet(ModelViewSet):
    """Read by whoever reads school bookings (its permission policy is theirs, registered in
    wagtail_hooks); its actions need their permissions."""

    model = Invoice
    name = "invoice"
    url_prefix = "factures"
    icon = "doc-full"
    menu_label = _("Factures")
    menu_order = 111
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = InvoiceIndexView
    inspect_view_class = InvoiceInspectView
    edit_view_class = InvoiceEditView
    form_fields = ["purchase_order_number"]  # never shown: the edit view redirects
    filterset_class = InvoiceFilterSet
    search_fields = ["number", "school", "purchase_order_number", "billing_email"]
    list_display = [
        "number",
        Column("school", label=_("Facturée à"), accessor="billed_school"),
        Column("order", label=_("Commande"), accessor=lambda i: i.order.code),
        Column("total", label=_("Total"), accessor=lambda i: cad(i.order.total)),
        Column("due_date", label=_("Échéance"), accessor="due_date", sort_key="due_date"),
        Column("state", label=_("État"), accessor=invoice_state),
    ]

    def get_queryset(self, request):
        return Invoice.objects.select_related("order", "booking")

    def get_inspect_view_kwargs(self, **kwargs):
        actions = [(v, self.get_url_name(v.name)) for v in INVOICE_ACTIONS]
        return super().get_inspect_view_kwargs(actions=actions, **kwargs)

    def get_urlpatterns(self):
        conv = self.pk_path_converter
        return [
            *super().get_urlpatterns(),
            path(f"pdf/<{conv}:pk>/", invoice_pdf, name="pdf"),
            *(
                path(
                    f"{view_class.name.replace('_', '-')}/<{conv}:pk>/",
                    self.construct_view(view_class),
                    name=view_class.name,
                )
                for view_class in INVOICE_ACTIONS
            ),
        ]

    def get_permissions_to_register(self):
        # None of its own: the bookings' permissions (registered by their viewset) apply.
        from django.contrib.auth.models import Permission

        return Permission.objects.none()


def invoice_pdf(request, pk):
    from django.shortcuts import get_object_or_404

    if not request.user.has_perm("schools.view_workshopbooking"):
        raise PermissionDenied
    invoice = get_object_or_404(Invoice, pk=pk)
    response = HttpResponse(bytes(invoice.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.filename}"'
    return response
