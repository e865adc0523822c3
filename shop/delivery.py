"""How a cart reaches its buyer, what that costs, and placing its order.

Three ways: pickup at the CÉSIQ office, pickup at an upcoming activity (staff hand the order
over at the door: it shows on that date's attendee list and check-in page), or shipping in
Canada at a flat rate by zone, free from a threshold (`ShopSettings`). Where the goods go
decides the taxes (`orders.taxes`): a pickup is a supply in Québec, a parcel is supplied in the
province it is delivered to.

The summary shown before paying and the order placed go through the same computation
(`orders.services.order_totals`, by way of `quote` and `place_order`), with the delivery
charge priced here by one function, so that what the buyer saw is what they pay.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cesiq_site.postal import Province, postal_code_matches  # noqa: F401 — named here too
from orders import services as orders
from orders.models import OrderState
from orders.taxes import QUEBEC, hst_label

from .models import (
    DeliveryMethod,
    Fulfilment,
    ProductVariant,
    ShopSettings,
    pickup_address,
)

# Shipping zones of ShopSettings' flat rates.
ZONES = {
    "QC": "quebec",
    "ON": "east",
    "NB": "east",
    "NS": "east",
    "PE": "east",
    "NL": "east",
    "MB": "west",
    "SK": "west",
    "AB": "west",
    "BC": "west",
    "YT": "north",
    "NT": "north",
    "NU": "north",
}

# How many upcoming activities the buyer may choose from for a pickup.
MAX_PICKUP_DATES = 20


def pickup_dates(now=None):
    """Upcoming activity dates where an order can be picked up: scheduled, not begun, held
    by CÉSIQ at a known place people come to (not online only, not a partner's activity
    whose registration is on their site, not without a venue, not a school's session: one
    class, not the public), soonest first."""
    from events.models import AttendanceMode, Audience, EventDate, EventStatus

    now = now or timezone.now()
    return list(
        EventDate.objects.filter(
            status=EventStatus.SCHEDULED,
            page__status=EventStatus.SCHEDULED,
            page__live=True,
            start__gt=now,
            page__venue__isnull=False,
            page__external_registration_url="",
        )
        .exclude(page__attendance_mode=AttendanceMode.ONLINE)
        .exclude(page__audience=Audience.SCHOOL)
        .select_related("page", "page__venue")
        .order_by("start")[:MAX_PICKUP_DATES]
    )


def pickup_date_label(date):
    """ "Activity — date — venue" in the active language."""
    page = date.page.localized.specific
    venue = getattr(page.source, "venue", None)
    parts = [page.title, str(date)]
    if venue is not None:
        parts.append(venue.name)
    return " — ".join(parts)


def office_hours(language=None):
    """The office's pickup hours in `language` (French when no English is given)."""
    settings = ShopSettings.load()
    language = language or translation.get_language()
    if language == "en" and settings.pickup_hours_en:
        return settings.pickup_hours_en
    return settings.pickup_hours


@dataclass(frozen=True)
class Destination:
    """Where the products go: a method, the province for a parcel, the date for a pickup at
    an activity. `province` is None while the buyer has not chosen one."""

    method: str = DeliveryMethod.OFFICE
    province: str | None = None
    pickup_date: object = None

    @property
    def ships(self):
        return self.method == DeliveryMethod.SHIPPING

    @property
    def tax_province(self):
        """Goods picked up here are supplied in Québec; a parcel where it is delivered."""
        if self.ships and self.province:
            return self.province
        return QUEBEC

    def line_details(self):
        """Descriptive details kept on the product lines (never used to count anything)."""
        details = {"delivery": self.method}
        if self.pickup_date is not None:
            details["pickup_date"] = self.pickup_date.pk
        return details


def shipping_charge(destination, goods):
    """The delivery charge for products worth `goods` (after discount, before taxes): the
    zone's flat rate, nothing from the free-shipping threshold or for a pickup."""
    if not destination.ships or not destination.province:
        return Decimal("0.00")
    settings = ShopSettings.load()
    if settings.free_shipping_from is not None and goods >= settings.free_shipping_from:
        return Decimal("0.00")
    return getattr(settings, f"shipping_{ZONES[destination.province]}")


@dataclass
class Summary:
    """The totals shown before paying, for one destination."""

    totals: object  # orders.services.Totals
    destination: Destination
    has_products: bool
    free_shipping_from: Decimal | None

    subtotal = property(lambda self: self.totals.subtotal)
    discount = property(lambda self: self.totals.discount)
    shipping = property(lambda self: self.totals.shipping)
    gst = property(lambda self: self.totals.taxes.gst)
    qst = property(lambda self: self.totals.taxes.qst)
    hst = property(lambda self: self.totals.taxes.hst)
    total = property(lambda self: self.totals.total)

    @property
    def taxes_enabled(self):
        return self.totals.settings.taxes_enabled

    @property
    def tax_province(self):
        return self.destination.tax_province

    @property
    def hst_percent(self):
        rate = self.totals.taxes.hst_rate
        return "" if rate is None else format((rate * 100).normalize(), "f")

    @property
    def hst_label(self):
        taxes = self.totals.taxes
        return hst_label(
            taxes.province,
            books=taxes.gst_subtotal > taxes.taxable_subtotal,
            others=taxes.taxable_subtotal > 0 or taxes.gst_subtotal <= 0,
        )

    @property
    def province_missing(self):
        return self.has_products and self.destination.ships and not self.destination.province

    @property
    def free_shipping(self):
        return self.destination.ships and bool(self.destination.province) and not self.shipping


def summarize(cart, destination, discount_code="", now=None):
    """The totals of `cart` sent to `destination`, computed as `place_order` will; raises
    OrderError when something cannot be sold now or the code cannot be used."""
    if not cart.products:
        destination = Destination()
    selections = cart.selections()
    goods_only = orders.quote(
        kind=cart.kind, selections=selections, discount_code=discount_code, now=now
    )
    goods = sum(
        (
            net
            for line, net in zip(cart.lines, goods_only.line_nets, strict=True)
            if not line.is_ticket
        ),
        Decimal("0"),
    )
    charge = shipping_charge(destination, goods)
    totals = orders.quote(
        kind=cart.kind,
        selections=selections,
        discount_code=discount_code,
        shipping=charge,
        tax_province=destination.tax_province,
        now=now,
    )
    return Summary(
        totals=totals,
        destination=destination,
        has_products=bool(cart.products),
        free_shipping_from=ShopSettings.load().free_shipping_from,
    )


def place(
    cart,
    *,
    destination,
    address,
    buyer_name,
    buyer_email,
    language,
    discount_code="",
    client_key="",
    gift=None,
    submission="",
):
    """Place the cart's one order (products and tickets together, and the buyer's `gift`, a
    Selection from orders.gift, if any) and, for products, the fulfilment saying how they
    reach the buyer, in one transaction.

    `address` holds the shipping address fields (recipient, address, address_2, city,
    postal_code, phone). When the buyer's address already holds an unpaid order for a date
    of these tickets, that order's link is sent to it once this transaction is over.
    """
    try:
        return _place(
            cart,
            destination=destination,
            address=address,
            buyer_name=buyer_name,
            buyer_email=buyer_email,
            language=language,
            discount_code=discount_code,
            client_key=client_key,
            gift=gift,
            submission=submission,
        )
    except orders.AlreadyHolding as exc:
        orders.remind_pending_order(exc.order)
        raise


@transaction.atomic
def _place(
    cart,
    *,
    destination,
    address,
    buyer_name,
    buyer_email,
    language,
    discount_code,
    client_key,
    gift=None,
    submission="",
):
    if not cart.products:
        destination = Destination()
    if destination.ships and destination.province not in Province.values:
        raise orders.OrderError(_("Choisissez la province de livraison."))
    summary = summarize(cart, destination, discount_code)
    order = orders.place_order(
        kind=cart.kind,
        buyer_name=buyer_name,
        buyer_email=buyer_email,
        language=language,
        selections=cart.selections(product_details=destination.line_details())
        + ([gift] if gift is not None else []),
        discount_code=discount_code,
        client_key=client_key,
        shipping=summary.shipping,
        tax_province=destination.tax_province,
        submission=submission,
    )
    if cart.products:
        shipping_fields = (
            {
                "recipient": (address.get("recipient") or buyer_name)[:200],
                "address": address.get("address", "")[:200],
                "address_2": address.get("address_2", "")[:100],
                "city": address.get("city", "")[:100],
                "province": destination.province,
                "postal_code": address.get("postal_code", "")[:7],
                "phone": address.get("phone", "")[:40],
            }
            if destination.ships
            else {}
        )
        Fulfilment.objects.create(
            order=order,
            method=destination.method,
            pickup_date=destination.pickup_date,
            **shipping_fields,
        )
        orders.log(
            order,
            "delivery",
            _("Mode de réception : %(method)s")
            % {"method": DeliveryMethod(destination.method).label},
        )
    return order


# --- what the receipt and emails say about it (orders.registry.order_sections) -----------------


def delivery_lines(order, fulfilment=None):
    """The delivery of `order` as lines of text in the active language, or None when it has
    no products to deliver. Read from its Fulfilment (`fulfilment` when the caller read it),
    or, while that is not yet written (a free order confirmed inside `place_order`), from its
    lines' details."""
    if not order.sells(ProductVariant):  # tickets, a gift: nothing to deliver, no query
        return None
    if fulfilment is None:
        fulfilment = Fulfilment.objects.filter(order=order).select_related("pickup_date").first()
    if fulfilment is not None:
        method, date = fulfilment.method, fulfilment.pickup_date
    else:
        details = [
            line.details
            for line in order.lines.all()
            if line.details.get("delivery") or line.details.get("pickup")
        ]
        if not details:
            return None
        method = details[0].get("delivery") or DeliveryMethod.OFFICE
        date = None
        if details[0].get("pickup_date"):
            from events.models import EventDate

            date = EventDate.objects.filter(pk=details[0]["pickup_date"]).first()
    if method == DeliveryMethod.OFFICE:
        lines = [str(DeliveryMethod.OFFICE.label)]
        if address := pickup_address():
            lines.append(address)
        if hours := office_hours():
            lines.append(_("Heures : %(hours)s") % {"hours": hours})
    elif method == DeliveryMethod.ACTIVITY:
        lines = [str(DeliveryMethod.ACTIVITY.label)]
        if date is not None:
            lines.append(pickup_date_label(date))
            venue = getattr(date.page, "venue", None)
            if venue is not None and venue.full_address:
                lines.append(venue.full_address)
        if date is not None and date.status == "cancelled":
            # events/staff.py `cancel_date` flags the order for staff to arrange it.
            lines.append(
                _(
                    "Cette activité est annulée : nous vous écrirons pour convenir d'une autre "
                    "façon de vous remettre votre commande."
                )
            )
        else:
            lines.append(
                _("Présentez-vous à l'accueil de l'activité : votre commande vous y attend.")
            )
    else:
        lines = [str(DeliveryMethod.SHIPPING.label)]
        if fulfilment is not None:
            lines += [
                fulfilment.recipient,
                fulfilment.address,
                *([fulfilment.address_2] if fulfilment.address_2 else []),
                fulfilment.city_line,
                *([fulfilment.phone] if fulfilment.phone else []),
            ]
    if method == DeliveryMethod.SHIPPING:  # nothing to show at a counter
        lines.append(_("Numéro de commande à rappeler : %(code)s") % {"code": order.code})
    else:
        lines.append(
            _("Numéro de commande à présenter ou à rappeler : %(code)s") % {"code": order.code}
        )
    return lines


def delivery_section(order):
    """How the goods reach the buyer and, once paid, where their preparation stands (with the
    carrier's tracking page once shipped): the receipt page is where the buyer looks."""
    if not order.sells(ProductVariant):
        return None
    fulfilment = Fulfilment.objects.filter(order=order).select_related("pickup_date").first()
    lines = delivery_lines(order, fulfilment)
    if lines is None:
        return None
    if fulfilment is not None and order.state in (OrderState.PAID, OrderState.REFUNDED):
        lines += progress_lines(fulfilment)
    return {"heading": _("Réception des achats"), "lines": lines}


def progress_lines(fulfilment):
    from orders.registry import SectionLink

    from .fulfilment import carrier_name, tracking_url

    lines = [_("État : %(status)s") % {"status": fulfilment.get_status_display()}]
    if url := tracking_url(fulfilment):
        lines.append(
            SectionLink(
                label=_("Suivre le colis (%(carrier)s, %(number)s)")
                % {"carrier": carrier_name(fulfilment), "number": fulfilment.tracking_number},
                url=url,
            )
        )
    elif fulfilment.carrier:  # sent without a tracking number (a letter)
        lines.append(_("Transporteur : %(carrier)s") % {"carrier": carrier_name(fulfilment)})
    return lines


def summary_for(cart, form):
    """The summary for what the checkout form says. A discount code that cannot be used is
    said on its field and left out of the totals; anything else that cannot be sold raises
    OrderError (the cart then tells the buyer what changed)."""
    destination = form.destination()
    code = form.discount_code_value()
    if code:
        try:
            return summarize(cart, destination, code)
        except orders.OrderError as exc:
            summary = summarize(cart, destination)
            message = member_code_message(code) or str(exc)
            _take_back_general_error(form, str(exc))  # placing the order said it already
            form.add_error("discount_code", message)  # said once, at its field
            return summary
    return summarize(cart, destination)


def _take_back_general_error(form, message):
    """Remove `message` from the form's errors that belong to no field (where placing the
    order put it), so that it is said once, at the field it is about."""
    from django.forms.forms import NON_FIELD_ERRORS

    general = form.errors.get(NON_FIELD_ERRORS)
    if general is None:
        return
    general.data = [e for e in general.as_data() if message not in e.messages]
    if not general.data:
        del form.errors[NON_FIELD_ERRORS]


def member_code_message(code):
    """A member's code typed as a discount code: it was refused as « n'est pas valide »,
    while it gives members' prices on an activity's registration form (events' member
    rates), which the cart does not sell. None for any other code."""
    from events.registry import is_member_code

    if not is_member_code(code):
        return None
    return _(
        "« %(code)s » est un code de membre : il donne le tarif des membres sur le formulaire "
        "d'inscription d'une activité (« S'inscrire »), pas dans le panier."
    ) % {"code": code}
