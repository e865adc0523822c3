"""Gifts in the admin: the list (filter, search, CSV export) and each gift with its receipts.
Nobody adds, edits or deletes a gift by hand: gifts come from paid orders, and a receipt is
corrected only by voiding and replacing it."""

from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import redirect
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from cesiq_site.exports import spreadsheet_index_view
from orders.admin.formats import cad, local_datetime

from ..models import Donation
from .views import DonationInspectView


class DonationEditView(generic.EditView):
    """No editing: the gift's page shows it and offers the receipt's correction."""

    def dispatch(self, request, *args, **kwargs):
        return redirect("donations_donation:inspect", kwargs["pk"])


def receipt_number(donation):
    receipt = donation.current_receipt
    return receipt.number if receipt else ""


def status(donation):
    if donation.refunded:
        return str(_("Remboursé"))
    return (
        str(_("Reçu %(number)s") % {"number": receipt_number(donation)})
        if receipt_number(donation)
        else str(_("Remerciement (sans reçu fiscal)"))
    )


class DonationViewSet(ModelViewSet):
    model = Donation
    name = "donations_donation"
    url_prefix = "donations"
    icon = "pick"
    menu_label = _("Dons")
    menu_order = 110
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = DonationInspectView
    index_view_class = spreadsheet_index_view()  # CSV never a formula, local times
    edit_view_class = DonationEditView
    form_fields = ["tribute_name"]

    list_display = [
        "donor_name",
        "donor_email",
        Column(
            "amount",
            label=capfirst(_("montant")),
            accessor=lambda d: cad(d.amount),
            sort_key="amount",
        ),
        Column(
            "received_at",
            label=capfirst(_("reçu le")),
            accessor=lambda d: local_datetime(d.received_at),
            sort_key="received_at",
        ),
        Column("status", label=capfirst(_("état")), accessor=status),
    ]
    list_filter = ["refunded", "tribute", "province"]
    search_fields = ["donor_name", "donor_email", "order__code"]
    search_backend_name = None
    ordering = "-received_at"
    list_per_page = 50
    list_export = [
        "received_at",
        "donor_name",
        "donor_email",
        "street_address",
        "city",
        "province",
        "postal_code",
        "amount",
        "advantage",
        "eligible_amount",
        "receipt_number",
        "get_tribute_display",
        "tribute_name",
        "refunded",
        "order",
    ]
    export_headings = {
        "eligible_amount": _("Montant admissible"),
        "receipt_number": _("Reçu officiel"),
        "get_tribute_display": _("Dédicace"),
        "order": _("Commande"),
    }
    export_filename = "dons"
    inspect_view_fields = [
        "donor_name",
        "donor_email",
        "street_address",
        "city",
        "province",
        "postal_code",
        "amount",
        "advantage",
        "received_at",
        "tribute",
        "tribute_name",
        "refunded",
        "order",
    ]

    def get_queryset(self, request):
        return Donation.objects.select_related("order").prefetch_related("receipts")

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(Donation),
            codename__in=[
                get_permission_codename(action, Donation._meta) for action in ("view", "change")
            ],
        )
