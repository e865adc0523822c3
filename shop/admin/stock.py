"""The stock of every variant (SKU, product, stock, sold, held, left; low stock highlighted),
and one variant's page: its numbers, the form to adjust its stock with a reason, and the
history of its adjustments. The form calls `shop.stock.adjust`; an OrderError from it is shown
on the form and nothing changes."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from orders.models import OrderSettings
from orders.services import OrderError

from .. import stock
from ..models import ProductVariant
from .permissions import ADJUST_STOCK, VIEW_STOCK, PermissionRequiredMixin


class StockView(PermissionRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    permission = VIEW_STOCK
    template_name = "shop/admin/stock.html"
    header_icon = "table"
    page_title = gettext_lazy("Stock")

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = stock.stock_rows()
        low_only = self.request.GET.get("bas") == "1"
        context.update(
            rows=[row for row in rows if row.low] if low_only else rows,
            low_only=low_only,
            low_count=sum(row.low for row in rows),
            nobody_alerted=not OrderSettings.load().notification_addresses(),
        )
        return context


class AdjustmentForm(forms.Form):
    delta = forms.CharField(
        label=gettext_lazy("Unités à ajouter ou à retirer"),
        max_length=8,
        help_text=gettext_lazy(
            "Par exemple 12 pour une livraison reçue, -2 pour des articles abîmés."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("Motif"),
        max_length=300,
        help_text=gettext_lazy("Obligatoire : gardé dans l'historique du stock."),
    )


class VariantStockView(PermissionRequiredMixin, WagtailAdminTemplateMixin, FormView):
    permission = VIEW_STOCK
    template_name = "shop/admin/stock_variant.html"
    header_icon = "table"
    form_class = AdjustmentForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.variant = get_object_or_404(
            ProductVariant.objects.select_related("page"), pk=kwargs["variant_id"]
        )

    def get_page_title(self):
        return _("Stock")

    def get_page_subtitle(self):
        return f"{self.variant} ({self.variant.sku})"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("shop_staff:stock"), "label": _("Stock")},
            {"url": "", "label": self.variant.sku},
        ]

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(ADJUST_STOCK):
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            adjustment = stock.adjust(
                self.variant,
                form.cleaned_data["delta"],
                reason=form.cleaned_data["reason"],
                user=self.request.user,
            )
        except OrderError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Stock de %(sku)s : %(delta)+d, maintenant %(stock)s.")
            % {"sku": self.variant.sku, "delta": adjustment.delta, "stock": adjustment.stock_after},
        )
        return redirect(reverse("shop_staff:stock_variant", args=[self.variant.pk]))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            variant=self.variant,
            row=stock.stock_row(self.variant),
            can_adjust=self.request.user.has_perm(ADJUST_STOCK),
            adjustments=self.variant.adjustments.select_related("user"),
            # The product's page (its formats, prices, thresholds) is the editors' to change.
            edit_url=reverse("wagtailadmin_pages:edit", args=[self.variant.page_id])
            if self.variant.page.permissions_for_user(self.request.user).can_edit()
            else None,
        )
        return context
