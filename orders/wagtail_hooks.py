"""Staff back-office for orders and discount codes, in the Wagtail admin.

Orders are created and changed only by `orders.services`: staff read them here (listing,
search, filters, spreadsheet export, detail with lines, payments, refunds, emails and the audit
log) and may write an internal note. Refunds, cancellations and resent emails come later, as
actions calling the same services as the public site.

Access follows Django model permissions: "view" reads orders, "change" edits the internal note;
nobody adds or deletes an order by hand, not even a superuser.
"""

import contextlib
import csv
import io
from decimal import Decimal

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_permission_codename, get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import DecimalField, Exists, F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import BooleanColumn, Column, StatusTagColumn, TitleColumn
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import BooleanRadioSelect
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from . import registry, reports, services
from .admin import privacy
from .models import (
    DiscountCode,
    Order,
    OrderKind,
    OrderState,
    Payment,
    PaymentState,
    Refund,
    RefundState,
)
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


PAYMENT_STATES = [
    ("none", _("Aucun paiement reçu")),
    ("paid", _("Payée, rien de remboursé")),
    ("partly_refunded", _("Remboursée en partie")),
    ("refunded", _("Remboursée en entier")),
]


def amount_sum(rows):
    """The sum of `rows`' amounts for the outer order, as one subquery (0 when none)."""
    total = rows.order_by().values("order").annotate(total=Sum("amount")).values("total")
    return Coalesce(
        Subquery(total, output_field=DecimalField(max_digits=12, decimal_places=2)),
        Decimal("0.00"),
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )


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
    payment = django_filters.ChoiceFilter(
        label=_("Paiement"),
        choices=PAYMENT_STATES,
        empty_label=_("Tous"),
        method="filter_payment",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Order
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Filters other apps registered (orders knows nothing of activities), with their
        # choices read now, when the listing is shown; they come before the payment filter.
        added = {}
        for extra in registry.order_filters:
            choice = django_filters.ChoiceFilter(
                label=extra.label,
                choices=extra.choices(),
                empty_label=extra.empty_label or _("Tous"),
                method=self.registered_filter(extra),
            )
            choice.parent, choice.model = self, Order
            added[extra.name] = choice
        payment = self.filters.pop("payment")
        self.filters.update(added)
        self.filters["payment"] = payment

    def filter_attention(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(attention="") if value else queryset.filter(attention="")

    @staticmethod
    def registered_filter(extra):
        def filter_orders(queryset, name, value):
            return queryset.filter(pk__in=extra.orders(value)) if value else queryset

        return filter_orders

    def filter_payment(self, queryset, name, value):
        if not value:
            return queryset
        paid = Payment.objects.filter(order=OuterRef("pk"), state=PaymentState.PAID)
        refunded = Refund.objects.filter(order=OuterRef("pk"), state=RefundState.SUCCEEDED)
        queryset = queryset.annotate(has_payment=Exists(paid), has_refund=Exists(refunded))
        if value == "none":
            return queryset.filter(has_payment=False)
        if value == "paid":
            return queryset.filter(has_payment=True, has_refund=False)
        queryset = queryset.filter(has_payment=True, has_refund=True).annotate(
            paid_total=amount_sum(paid), refunded_total=amount_sum(refunded)
        )
        if value == "partly_refunded":
            return queryset.filter(refunded_total__lt=F("paid_total"))
        return queryset.filter(refunded_total__gte=F("paid_total"))


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
        if self.user_has_permission("change"):
            order = self.object
            for priority, view_class in enumerate(ORDER_ACTIONS, start=20):
                if view_class.is_available(order):
                    buttons.append(
                        Button(
                            view_class.page_title,
                            url=reverse(f"{OrderViewSet.name}:{view_class.name}", args=[order.pk]),
                            icon_name=view_class.button_icon,
                            priority=priority,
                        )
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


# --- orders: actions ----------------------------------------------------------------------------
#
# Each action is a form on its own page (the confirmation step) that calls one service; an
# OrderError from the service is shown on the form and, the service being atomic, nothing
# changes.


def refundable(order):
    """What is left to refund: received, minus refunded, minus refunds under way."""
    return order.balance - services.pending_refunds(order)


class OrderActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, BaseObjectMixin, FormView):
    model = Order
    permission_required = "change"
    template_name = "orders/admin/order_action.html"
    header_icon = "form"
    index_url_name = None
    inspect_url_name = None
    name = ""
    button_icon = "form"
    submit_label = ""
    destructive = False

    @classmethod
    def is_available(cls, order):
        return True

    def get_page_subtitle(self):
        return self.object.code

    def get_inspect_url(self):
        return reverse(self.inspect_url_name, args=[self.object.pk])

    def get_success_url(self):
        return self.get_inspect_url()

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse(self.index_url_name),
                "label": capfirst(Order._meta.verbose_name_plural),
            },
            {"url": self.get_inspect_url(), "label": self.object.code},
            {"url": "", "label": self.get_page_title()},
        ]

    def dispatch(self, request, *args, **kwargs):
        if not self.user_has_permission(self.permission_required):
            raise PermissionDenied
        if not self.is_available(self.object):
            messages.error(request, self.unavailable_message())
            return redirect(self.get_inspect_url())
        return super().dispatch(request, *args, **kwargs)

    def unavailable_message(self):
        return _("Cette action n'est pas possible pour la commande %(code)s.") % {
            "code": self.object.code
        }

    def intro(self):
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            order=self.object,
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
        except services.OrderError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.get_success_url())

    def perform(self, form):
        """Call the service; return the success message."""
        raise NotImplementedError


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Montant à rembourser"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        localize=True,
    )
    reason = forms.CharField(
        label=_("Motif"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Noté dans le journal de la commande."),
    )
    # The amount the confirmation was shown for: typing another amount asks to confirm again.
    confirmed_amount = forms.DecimalField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(required=True)

    def __init__(self, *args, order, default, **kwargs):
        super().__init__(*args, initial={"amount": default, "confirmed_amount": default}, **kwargs)
        self.order = order
        self.fields["amount"].help_text = _("Reste à rembourser : %(amount)s") % {
            "amount": cad(default)
        }
        self.shown = default
        if self.is_bound:
            with contextlib.suppress(forms.ValidationError):
                self.shown = self.fields["amount"].clean(self["amount"].data)
        self.fields["confirm"].label = _(
            "Je confirme le remboursement de %(amount)s à %(buyer)s"
        ) % {"amount": cad(self.shown), "buyer": order.buyer_name}

    def clean(self):
        cleaned = super().clean()
        amount, confirmed = cleaned.get("amount"), cleaned.get("confirmed_amount")
        if amount is not None and cleaned.get("confirm") and amount != confirmed:
            self.add_error(
                "confirm", _("Le montant a changé : vérifiez-le et confirmez de nouveau.")
            )
        return cleaned

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self._errors:
            # Shown again: the person confirms anew the amount the label now shows.
            self.data = self.data.copy()
            self.data["confirmed_amount"] = str(self.shown)
            self.data.pop("confirm", None)


class OrderRefundView(OrderActionView):
    name = "refund"
    page_title = _("Rembourser")
    button_icon = "rotate"
    submit_label = _("Rembourser")
    destructive = True
    form_class = RefundForm

    @classmethod
    def is_available(cls, order):
        return (
            order.state in (OrderState.PAID, OrderState.CANCELLED, OrderState.REFUNDED)
            and refundable(order) > 0
        )

    def unavailable_message(self):
        return _("Il ne reste rien à rembourser sur la commande %(code)s.") % {
            "code": self.object.code
        }

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("initial", None)
        return {**kwargs, "order": self.object, "default": refundable(self.object)}

    def intro(self):
        order = self.object
        return _("Reçu : %(paid)s. Déjà remboursé : %(refunded)s. En cours : %(pending)s.") % {
            "paid": cad(order.paid_amount),
            "refunded": cad(order.refunded_amount),
            "pending": cad(services.pending_refunds(order)),
        }

    def perform(self, form):
        amount = form.cleaned_data["amount"]
        services.refund(
            self.object, amount, reason=form.cleaned_data["reason"], user=self.request.user
        )
        return _("Remboursement de %(amount)s demandé pour la commande %(code)s.") % {
            "amount": cad(amount),
            "code": self.object.code,
        }


class ResendConfirmationForm(forms.Form):
    pass


class OrderResendConfirmationView(OrderActionView):
    name = "resend_confirmation"
    page_title = _("Renvoyer la confirmation")
    button_icon = "mail"
    submit_label = _("Renvoyer la confirmation")
    form_class = ResendConfirmationForm

    @classmethod
    def is_available(cls, order):
        return order.state == OrderState.PAID

    def unavailable_message(self):
        return _("Seule une commande payée peut recevoir sa confirmation à nouveau.")

    def intro(self):
        return _(
            "La confirmation de la commande (avec les billets et le fichier de calendrier, "
            "s'il y a lieu) sera envoyée de nouveau à %(email)s."
        ) % {"email": self.object.buyer_email}

    def perform(self, form):
        services.resend_confirmation(self.object, user=self.request.user)
        return _("Confirmation de la commande %(code)s renvoyée à %(email)s.") % {
            "code": self.object.code,
            "email": self.object.buyer_email,
        }


class CancelOrderForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Noté dans le journal de la commande."),
    )
    refund = forms.BooleanField(required=False)

    def __init__(self, *args, refundable, **kwargs):
        super().__init__(*args, initial={"refund": refundable > 0}, **kwargs)
        if refundable > 0:
            self.fields["refund"].label = _("Rembourser ce qui a été payé (%(amount)s)") % {
                "amount": cad(refundable)
            }
        else:
            del self.fields["refund"]


class OrderCancelView(OrderActionView):
    name = "cancel"
    page_title = _("Annuler la commande")
    button_icon = "cross"
    submit_label = _("Annuler la commande")
    destructive = True
    form_class = CancelOrderForm

    @classmethod
    def is_available(cls, order):
        return order.can_become(OrderState.CANCELLED)

    def unavailable_message(self):
        return _("La commande %(code)s ne peut pas être annulée.") % {"code": self.object.code}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("initial", None)
        return {**kwargs, "refundable": refundable(self.object)}

    def intro(self):
        return _(
            "Les places et articles de la commande seront libérés et l'acheteur ou "
            "l'acheteuse en sera avisé par courriel."
        )

    def perform(self, form):
        services.cancel_order(
            self.object,
            user=self.request.user,
            reason=form.cleaned_data["reason"],
            refund=form.cleaned_data.get("refund", False),
        )
        return _("Commande %(code)s annulée.") % {"code": self.object.code}


ORDER_ACTIONS = (OrderRefundView, OrderResendConfirmationView, OrderCancelView)


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

    def get_urlpatterns(self):
        conv = self.pk_path_converter
        return [
            *super().get_urlpatterns(),
            *(
                path(
                    f"{view_class.name.replace('_', '-')}/<{conv}:pk>/",
                    self.construct_view(view_class),
                    name=view_class.name,
                )
                for view_class in ORDER_ACTIONS
            ),
        ]

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


# --- sales report and dashboard ----------------------------------------------------------------
#
# Orders know nothing of activities: the report's table by activity is a section the events app
# registers (`orders.registry.report_sections`), and its dashboard panel of the next dates is
# its own (events/wagtail_hooks.py).


def can_see_sales(user):
    return user.has_perm("orders.view_order")


def month_label(month):
    return date_format(month, "YEAR_MONTH_FORMAT")


CHART_WIDTH = 720
CHART_HEIGHT = 240
CHART_TOP = 20
CHART_BOTTOM = 40
CHART_LEFT = 10


def chart_bars(months):
    """Geometry of the monthly bar chart, computed here so the template only draws.

    Bars go up from a zero line for a positive month and down for a month where refunds
    exceeded payments. Coordinates are SVG units (floats are fine here: they are pixels, not
    money).
    """
    values = [row.net for row in months]
    highest = max([v for v in values if v > 0], default=Decimal("0"))
    lowest = min([v for v in values if v < 0], default=Decimal("0"))
    span = highest - lowest
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    scale = (Decimal(plot) / span) if span else Decimal("0")
    zero_y = CHART_TOP + float(highest * scale)
    slot = (CHART_WIDTH - CHART_LEFT) / max(len(months), 1)
    bars = []
    for index, row in enumerate(months):
        height = float(abs(row.net) * scale)
        bars.append(
            {
                "row": row,
                "label": month_label(row.month),
                "short_label": date_format(row.month, "M"),
                "amount": cad(row.net),
                "x": round(CHART_LEFT + index * slot + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(zero_y - height if row.net > 0 else zero_y, 1),
                "height": round(height, 1),
                "negative": row.net < 0,
                "label_x": round(CHART_LEFT + index * slot + slot / 2, 1),
            }
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "zero_y": round(zero_y, 1),
        "label_y": CHART_HEIGHT - CHART_BOTTOM + 18,
        "year_y": CHART_HEIGHT - CHART_BOTTOM + 34,
    }


def report_csv(months, sections):
    """Every table in one file, one after the other; amounts as plain decimals (123.45).
    `sections` are (ReportSection, context) pairs, other apps' tables."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Mois"), _("Paiements reçus"), _("Remboursements"), _("Net")])
    for row in months:
        writer.writerow(
            [
                row.month.strftime("%Y-%m"),
                f"{row.payments:.2f}",
                f"{row.refunds:.2f}",
                f"{row.net:.2f}",
            ]
        )
    for section, context in sections:
        writer.writerow([])
        writer.writerows(section.csv_rows(context))
    return buffer.getvalue()


class SalesReportView(WagtailAdminTemplateMixin, TemplateView):
    """Revenue by month (chart and table) over the last twelve months, then the tables other
    apps add for the same period (revenue by activity)."""

    template_name = "orders/admin/sales_report.html"
    header_icon = "form"
    page_title = _("Rapport des ventes")

    def dispatch(self, request, *args, **kwargs):
        if not can_see_sales(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def get(self, request, *args, **kwargs):
        now = timezone.now()
        self.months = reports.revenue_by_month(12, now)
        start = self.months[0].month
        self.sections = [
            (section, section.collect(start, None)) for section in registry.report_sections
        ]
        if request.GET.get("export") == "csv":
            response = HttpResponse(
                "\ufeff" + report_csv(self.months, self.sections),
                content_type="text/csv; charset=utf-8",
            )
            filename = f"rapport-des-ventes-{timezone.localdate(now):%Y-%m-%d}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        months = self.months
        context.update(
            months=months,
            chart=chart_bars(months),
            total_payments=sum((row.payments for row in months), Decimal("0.00")),
            total_refunds=sum((row.refunds for row in months), Decimal("0.00")),
            total_net=sum((row.net for row in months), Decimal("0.00")),
            period=_("De %(start)s à %(end)s")
            % {"start": month_label(months[0].month), "end": month_label(months[-1].month)},
            sections=[
                {"template_name": section.template_name, **context}
                for section, context in self.sections
            ],
            export_url=f"{reverse('orders_sales_report')}?export=csv",
        )
        return context


class SalesReportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_see_sales(request.user)


class SalesPanel(Component):
    """A dashboard panel shown only to staff who may read orders."""

    def __init__(self, request):
        self.request = request


class MonthSalesPanel(SalesPanel):
    name = "month_sales"
    template_name = "orders/admin/panel_month_sales.html"
    order = 80

    def get_context_data(self, parent_context=None):
        sales = reports.sales_this_month()
        return {
            "sales": sales,
            "month": month_label(sales.month),
            "amount": cad(sales.amount),
            "refunds": cad(sales.refunds),
            "net": cad(sales.net),
            "report_url": reverse("orders_sales_report"),
        }


class OrdersToHandlePanel(SalesPanel):
    name = "orders_to_handle"
    template_name = "orders/admin/panel_orders_to_handle.html"
    order = 70
    limit = 10

    def get_context_data(self, parent_context=None):
        items = reports.orders_needing_action(limit=self.limit)
        count = reports.needing_action().count()
        return {
            "items": [
                {
                    "order": item.order,
                    "reasons": item.reasons,
                    "total": cad(item.order.total),
                    "url": reverse(f"{OrderViewSet.name}:inspect", args=[item.order.pk]),
                }
                for item in items
            ],
            "count": count,
            "more": count - len(items),
            "listing_url": f"{reverse(f'{OrderViewSet.name}:index')}?attention=true",
        }


@hooks.register("construct_homepage_panels")
def add_sales_panels(request, panels):
    if not can_see_sales(request.user):
        return
    panels.extend([OrdersToHandlePanel(request), MonthSalesPanel(request)])


@hooks.register("register_admin_urls")
def register_sales_report_url():
    return [
        path("rapport-des-ventes/", SalesReportView.as_view(), name="orders_sales_report"),
    ]


class OrdersViewSetGroup(ModelViewSetGroup):
    menu_label = _("Commandes")
    menu_icon = "form"
    menu_order = 250
    items = (OrderViewSet, DiscountCodeViewSet)

    def get_submenu_items(self):
        items = super().get_submenu_items()
        items.append(
            SalesReportMenuItem(
                _("Rapport des ventes"),
                reverse_lazy("orders_sales_report"),
                name="sales-report",
                icon_name="table",
                order=len(items) + 1,
            )
        )
        return items


@hooks.register("register_admin_viewset")
def register_orders_admin():
    return OrdersViewSetGroup()


@hooks.register("register_admin_urls")
def register_privacy_urls():
    return privacy.urlpatterns()


@hooks.register("register_settings_menu_item")
def register_privacy_menu_item():
    return privacy.menu_item()
