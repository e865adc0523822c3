"""The shop orders staff prepare: the listing of paid orders by preparation step (oldest
first), an order's preparation page with the buttons for its next steps and the way to take
back units of a line, the pick list of everything to take from the shelves, and a packing slip
per order. The pick list and the slips are plain pages to print (no JavaScript).

Views parse input and call `shop.fulfilment.advance` or `orders.services.refund_line`; an
OrderError from them is shown as it is and, the services being atomic, nothing changes.
"""

from collections import OrderedDict

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cesiq_site.validation import id_or_none
from orders import registry, services
from orders.models import Order, OrderKind, OrderLine, OrderState
from orders.money import format_cad
from orders.services import OrderError

from .. import fulfilment as flow
from ..models import DeliveryMethod, Fulfilment, FulfilmentStatus
from .permissions import PREPARE, VIEW_ORDERS, PermissionRequiredMixin

# What "à préparer" means when no step is chosen: everything not yet handed over.
OPEN = [
    FulfilmentStatus.NEW,
    FulfilmentStatus.PREPARING,
    FulfilmentStatus.READY,
    FulfilmentStatus.SHIPPED,
]


def paid_shop_fulfilments():
    """Paid shop orders with goods still to deliver: one whose every article was given back
    (its tickets cancelled with their date, its products returned) has nothing to prepare,
    and was listed « À préparer » with 0 articles."""
    from django.contrib.contenttypes.models import ContentType

    from ..models import ProductVariant

    goods_left = OrderLine.objects.filter(
        order=OuterRef("order"),
        content_type=ContentType.objects.get_for_model(ProductVariant),
        returned_quantity__lt=F("quantity"),
    )
    return (
        Fulfilment.objects.filter(order__kind=OrderKind.SHOP, order__state=OrderState.PAID)
        .filter(Exists(goods_left))
        .select_related("order", "pickup_date__page")
    )


# --- the listing ----------------------------------------------------------------------------------


class FilterForm(forms.Form):
    statut = forms.ChoiceField(
        label=gettext_lazy("Étape"),
        required=False,
        choices=[("", gettext_lazy("Toutes sauf remises")), *FulfilmentStatus.choices],
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Mode"),
        required=False,
        choices=[("", gettext_lazy("Tous")), *DeliveryMethod.choices],
    )


class OrdersToPrepareView(PermissionRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    """Paid shop orders by preparation step and delivery method, the oldest paid first."""

    permission = VIEW_ORDERS
    template_name = "shop/admin/orders.html"
    header_icon = "list-ul"
    page_title = gettext_lazy("Commandes à préparer")

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    @cached_property
    def filters(self):
        form = FilterForm(self.request.GET or None)
        form.is_valid()
        return form

    def fulfilments(self):
        found = paid_shop_fulfilments()
        cleaned = getattr(self.filters, "cleaned_data", {})
        status, method = cleaned.get("statut"), cleaned.get("mode")
        found = found.filter(status=status) if status else found.filter(status__in=OPEN)
        if method:
            found = found.filter(method=method)
        return found.order_by("order__paid_at", "pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(self.fulfilments())
        counts = flow.product_counts([row.order_id for row in rows])
        for row in rows:
            row.units = counts.get(row.order_id, 0)
        context.update(
            rows=rows,
            filters=self.filters,
            pick_list_url=reverse("shop_staff:pick_list"),
        )
        return context


# --- one order ----------------------------------------------------------------------------------


class OrderMixin(PermissionRequiredMixin):
    """A view about one paid shop order (`order_id` in the URL) and its fulfilment."""

    header_icon = "list-ul"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.order = get_object_or_404(Order, pk=kwargs["order_id"], kind=OrderKind.SHOP)
        self.fulfilment = Fulfilment.objects.filter(order=self.order).first()

    def order_url(self):
        return reverse("shop_staff:order", args=[self.order.pk])

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("shop_staff:orders"), "label": _("Commandes à préparer")},
            {"url": self.order_url(), "label": self.order.code},
        ]


class StepForm(forms.Form):
    """One of the buttons of an order's next steps; the carrier and tracking number only to
    ship, the "tell the buyer" box only to start preparing."""

    statut = forms.ChoiceField(choices=FulfilmentStatus.choices)
    transporteur = forms.ChoiceField(label=gettext_lazy("Transporteur"), required=False, choices=())
    suivi = forms.CharField(label=gettext_lazy("Numéro de suivi"), required=False, max_length=60)
    aviser = forms.BooleanField(
        label=gettext_lazy("Prévenir l'acheteur ou l'acheteuse par courriel"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transporteur"].choices = [("", "—"), *flow.carrier_choices()]


class OrderPreparationView(OrderMixin, WagtailAdminTemplateMixin, TemplateView):
    """What to prepare and where it goes, the next steps as buttons, returns per line."""

    template_name = "shop/admin/order.html"

    def get_page_title(self):
        return _("Commande %(code)s") % {"code": self.order.code}

    def get_page_subtitle(self):
        return self.order.buyer_name

    def get_breadcrumbs_items(self):
        return super().get_breadcrumbs_items()[:-1] + [{"url": "", "label": self.order.code}]

    def _act(self, action, done):
        """Run one of the page's actions: `done` (« Commande %(code)s : … ») said when it
        worked, its reason when it was refused; back to the order either way."""
        try:
            action()
        except OrderError as exc:
            messages.error(self.request, str(exc))
        else:
            messages.success(self.request, done % {"code": self.order.code})
        return redirect(self.order_url())

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(PREPARE):
            raise PermissionDenied
        if request.POST.get("corriger") and self.fulfilment is not None:
            form = StepForm(request.POST)
            form.is_valid()
            data = form.cleaned_data
            return self._act(
                lambda: flow.correct_tracking(
                    self.fulfilment,
                    user=request.user,
                    carrier=data.get("transporteur", ""),
                    tracking_number=data.get("suivi", ""),
                ),
                _("Commande %(code)s : suivi corrigé ; l'acheteur ou l'acheteuse a reçu le bon."),
            )
        if request.POST.get("cueillette") == "bureau" and self.fulfilment is not None:
            return self._act(
                lambda: flow.move_pickup_to_office(self.fulfilment, user=request.user),
                _(
                    "Commande %(code)s : elle se récupère maintenant au bureau ; "
                    "l'acheteur ou l'acheteuse en est prévenu par courriel."
                ),
            )
        form = StepForm(request.POST)
        if self.fulfilment is None:
            messages.error(request, _("Cette commande n'a pas de mode de livraison."))
        elif not form.is_valid():
            messages.error(request, _("Étape de préparation inconnue."))
        else:
            data = form.cleaned_data
            try:
                fulfilment = flow.advance(
                    self.fulfilment,
                    data["statut"],
                    user=request.user,
                    carrier=data["transporteur"],
                    tracking_number=data["suivi"],
                    notify=data["aviser"],
                )
            except OrderError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    _("Commande %(code)s : %(status)s.")
                    % {"code": self.order.code, "status": fulfilment.get_status_display()},
                )
        return redirect(self.order_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order, fulfilment = self.order, self.fulfilment
        can_prepare = self.request.user.has_perm(PREPARE)
        lines = flow.product_lines(order)
        other_lines = order.lines.exclude(pk__in=[line.pk for line in lines])
        returnable = order.state in (OrderState.PAID, OrderState.REFUNDED)
        for line in lines:
            line.return_url = (
                reverse("shop_staff:return_line", args=[order.pk, line.pk])
                if can_prepare and returnable and line.fulfilled and line.to_prepare > 0
                else ""
            )
        steps = []
        if fulfilment is not None and order.state == OrderState.PAID and can_prepare:
            steps = flow.next_statuses(fulfilment)
        context.update(
            order=order,
            fulfilment=fulfilment,
            lines=lines,
            other_lines=other_lines,
            steps=steps,
            step_form=StepForm(),
            can_correct_tracking=can_prepare
            and fulfilment is not None
            and fulfilment.status == FulfilmentStatus.SHIPPED,
            # Its pickup activity cancelled (the order is flagged « À traiter »): moved here.
            can_move_to_office=can_prepare
            and fulfilment is not None
            and order.state == OrderState.PAID
            and flow.pickup_moved_to_office(fulfilment),
            paid=order.state == OrderState.PAID,
            where=flow.email_context(fulfilment, translation.get_language()) if fulfilment else {},
            tracking_url=flow.tracking_url(fulfilment) if fulfilment else "",
            carrier=flow.carrier_name(fulfilment) if fulfilment else "",
            packing_slip_url=reverse("shop_staff:packing_slip", args=[order.pk]),
            order_url=(
                reverse("order:inspect", args=[order.pk])
                if self.request.user.has_perm("orders.view_order")
                else ""
            ),
            refunds=order.refunds.all(),
            log_entries=self.log_entries(),
        )
        return context

    def log_entries(self):
        """The order's preparation steps and returns, in words."""
        entries = []
        for entry in self.order.log_entries.select_related("user").order_by("created_at"):
            if entry.action.startswith("fulfilment:") or entry.action == "line_returned":
                entry.label = registry.action_label(entry.action)
                entries.append(entry)
        return entries


class ReturnForm(forms.Form):
    quantity = forms.IntegerField(label=gettext_lazy("Unités retournées"), min_value=1)
    reason = forms.CharField(
        label=gettext_lazy("Motif"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Envoyé par courriel à la personne qui a payé, avec l'avis de remboursement, et "
            "noté dans le journal de la commande et sur le remboursement."
        ),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("Je confirme le retour et le remboursement"), required=True
    )

    def __init__(self, *args, left, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"] = forms.IntegerField(
            label=gettext_lazy("Unités retournées"), min_value=1, max_value=left
        )
        self.order_fields(["quantity", "reason", "confirm"])


class ReturnLineView(OrderMixin, WagtailAdminTemplateMixin, FormView):
    """Take back units of one line: refunded (their share, taxes, and the delivery with the
    last goods) and back in stock at once."""

    permission = PREPARE
    template_name = "shop/admin/return_line.html"
    form_class = ReturnForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.line = get_object_or_404(self.order.lines, pk=kwargs["line_id"])

    def get_page_title(self):
        return _("Retour d'articles")

    def get_page_subtitle(self):
        return self.order.code

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    @property
    def left(self):
        return self.line.quantity - self.line.returned_quantity

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        if self.order.state not in (OrderState.PAID, OrderState.REFUNDED) or self.left <= 0:
            messages.error(request, _("Il ne reste rien à retourner sur cette ligne."))
            return redirect(self.order_url())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "left": self.left}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lines = list(self.order.lines.select_related("content_type"))
        context.update(
            order=self.order,
            line=self.line,
            left=self.left,
            one=services.line_return_amount(self.order, self.line, 1, lines),
            all=services.line_return_amount(self.order, self.line, self.left, lines),
            cancel_url=self.order_url(),
        )
        return context

    def form_valid(self, form):
        quantity = form.cleaned_data["quantity"]
        try:
            refund = services.refund_line(
                self.order,
                self.line,
                quantity,
                reason=form.cleaned_data["reason"],
                user=self.request.user,
            )
        except OrderError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        if refund is None:
            message = _("%(quantity)s × %(item)s remis en stock, rien à rembourser.")
        else:
            message = _(
                "%(quantity)s × %(item)s remis en stock ; remboursement de %(amount)s demandé."
            )

        messages.success(
            self.request,
            message
            % {
                "quantity": quantity,
                "item": self.line.description,
                "amount": format_cad(
                    refund.amount if refund else 0, translation.get_language() or "fr"
                ),
            },
        )
        return redirect(self.order_url())


# --- to print -----------------------------------------------------------------------------------


class PrintMixin(PermissionRequiredMixin):
    permission = VIEW_ORDERS

    def get_breadcrumbs_items(self):
        return []


class PackingSlipView(OrderMixin, PrintMixin, WagtailAdminTemplateMixin, TemplateView):
    """One order's packing slip: who, where, what (with SKU), to slip in the parcel or bag."""

    template_name = "shop/admin/packing_slip.html"

    def get_page_title(self):
        return _("Bordereau d'expédition")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fulfilment = self.fulfilment
        context.update(
            order=self.order,
            fulfilment=fulfilment,
            lines=[line for line in flow.product_lines(self.order) if line.to_prepare > 0],
            where=flow.email_context(fulfilment, self.order.language) if fulfilment else {},
            back_url=self.order_url(),
        )
        return context


class PickListView(PrintMixin, WagtailAdminTemplateMixin, TemplateView):
    """Everything to take from the shelves for the chosen orders (`commande` in the query
    string, repeated), or for every order new or in preparation: grouped by variant, with its
    SKU, the total and the orders it goes to."""

    template_name = "shop/admin/pick_list.html"

    def get_page_title(self):
        return _("Liste de cueillette")

    def fulfilments(self):
        found = paid_shop_fulfilments()
        chosen = [pk for value in self.request.GET.getlist("commande") if (pk := id_or_none(value))]
        if chosen:
            return found.filter(order_id__in=chosen)
        return found.filter(status__in=[FulfilmentStatus.NEW, FulfilmentStatus.PREPARING])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fulfilments = list(self.fulfilments().order_by("order__paid_at", "pk"))
        items = OrderedDict()
        for fulfilment in fulfilments:
            for line in flow.product_lines(fulfilment.order):
                if line.to_prepare <= 0:
                    continue
                key = line.object_id
                entry = items.setdefault(
                    key,
                    {
                        "sku": line.variant.sku if line.variant else "—",
                        "name": str(line.variant) if line.variant else line.description,
                        "quantity": 0,
                        "orders": [],
                    },
                )
                entry["quantity"] += line.to_prepare
                entry["orders"].append((fulfilment.order.code, line.to_prepare))
        context.update(
            items=sorted(items.values(), key=lambda item: (item["name"], item["sku"])),
            orders=[f.order for f in fulfilments],
            back_url=reverse("shop_staff:orders"),
        )
        return context
