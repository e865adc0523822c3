"""What the shop adds to other apps' registries, from `ShopConfig.ready()`: orders and events
know nothing of the shop and import nothing from it.

- the delivery of a shop order on its receipt page and its confirmation
  (`orders.registry.order_sections`);
- the orders to hand over at an activity's door, on that date's attendee list and check-in
  page (`events.registry.handovers`);
- the labels of the audit-log actions the shop writes on orders (the delivery chosen at
  checkout, each step of an order's preparation);
- the sales report's tables of sales by product and by month;
- its part of a person's data for Law 25: shipping addresses (shop/privacy.py);
- why an order whose goods were shipped or handed over cannot be cancelled as a whole
  (`orders.registry.cancel_blockers`).
"""

from django.utils.translation import gettext_lazy as _

LOG_ACTIONS = {
    "delivery": _("Mode de réception choisi"),
    "pickup_moved": _("Cueillette déplacée au bureau"),
    "tracking_corrected": _("Suivi corrigé"),
}


def orders_to_hand_over(date):
    """Paid shop orders to be picked up at `date`, with what they hold."""
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    from events.registry import Handover
    from orders.models import OrderState

    from .models import Fulfilment, ProductVariant

    variant_type = ContentType.objects.get_for_model(ProductVariant)
    fulfilments = (
        Fulfilment.objects.filter(pickup_date=date, order__state=OrderState.PAID)
        .select_related("order")
        .prefetch_related("order__lines")
        .order_by("order__buyer_name", "order__code")
    )
    return [
        Handover(
            code=f.order.code,
            buyer=f.order.buyer_name,
            summary=", ".join(
                f"{line.units_left} × {line.description}"
                for line in f.order.lines.all()
                if line.content_type_id == variant_type.pk and line.units_left
            ),
            state=f.get_status_display(),
            url=reverse("order:inspect", args=[f.order.pk]),
        )
        for f in fulfilments
    ]


def goods_already_gone(order):
    """An order whose parcel left or whose goods were handed over: cancelling it would put
    them back in stock and refund them while the buyer has them."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import F

    from orders.models import OrderLine

    from .models import Fulfilment, FulfilmentStatus, ProductVariant

    status = Fulfilment.objects.filter(order_id=order.pk).values_list("status", flat=True).first()
    if status not in (FulfilmentStatus.SHIPPED, FulfilmentStatus.HANDED_OVER):
        return None
    still_out = OrderLine.objects.filter(
        order_id=order.pk,
        content_type=ContentType.objects.get_for_model(ProductVariant),
        returned_quantity__lt=F("quantity"),
    )
    if not still_out.exists():
        return None  # every article came back: the buyer has nothing of it left
    if status == FulfilmentStatus.SHIPPED:
        message = _(
            "Les articles de la commande %(code)s sont déjà expédiés : l'annuler les "
            "remettrait en stock et les rembourserait alors qu'ils sont en route. Enregistrez "
            "plutôt leur retour à leur réception (l'équipe de la boutique : Commandes à "
            "préparer, la commande, « Retour d'articles »), ou remboursez un montant."
        )
    elif status == FulfilmentStatus.HANDED_OVER:
        message = _(
            "Les articles de la commande %(code)s sont déjà remis à la personne : l'annuler "
            "les remettrait en stock et les rembourserait. Enregistrez plutôt leur retour "
            "(l'équipe de la boutique : Commandes à préparer, la commande, « Retour "
            "d'articles »), ou remboursez un montant."
        )
    else:
        return None
    return str(message) % {"code": order.code}


def register():
    from events import registry as events_registry
    from orders import registry

    from .admin.reports import SALES_BY_MONTH, SALES_BY_PRODUCT
    from .delivery import delivery_section
    from .fulfilment import status_label
    from .privacy import ShopPersonalData

    registry.log_actions.register(LOG_ACTIONS)
    registry.log_actions.register_prefix("fulfilment:", status_label)
    registry.report_sections.register(SALES_BY_PRODUCT)
    registry.report_sections.register(SALES_BY_MONTH)
    registry.personal_data.register(ShopPersonalData())
    registry.order_sections.register(
        registry.OrderSection(name="shop_delivery", collect=delivery_section)
    )
    registry.cancel_blockers.register(
        registry.CancelBlocker(name="shop_goods_gone", reason=goods_already_gone)
    )
    events_registry.handovers.register(
        events_registry.HandoverSource(
            name="shop_pickups",
            label=_("Commandes de la boutique à remettre"),
            collect=orders_to_hand_over,
        )
    )
