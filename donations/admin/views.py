"""Staff screens for gifts: a gift with its receipts, the kept copy of a receipt, correcting a
receipt (void and replace), and a donor's yearly summary."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from localflavor.ca.forms import CAProvinceField, CAProvinceSelect
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import Button

from cesiq_site.postal import PostalCodeField, postal_code_error
from orders.admin.formats import cad, local_datetime

from .. import receipts
from ..models import Receipt


def can_view(user):
    return user.has_perm("donations.view_donation")


def can_change(user):
    return user.has_perm("donations.change_donation")


class DonationInspectView(generic.InspectView):
    template_name = "donations/admin/donation_inspect.html"

    def get_page_title(self):
        return _("Don de %(name)s") % {"name": self.object.donor_name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["receipts"] = self.object.receipts.select_related("replaces", "voided_by")
        context["can_change"] = can_change(self.request.user)
        context["amount"] = cad(self.object.amount)
        context["received"] = local_datetime(self.object.received_at)
        return context

    # Each field as staff read it: money and the time in Québec's, « Non », the order's code
    # (not « 7 h 37 » in UTC, « False », the order's Python name).
    def get_amount_display_value(self):
        return cad(self.object.amount)

    def get_advantage_display_value(self):
        return cad(self.object.advantage)

    def get_received_at_display_value(self):
        return local_datetime(self.object.received_at)

    def get_refunded_display_value(self):
        return _("Oui") if self.object.refunded else _("Non")

    def get_order_display_value(self):
        return self.object.order.code

    @property
    def header_more_buttons(self):
        buttons = []
        if can_change(self.request.user):
            buttons.append(
                Button(
                    _("Sommaire annuel du donateur"),
                    url=reverse("donations_summary")
                    + f"?email={self.object.donor_email}&year={self.object.received_at.year}",
                    icon_name="doc-full",
                    priority=20,
                )
            )
        return buttons


def receipt_copy(request, pk):
    """The kept copy of a receipt, as sent (marked "ANNULÉ" once voided)."""
    if not can_view(request.user):
        raise PermissionDenied
    receipt = get_object_or_404(Receipt, pk=pk)
    content = (
        receipts.void_copy_pdf(receipt)
        if receipt.status == Receipt.Status.VOID
        else receipts.receipt_pdf(receipt)
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipts.receipt_filename(receipt)}"'
    return response


class CorrectionForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Motif de la correction"), max_length=300)
    donor_name = forms.CharField(label=gettext_lazy("Nom du donateur"), max_length=200)
    street_address = forms.CharField(label=gettext_lazy("Adresse"), max_length=200)
    city = forms.CharField(label=gettext_lazy("Ville"), max_length=100)
    province = CAProvinceField(label=gettext_lazy("Province"), widget=CAProvinceSelect)
    postal_code = PostalCodeField(label=gettext_lazy("Code postal"))
    advantage = forms.DecimalField(
        label=gettext_lazy("Valeur de l'avantage"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        localize=True,
    )

    def clean(self):
        data = super().clean()
        # As on the donation form: the Canada Revenue Agency reads the receipt's address.
        if error := postal_code_error(data.get("postal_code"), data.get("province")):
            self.add_error("postal_code", error)
        return data


def void_and_replace(request, pk):
    if not can_change(request.user):
        raise PermissionDenied
    receipt = get_object_or_404(Receipt.objects.select_related("donation"), pk=pk)
    donation = receipt.donation
    inspect_url = reverse("donations_donation:inspect", args=[donation.pk])
    if receipt.status != Receipt.Status.ISSUED:
        messages.error(request, _("Ce reçu est déjà annulé."))
        return redirect(inspect_url)
    form = CorrectionForm(
        request.POST or None,
        initial={
            "donor_name": donation.donor_name,
            "street_address": donation.street_address,
            "city": donation.city,
            "province": donation.province,
            "postal_code": donation.postal_code,
            "advantage": donation.advantage,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = receipts.void_and_replace(
                receipt,
                reason=data["reason"],
                user=request.user,
                donor_name=data["donor_name"],
                address={k: data[k] for k in ("street_address", "city", "province", "postal_code")},
                advantage=data["advantage"],
            )
        except receipts.ReceiptError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Le reçu %(old)s est annulé ; le reçu %(new)s le remplace et a été envoyé.")
                % {"old": receipt.number, "new": new.number},
            )
            return redirect(inspect_url)
    return TemplateResponse(
        request,
        "donations/admin/action.html",
        {
            "form": form,
            "page_title": _("Corriger le reçu %(number)s") % {"number": receipt.number},
            "intro": _(
                "Le reçu actuel sera annulé (sa copie reste au dossier) et un nouveau reçu, "
                "avec un nouveau numéro, sera délivré et envoyé au donateur."
            ),
            "submit_label": _("Annuler et remplacer le reçu"),
            "cancel_url": inspect_url,
        },
        status=400 if request.method == "POST" else 200,
    )


class SummaryForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Courriel du donateur"))
    year = forms.IntegerField(label=gettext_lazy("Année"), min_value=2000, max_value=2100)
    send = forms.BooleanField(
        label=gettext_lazy("Envoyer au donateur par courriel (sinon, télécharger)"),
        required=False,
    )


def yearly_summary(request):
    if not can_change(request.user):
        raise PermissionDenied
    form = SummaryForm(
        request.POST or None,
        initial={
            "email": request.GET.get("email", "")[:254],
            "year": request.GET.get("year") or timezone.localdate().year - 1,
        },
    )
    if request.method == "POST" and form.is_valid():
        email, year = form.cleaned_data["email"], form.cleaned_data["year"]
        try:
            if form.cleaned_data["send"]:
                receipts.send_yearly_summary(email, year, user=request.user)
                messages.success(
                    request,
                    _("Le sommaire %(year)s a été envoyé à %(email)s.")
                    % {"year": year, "email": email},
                )
                return redirect("donations_donation:index")
            content, _data = receipts.yearly_summary_pdf(email, year)
        except receipts.ReceiptError as exc:
            form.add_error(None, str(exc))
        else:
            response = HttpResponse(content, content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="dons-{year}.pdf"'
            return response
    return TemplateResponse(
        request,
        "donations/admin/action.html",
        {
            "form": form,
            "page_title": _("Sommaire annuel des dons"),
            "intro": _(
                "Un récapitulatif des dons d'une personne pour une année, avec le numéro du "
                "reçu officiel de chacun. Ce n'est pas un nouveau reçu officiel."
            ),
            "submit_label": _("Produire le sommaire"),
            "cancel_url": reverse("donations_donation:index"),
        },
        status=400 if request.method == "POST" else 200,
    )
