"""The orders and discount codes viewsets, grouped under "Commandes" in the admin menu with the
sales report.

Access follows Django model permissions: "view" reads orders, "change" edits the internal note
and runs the actions; nobody adds or deletes an order by hand, not even a superuser."""

from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import path, reverse_lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from ..models import DiscountCode, Order, OrderState
from .actions import ORDER_ACTIONS
from .filters import OrderFilterSet
from .formats import cad, local_datetime
from .reports import SalesReportMenuItem
from .views import (
    AttentionColumn,
    BuyerColumn,
    DiscountCodeDeleteView,
    DiscountCodeForm,
    DiscountCodeIndexView,
    OrderIndexView,
    OrderInspectView,
    OrderNoteEditView,
    OrderNoteForm,
    YesNoColumn,
    discount_value,
)


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
        BuyerColumn("buyer_name", label=_("Acheteur·euse"), sort_key="buyer_name"),
        "kind",
        StatusTagColumn(
            "state",
            label=capfirst(Order._meta.get_field("state").verbose_name),
            accessor="state_label",
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
        "state_label",
        "buyer_name",
        "buyer_email",
        "language",
        "subtotal",
        "discount_amount",
        "discount_code",
        "shipping",
        "hst",
        "gst",
        "qst",
        "total",
        "refunded_total",
        "paid_at",
        "cancelled_at",
        "attention",
    ]
    export_headings = {
        "get_kind_display": capfirst(Order._meta.get_field("kind").verbose_name),
        "state_label": capfirst(Order._meta.get_field("state").verbose_name),
        "refunded_total": _("Remboursé"),
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

    def get_inspect_view_kwargs(self, **kwargs):
        actions = [(view_class, self.get_url_name(view_class.name)) for view_class in ORDER_ACTIONS]
        return super().get_inspect_view_kwargs(actions=actions, **kwargs)

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
        # Only the permissions that mean something here: read; change the internal note and
        # act (refund, resend, cancel).
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(Order),
            codename__in=[
                get_permission_codename(action, Order._meta) for action in ("view", "change")
            ],
        )


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
        YesNoColumn(
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
