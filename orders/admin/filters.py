"""The filters of the orders listing: state, kind, date, attention, payment; and those other
apps register (`orders.registry.order_filters`), such as the activity."""

from decimal import Decimal

import django_filters
from django import forms
from django.db.models import DecimalField, Exists, F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from .. import registry
from ..models import Order, OrderKind, OrderState, Payment, PaymentState, Refund, RefundState

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


class PlausibleDateRangeField(django_filters.fields.DateRangeField):
    """A range of days the site can have orders in: « 9999-12-31 », whose end of day in UTC
    is in the year 10000, failed with Django's error page."""

    def clean(self, value):
        cleaned = super().clean(value)
        for day in (cleaned.start, cleaned.stop) if cleaned else ():
            if day is not None and not 2000 <= day.year <= 2999:
                raise forms.ValidationError(_("Choisissez des dates entre l'an 2000 et l'an 2999."))
        return cleaned


class PlausibleDateFromToRangeFilter(django_filters.DateFromToRangeFilter):
    field_class = PlausibleDateRangeField


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
    created_at = PlausibleDateFromToRangeFilter(
        label=_("Date de la commande"), widget=DateRangePickerWidget
    )
    # Choices rather than a BooleanFilter: the chip of the active filter reads « Oui », not
    # « True ».
    attention = django_filters.ChoiceFilter(
        label=capfirst(Order._meta.get_field("attention").verbose_name),
        choices=[("true", _("Oui")), ("false", _("Non"))],
        empty_label=_("Tous"),
        method="filter_attention",
        widget=forms.RadioSelect,
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
        if value not in ("true", "false"):
            return queryset
        if value == "true":
            return queryset.exclude(attention="")
        return queryset.filter(attention="")

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
