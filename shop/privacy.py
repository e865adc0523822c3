"""What the shop holds about a person, for Law 25 (registered in
`orders.registry.personal_data` by shop/registrations.py): the shipping address and phone
number given at checkout, on the order's Fulfilment. Erasing blanks them; the province stays,
as the order's taxes depend on it (it is also on the order, `tax_province`).

Orders the shop finished (handed over or shipped) are not purged here earlier than orders'
own rules: `finished_orders` returns the shop orders paid before the cutoff whose products
were handed over or shipped, so their address goes with the buyer's name."""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orders.privacy import PersonalDataProvider

from .models import Fulfilment, FulfilmentStatus

ADDRESS_FIELDS = ("recipient", "address", "address_2", "city", "postal_code", "phone")


def _with_address():
    query = Q()
    for name in ADDRESS_FIELDS:
        query |= ~Q(**{name: ""})
    return Fulfilment.objects.filter(query)


class ShopPersonalData(PersonalDataProvider):
    name = "shop"
    order = 60
    template_name = "shop/admin/privacy_held.html"

    def find(self, email, orders):
        return {
            "addresses": list(
                _with_address().filter(order__in=orders).select_related("order").order_by("pk")
            )
        }

    def summary(self, counts):
        if not counts["addresses"]:
            return []
        return [
            ngettext(
                "%(n)s adresse de livraison", "%(n)s adresses de livraison", counts["addresses"]
            )
            % {"n": counts["addresses"]}
        ]

    def erasure(self):
        return [_("les adresses de livraison et les numéros de téléphone sont effacés ;")]

    def still_running(self, rows):
        from orders.models import OrderState

        waiting = [
            fulfilment
            for fulfilment in rows["addresses"]
            if fulfilment.order.state == OrderState.PAID
            and fulfilment.status not in (FulfilmentStatus.SHIPPED, FulfilmentStatus.HANDED_OVER)
            and fulfilment.address
        ]
        if not waiting:
            return []
        return [
            ngettext(
                "%(n)s commande payée pas encore expédiée (%(codes)s) : une fois l'adresse de "
                "livraison effacée, elle ne pourra plus l'être.",
                "%(n)s commandes payées pas encore expédiées (%(codes)s) : une fois les "
                "adresses de livraison effacées, elles ne pourront plus l'être.",
                len(waiting),
            )
            % {"n": len(waiting), "codes": ", ".join(f.order.code for f in waiting)}
        ]

    def export(self, email, orders):
        return {
            "shipping_addresses": [
                {
                    "order": f.order.code,
                    **{name: getattr(f, name) for name in ADDRESS_FIELDS},
                    "province": f.province,
                }
                for f in self.find(email, orders)["addresses"]
            ]
        }

    def names(self, email, orders):
        recipients = Fulfilment.objects.filter(order__in=orders).values_list("recipient", flat=True)
        return {name for name in recipients if name}

    def erase_orders(self, orders, scrub):
        changed = (
            _with_address().filter(order__in=orders).update(**dict.fromkeys(ADDRESS_FIELDS, ""))
        )
        return {"addresses": changed}

    def finished_orders(self, cutoff):
        return Fulfilment.objects.filter(
            status__in=[FulfilmentStatus.HANDED_OVER, FulfilmentStatus.SHIPPED],
            order__paid_at__lt=cutoff,
        ).values_list("order_id", flat=True)
