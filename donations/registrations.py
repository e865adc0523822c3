"""What donations adds to orders' registries and signals, from `DonationsConfig.ready()`:

- the labels of the audit-log actions it writes on orders;
- its part of a person's data for Law 25 (donations/privacy.py);
- the gift a visitor may add to an activity's registration or a shop order
  (donations/checkout.py, `orders.registry.checkout_gifts`);
- a refund that leaves a gift's order with nothing received voids the gift's receipt (refunds
  made as a gesture or in Stripe's dashboard go through no line, so the refund itself is
  watched; a cancelled order or a line given back reach `DonationPage.release`/`give_back`).
"""

from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

LOG_ACTIONS = {
    "donation_receipt_issued": _("Reçu officiel de don délivré"),
    "donation_receipt_voided": _("Reçu officiel de don annulé"),
    "donation_receipt_replaced": _("Reçu officiel de don annulé et remplacé"),
    "donation_summary_sent": _("Sommaire annuel des dons envoyé"),
}


def refund_saved(sender, instance, update_fields=None, **kwargs):
    from orders.models import RefundState

    from .models import Donation
    from .receipts import order_partly_refunded, order_refunded

    if instance.state != RefundState.SUCCEEDED:
        return
    order = instance.order
    if not Donation.objects.filter(order=order, refunded=False).exists():
        return
    if order.balance <= 0:
        order_refunded(order)
    else:
        order_partly_refunded(order)


def register():
    from orders import registry
    from orders.models import Refund

    from .privacy import DonationsPersonalData

    registry.log_actions.register(LOG_ACTIONS)
    registry.personal_data.register(DonationsPersonalData())
    from .checkout import offer

    registry.checkout_gifts.register(registry.CheckoutGift(name="donations", offer=offer))
    from .receipts import donation_section

    registry.order_sections.register(
        registry.OrderSection(
            name="donation", collect=donation_section, order=30, on_pages_only=True
        )
    )
    post_save.connect(refund_saved, sender=Refund, dispatch_uid="donations:refund_saved")
