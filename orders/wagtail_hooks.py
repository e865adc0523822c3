"""Staff back-office for orders and discount codes, in the Wagtail admin.

Orders are created and changed only by `orders.services`: staff read them here (listing,
search, filters, spreadsheet export, detail with lines, payments, refunds, emails and the audit
log) and may write an internal note. Refunds, cancellations and resent emails come later, as
actions calling the same services as the public site.

Access follows Django model permissions: "view" reads orders, "change" edits the internal note;
nobody adds or deletes an order by hand, not even a superuser.
"""

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_permission_codename, get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, StatusTagColumn, TitleColumn
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import BooleanRadioSelect
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import services
from .models import DiscountCode, Order, OrderKind, OrderState
from .money import format_cad


def cad(amount):
    return format_cad(amount, get_language() or "fr")


def local_datetime(value):
    return date_format(localtime(value), "SHORT_DATETIME_FORMAT") if value else ""


# --- permissions --------------------------------------------------------------------------------


class ServicesOnlyPermissionPolicy(ModelPermissionPolicy):
    """Django model permissions, except that no one may add or delete: the services do."""

    forbidden = frozenset({"add", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.forbidden and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        allowed = [action for action in actions if action not in self.forbidden]
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed)


# Must be registered before anything asks Wagtail for Order's policy (it would make a fallback).
register_permission_policy(Order, ServicesOnlyPermissionPolicy(Order))


# --- orders: listing ----------------------------------------------------------------------------


class OrderFilterSet(WagtailFilterSet):
    state = django_filters.MultipleChoiceFilter(
        label=capfirst(Order._meta.get_field("state").verbose_name),
        choices=OrderState.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    kind = django_filters.ChoiceFilter(
        label=capfirst(Order._meta.get_field("kind").verbose_name),
        choices=OrderKind.choices,
        empty_label=_("Tous"),
        widget=forms.RadioSelect,
    )
    created_at = django_filters.DateFromToRangeFilter(
        label=_("Date de la commande"), widget=DateRangePickerWidget
    )
    attention = django_filters.BooleanFilter(
        label=capfirst(Order._meta.get_field("attention").verbose_name),
        method="filter_attention",
        widget=BooleanRadioSelect,
    )

    class Meta:
        model = Order
        fields = []

    def filter_attention(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(attention="") if value else queryset.filter(attention="")


class AttentionColumn(Column):
    """The reason an order needs a person, shown as a warning; empty when all is well."""

    cell_template_name = "orders/admin/attention_cell.html"


class NoWrapTitleMixin:
    def _get_title_column(self, field_name, column_class=TitleColumn, **kwargs):
        # Codes are read aloud on the phone and typed from paper: keep them on one line.
        kwargs.setdefault("classname", "w-whitespace-nowrap")
        return super()._get_title_column(field_name, column_class, **kwargs)


class OrderIndexView(NoWrapTitleMixin, generic.IndexView):
    def get_edit_url(self, instance):
        # The title opens the detail (inspect) view; editing is only for the internal note.
        return None


# --- orders: detail -----------------------------------------------------------------------------


def action_label(action):
    labels = {
        "placed": _("Commande passée"),
        "checkout_started": _("Page de paiement ouverte"),
        "payment_processing": _("Paiement en traitement"),
        "payment_received": _("Paiement reçu"),
        "payment_failed": _("Paiement échoué"),
        "checkout_expired": _("Page de paiement expirée"),
        "flagged": _("Signalée pour vérification"),
        "refund_requested": _("Remboursement demandé"),
        "refund_succeeded": _("Remboursement effectué"),
        "refund_failed": _("Remboursement échoué"),
        "note_changed": _("Note interne modifiée"),
    }
    if action in labels:
        return labels[action]
    if action.startswith("state:"):
        state = action.removeprefix("state:")
        if state in OrderState.values:
            return _("État : %(state)s") % {"state": OrderState(state).label}
    return action


class OrderInspectView(generic.InspectView):
    template_name = "orders/admin/order_inspect.html"

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
        return buttons

    def get_created_at_display_value(self):
        return local_datetime(self.object.created_at)

    def get_expires_at_display_value(self):
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
            lines=order.lines.all(),
            payments=order.payments.all(),
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
                    "label": action_label(entry.action),
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


class OrderViewSet(ModelViewSet):
    model = Order
    name = "order"
    url_prefix = "orders"
    icon = "form"
    menu_label = _("Commandes")
    menu_order = 100
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True

    index_view_class = OrderIndexView
    inspect_view_class = OrderInspectView
    edit_view_class = OrderNoteEditView

    list_display = [
        "code",
        "buyer_name",
        "buyer_email",
        "kind",
        StatusTagColumn(
            "state",
            label=capfirst(Order._meta.get_field("state").verbose_name),
            accessor="get_state_display",
            sort_key="state",
            primary=lambda order: order.state == OrderState.PAID,
            classname="w-whitespace-nowrap",
        ),
        Column(
            "total",
            label=capfirst(Order._meta.get_field("total").verbose_name),
            accessor=lambda order: cad(order.total),
            sort_key="total",
        ),
        Column(
            "created_at",
            label=capfirst(Order._meta.get_field("created_at").verbose_name),
            accessor=lambda order: local_datetime(order.created_at),
            sort_key="created_at",
            classname="w-whitespace-nowrap",
        ),
        AttentionColumn(
            "attention", label=capfirst(Order._meta.get_field("attention").verbose_name)
        ),
    ]
    filterset_class = OrderFilterSet
    search_fields = ["code", "buyer_name", "buyer_email"]
    search_backend_name = None
    ordering = "-created_at"
    list_per_page = 50

    list_export = [
        "code",
        "created_at",
        "get_kind_display",
        "get_state_display",
        "buyer_name",
        "buyer_email",
        "language",
        "subtotal",
        "discount_amount",
        "discount_code",
        "gst",
        "qst",
        "total",
        "paid_at",
        "cancelled_at",
        "attention",
    ]
    export_headings = {
        "get_kind_display": capfirst(Order._meta.get_field("kind").verbose_name),
        "get_state_display": capfirst(Order._meta.get_field("state").verbose_name),
    }
    export_filename = "commandes"

    inspect_view_fields = [
        "code",
        "state",
        "kind",
        "buyer_name",
        "buyer_email",
        "language",
        "created_at",
        "expires_at",
        "paid_at",
        "cancelled_at",
        "discount_code",
        "internal_note",
    ]

    edit_handler = ObjectList([FieldPanel("internal_note")], base_form_class=OrderNoteForm)

    def get_permissions_to_register(self):
        # Only the permissions that mean something here: read, and edit the internal note.
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(Order),
            codename__in=[
                get_permission_codename(action, Order._meta) for action in ("view", "change")
            ],
        )


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
    if code.kind == DiscountCode.Kind.PERCENT:
        return f"{code.value.normalize():f}\u00a0%"
    return cad(code.value)


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


class DiscountCodeViewSet(ModelViewSet):
    model = DiscountCode
    name = "discountcode"
    url_prefix = "discount-codes"
    icon = "tag"
    menu_label = _("Codes de rabais")
    menu_order = 200
    add_to_reference_index = False
    copy_view_enabled = False
    index_view_class = DiscountCodeIndexView
    delete_view_class = DiscountCodeDeleteView

    list_display = [
        "code",
        "kind",
        Column(
            "value",
            label=capfirst(DiscountCode._meta.get_field("value").verbose_name),
            accessor=discount_value,
            sort_key="value",
        ),
        "scope",
        Column(
            "valid_from",
            label=capfirst(DiscountCode._meta.get_field("valid_from").verbose_name),
            accessor=lambda code: local_datetime(code.valid_from) or "—",
            sort_key="valid_from",
        ),
        Column(
            "valid_until",
            label=capfirst(DiscountCode._meta.get_field("valid_until").verbose_name),
            accessor=lambda code: local_datetime(code.valid_until) or "—",
            sort_key="valid_until",
        ),
        Column("times_used", label=_("Utilisations")),
        Column(
            "max_uses",
            label=capfirst(DiscountCode._meta.get_field("max_uses").verbose_name),
            accessor=lambda code: "∞" if code.max_uses is None else code.max_uses,
            sort_key="max_uses",
        ),
        BooleanColumn(
            "active",
            label=capfirst(DiscountCode._meta.get_field("active").verbose_name),
            sort_key="active",
        ),
    ]
    list_filter = ["active", "scope"]
    search_fields = ["code"]
    search_backend_name = None
    ordering = "code"

    edit_handler = ObjectList(
        [
            FieldPanel("code"),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("value")]),
            FieldPanel("scope"),
            FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_until")]),
            FieldPanel("max_uses"),
            FieldPanel("active"),
        ],
        base_form_class=DiscountCodeForm,
    )


class OrdersViewSetGroup(ModelViewSetGroup):
    menu_label = _("Commandes")
    menu_icon = "form"
    menu_order = 250
    items = (OrderViewSet, DiscountCodeViewSet)


@hooks.register("register_admin_viewset")
def register_orders_admin():
    return OrdersViewSetGroup()
