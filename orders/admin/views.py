"""The orders listing, an order's detail and its internal note; the discount codes' forms and
views. Orders are created and changed only by `orders.services`: staff read them here
(listing, search, filters, spreadsheet export, detail with lines, payments, refunds, emails and
the audit log), write an internal note, and act through `orders/admin/actions.py`."""

from decimal import Decimal

from django.contrib import messages
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views import generic
from wagtail.admin.widgets.button import Button

from cesiq_site.exports import EscapedCSVExportMixin, amount

from .. import registry, services
from ..models import DiscountCode, Order, Refund, RefundState
from .formats import local_datetime


class AttentionColumn(Column):
    """The reason an order needs a person, shown as a warning; empty when all is well."""

    cell_template_name = "orders/admin/attention_cell.html"


class YesNoColumn(BooleanColumn):
    """Wagtail's tick and cross, titled « Oui » and « Non » (its own say « True », in any
    language, to whoever reads the title: a screen reader)."""

    cell_template_name = "orders/admin/yes_no_cell.html"


class BuyerColumn(Column):
    """Who bought: the name, and the email address under it (two columns were too wide for a
    laptop's screen, the last ones out of sight)."""

    cell_template_name = "orders/admin/buyer_cell.html"


class NoWrapTitleMixin:
    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        # Codes are read aloud on the phone and typed from paper: keep them on one line.
        kwargs.setdefault("classname", "w-whitespace-nowrap")
        return super()._get_title_column(field_name, column_class, **kwargs)


class OrderIndexView(EscapedCSVExportMixin, NoWrapTitleMixin, generic.IndexView):
    # SQLite sums money through a float (« 20 », not « 20.00 »): to the cent, as the others.
    custom_field_preprocess = {"refunded_total": {"csv": amount, "xlsx": amount}}

    def get_base_queryset(self):
        """With what the list and its exports show of other rows, read in the same query:
        the discount code, and what was refunded (`refunded_total`, as Order.refunded_amount
        says it): an export of 2,000 orders is one query, not one more for each."""
        refunded = (
            Refund.objects.filter(order=OuterRef("pk"), state=RefundState.SUCCEEDED)
            .values("order")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return (
            super()
            .get_base_queryset()
            .select_related("discount_code")
            .annotate(
                refunded_total=Coalesce(
                    Subquery(refunded),
                    Value(Decimal("0.00")),
                    output_field=DecimalField(max_digits=12, decimal_places=2),
                )
            )
        )

    def search_queryset(self, queryset):
        """The code, name or email (`search_fields`), or what another app knows an order by
        (a ticket's code: `registry.order_finders`)."""
        found = super().search_queryset(queryset)
        if not self.is_searching:
            return found
        others = [finder.orders(self.search_query) for finder in registry.order_finders]
        others = [ids for ids in others if ids is not None]
        if not others:
            return found
        matches = Q(pk__in=found.values("pk"))
        for ids in others:
            matches |= Q(pk__in=ids)
        return queryset.filter(matches)

    def get_edit_url(self, instance):
        # The title opens the detail (inspect) view; editing is only for the internal note.
        return None


# --- orders: detail -----------------------------------------------------------------------------


class OrderInspectView(generic.InspectView):
    template_name = "orders/admin/order_inspect.html"
    # (action view class, URL name) pairs, given by the viewset: a button for each available.
    actions = ()

    def get_object(self, queryset=None):
        return get_object_or_404(Order.objects.select_related("discount_code"), pk=self.pk)

    def get_page_title(self):
        return _("Commande %(code)s") % {"code": self.object.code}

    def get_page_subtitle(self):
        return self.object.buyer_name

    @property
    def header_more_buttons(self):
        buttons = []
        if edit_url := self.get_edit_url():
            buttons.append(
                Button(_("Modifier la note interne"), url=edit_url, icon_name="edit", priority=10)
            )
        if self.user_has_permission("change"):
            order = self.object
            for priority, (view_class, url_name) in enumerate(self.actions, start=20):
                if view_class.is_offered(order):
                    buttons.append(
                        Button(
                            view_class.page_title,
                            url=reverse(url_name, args=[order.pk]),
                            icon_name=view_class.button_icon,
                            priority=priority,
                        )
                    )
        return buttons

    def get_created_at_display_value(self):
        return local_datetime(self.object.created_at)

    def get_expires_at_display_value(self):
        # A hold means something while the order waits for its payment, not after.
        if self.object.state != "pending":
            return "—"
        return local_datetime(self.object.expires_at)

    def get_paid_at_display_value(self):
        return local_datetime(self.object.paid_at) or "—"

    def get_cancelled_at_display_value(self):
        return local_datetime(self.object.cancelled_at) or "—"

    def get_discount_code_display_value(self):
        return self.object.discount_code or "—"

    def get_internal_note_display_value(self):
        return self.object.internal_note or "—"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.object
        context.update(
            order=order,
            lines=[
                (line, line.item.staff_links(line) if line.item is not None else [])
                for line in order.lines.select_related("content_type")
            ],
            payments=order.payments.all(),
            sections=registry.sections_of(order),
            refunds=[
                {
                    "refund": refund,
                    "who": (
                        get_user_display_name(refund.created_by)
                        if refund.created_by
                        else refund.get_source_display()
                    ),
                }
                for refund in order.refunds.select_related("created_by")
            ],
            emails=order.emails.order_by("created_at", "pk"),
            log_entries=[
                {
                    "entry": entry,
                    "label": registry.action_label(entry.action),
                    "who": get_user_display_name(entry.user) if entry.user else "",
                }
                for entry in order.log_entries.select_related("user")
            ],
        )
        return context


class OrderNoteForm(WagtailAdminModelForm):
    class Meta:
        model = Order
        fields = ["internal_note"]


class OrderNoteEditView(generic.EditView):
    """Only the internal note can be edited; the rest of the row is never written back."""

    page_title = _("Note interne")

    def get_page_subtitle(self):
        return self.object.code

    def get_success_url(self):
        return reverse(self.inspect_url_name, args=(self.object.pk,))

    # The order's history is its own log, shown in the detail view, not Wagtail's.
    def get_history_url(self):
        return None

    def get_usage_url(self):
        return None

    def get_success_message(self):
        return _("Note interne de la commande %(code)s enregistrée.") % {"code": self.object.code}

    def save_instance(self):
        order = self.form.instance
        if "internal_note" in self.form.changed_data:
            note = self.form.cleaned_data["internal_note"]
            Order.objects.filter(pk=order.pk).update(internal_note=note)
            services.log(order, "note_changed", note[:500], user=self.request.user)
        return order


# --- discount codes -----------------------------------------------------------------------------


class DiscountCodeForm(WagtailAdminModelForm):
    def clean_code(self):
        # The model upper-cases on save; do it first so the uniqueness check sees the real code.
        return self.cleaned_data["code"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        kind, value = cleaned.get("kind"), cleaned.get("value")
        if kind == DiscountCode.Kind.PERCENT and value is not None and value > 100:
            self.add_error("value", _("Un pourcentage ne peut pas dépasser 100."))
        valid_from, valid_until = cleaned.get("valid_from"), cleaned.get("valid_until")
        if valid_from and valid_until and valid_until <= valid_from:
            self.add_error("valid_until", _("La fin doit suivre le début."))
        return cleaned


def discount_value(code):
    return code.reduction()


class DiscountCodeIndexView(NoWrapTitleMixin, generic.IndexView):
    pass


class DiscountCodeDeleteView(generic.DeleteView):
    """A code some order used stays, for the record: staff deactivate it instead."""

    def form_valid(self, form):
        if self.object.orders.exists():
            messages.error(
                self.request,
                _("Le code %(code)s a déjà servi : désactivez-le plutôt que de le supprimer.")
                % {"code": self.object.code},
            )
            return redirect(self.get_success_url())
        return super().form_valid(form)
