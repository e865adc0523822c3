""" "Animations scolaires" in the admin: the bookings listing, a booking's detail with its
actions (admin/actions.py), its internal note, the invoice PDF."""

import django_filters
from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from orders.admin.formats import cad, local_datetime

from ..models import BookingStatus, InvoicePayment, WorkshopBooking
from .actions import BOOKING_ACTIONS


class BookingFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label=_("État"), choices=BookingStatus.choices)

    class Meta:
        model = WorkshopBooking
        fields = ["status"]


class BookingIndexView(generic.IndexView):
    def get_edit_url(self, instance):
        return None  # the title opens the detail; editing is for the internal note only


class BookingInspectView(generic.InspectView):
    template_name = "schools/admin/booking_inspect.html"
    actions = ()

    def get_page_title(self):
        return _("Animation %(ref)s") % {"ref": self.object.reference}

    def get_page_subtitle(self):
        return self.object.school

    def action_links(self):
        """(label, url, destructive) of the actions this person may take now."""
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

    @property
    def header_more_buttons(self):
        buttons = []
        if edit_url := self.get_edit_url():
            buttons.append(
                Button(_("Modifier la note interne"), url=edit_url, icon_name="edit", priority=10)
            )
        return buttons

    def get_context_data(self, **kwargs):
        from orders.admin.viewsets import OrderViewSet

        context = super().get_context_data(**kwargs)
        booking = self.object
        invoice = getattr(booking, "invoice", None)
        can_see_orders = self.request.user.has_perm("orders.view_order")
        context.update(
            action_links=self.action_links(),
            booking=booking,
            invoice=invoice,
            invoice_payments=invoice.payments.select_related("recorded_by", "reversed_by")
            if invoice
            else [],
            invoice_url=reverse("workshopbooking:invoice_pdf", args=[booking.pk])
            if invoice
            else "",
            order_url=(
                reverse(f"{OrderViewSet.name}:inspect", args=[booking.order_id])
                if booking.order_id and can_see_orders
                else ""
            ),
            total=cad(booking.order.total) if booking.order_id else "",
            proposed=local_datetime(booking.proposed_start),
            created=local_datetime(booking.created_at),
        )
        return context


class BookingNoteEditView(generic.EditView):
    def get_success_url(self):
        return reverse("workshopbooking:inspect", args=[self.object.pk])


def invoice_pdf(request, pk):
    booking = get_object_or_404(WorkshopBooking.objects.select_related("invoice"), pk=pk)
    if not request.user.has_perm("schools.view_workshopbooking"):
        raise Http404
    invoice = getattr(booking, "invoice", None)
    if invoice is None:
        raise Http404
    response = HttpResponse(bytes(invoice.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.filename}"'
    return response


def to_handle():
    """Bookings a person must act on: new requests, proposals the school let expire, and
    invoices past due."""
    from django.utils import timezone

    return WorkshopBooking.objects.filter(
        Q(status=BookingStatus.NEW)
        | Q(status=BookingStatus.PROPOSED, proposal_expires_at__lte=timezone.now())
        | Q(status=BookingStatus.INVOICED, invoice__due_date__lt=timezone.localdate())
    ).order_by("created_at", "pk")


class WorkshopBookingViewSet(ModelViewSet):
    model = WorkshopBooking
    name = "workshopbooking"
    url_prefix = "animations-scolaires"
    icon = "group"
    menu_label = _("Animations scolaires")
    menu_order = 110
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = BookingIndexView
    inspect_view_class = BookingInspectView
    edit_view_class = BookingNoteEditView
    filterset_class = BookingFilterSet
    search_fields = ["school", "school_board", "contact_name", "email"]
    list_display = [
        "school",
        Column("reference", label=_("Réf."), accessor="reference"),
        Column("level", label=_("Niveau"), accessor="get_level_display"),
        "group_size",
        StatusTagColumn(
            "status",
            label=_("État"),
            accessor="get_status_display",
            sort_key="status",
            primary=lambda booking: booking.status == BookingStatus.NEW,
        ),
        Column(
            "proposed_start",
            label=_("Date"),
            accessor=lambda booking: local_datetime(booking.proposed_start) or "—",
            sort_key="proposed_start",
        ),
        Column(
            "created_at",
            label=_("Reçue le"),
            accessor=lambda booking: local_datetime(booking.created_at),
            sort_key="created_at",
        ),
    ]
    edit_handler = ObjectList([FieldPanel("internal_note")])

    def get_inspect_view_kwargs(self, **kwargs):
        actions = [
            (view_class, self.get_url_name(view_class.name)) for view_class in BOOKING_ACTIONS
        ]
        return super().get_inspect_view_kwargs(actions=actions, **kwargs)

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(**kwargs)

    def get_urlpatterns(self):
        conv = self.pk_path_converter
        return [
            *super().get_urlpatterns(),
            path(f"facture/<{conv}:pk>/", invoice_pdf, name="invoice_pdf"),
            *(
                path(
                    f"{view_class.name.replace('_', '-')}/<{conv}:pk>/",
                    self.construct_view(view_class),
                    name=view_class.name,
                )
                for view_class in BOOKING_ACTIONS
            ),
        ]

    def get_permissions_to_register(self):
        # Read; change (note, propose, invoice, cancel); record a payment; reverse one.
        booking = ContentType.objects.get_for_model(WorkshopBooking)
        payment = ContentType.objects.get_for_model(InvoicePayment)
        return Permission.objects.filter(
            Q(
                content_type=booking,
                codename__in=[
                    *(
                        get_permission_codename(a, WorkshopBooking._meta)
                        for a in ("view", "change")
                    ),
                    "reverse_invoicepayment",
                ],
            )
            | Q(content_type=payment, codename="add_invoicepayment")
        )


def verbose_plural():
    return capfirst(WorkshopBooking._meta.verbose_name_plural)
