"""How far a paid shop order has gone on its way to the buyer, and who is told.

Staff move a `Fulfilment` forward only (new → preparing → ready or shipped → handed over,
`FULFILMENT_TRANSITIONS`), one step at a time, under the order's lock. Each step is written to
the order's audit log and, except "en préparation" when staff choose not to, told to the buyer
through the outbox in the order's language, once (the email's key is the order and the step).

A parcel's tracking link is never typed by staff: they choose a known carrier and give the
tracking number, which is checked against that carrier's format; the link is built from the
carrier's public tracking page.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders import services
from orders.models import OrderKind, OrderState
from orders.services import OrderError

from .models import (
    DeliveryMethod,
    Fulfilment,
    FulfilmentStatus,
    ProductVariant,
    ShopSettings,
    pickup_address,
)


@dataclass(frozen=True)
class Carrier:
    name: str
    # The public tracking page, `{number}` replaced; French and English where they differ.
    url_fr: str
    url_en: str
    # Accepted tracking numbers, once spaces and dashes are taken out and letters upper-cased.
    pattern: str
    example: str
    tracked: bool = True

    def url(self, number, language):
        template = self.url_en if language == "en" else self.url_fr
        return template.format(number=quote(number, safe="")) if template else ""

    def accepts(self, number):
        return re.fullmatch(self.pattern, number) is not None


CARRIERS = {
    # Domestic parcels: 16 digits (12 for some services); international ones the UPU's
    # S10 format, two letters, nine digits, "CA".
    "canada_post": Carrier(
        name="Postes Canada / Canada Post",
        url_fr="https://www.canadapost-postescanada.ca/track-reperage/fr#/search?searchFor={number}",
        url_en="https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}",
        pattern=r"\d{12}|\d{16}|[A-Z]{2}\d{9}CA",
        example="7023210039414604",
    ),
    # Purolator's PIN: 12 digits, or three letters and nine digits.
    "purolator": Carrier(
        name="Purolator",
        url_fr="https://www.purolator.com/fr/expedition/suivi?pin={number}",
        url_en="https://www.purolator.com/en/shipping/tracker?pin={number}",
        pattern=r"\d{12}|[A-Z]{3}\d{9}",
        example="329012345678",
    ),
    # "1Z", a six-character account number, a two-digit service code and eight more.
    "ups": Carrier(
        name="UPS",
        url_fr="https://www.ups.com/track?loc=fr_CA&tracknum={number}",
        url_en="https://www.ups.com/track?loc=en_CA&tracknum={number}",
        pattern=r"1Z[0-9A-Z]{16}",
        example="1Z999AA10123456784",
    ),
    # Express 12 digits, Ground 15, SmartPost 20 or 22.
    "fedex": Carrier(
        name="FedEx",
        url_fr="https://www.fedex.com/fedextrack/?trknbr={number}&locale=fr_CA",
        url_en="https://www.fedex.com/fedextrack/?trknbr={number}&locale=en_CA",
        pattern=r"\d{12}|\d{15}|\d{20}|\d{22}",
        example="123456789012",
    ),
    # A small parcel sent as a letter: no tracking number to give.
    "lettermail": Carrier(
        name="Postes Canada, poste-lettres (sans suivi) / Canada Post Lettermail",
        url_fr="",
        url_en="",
        pattern="",
        example="",
        tracked=False,
    ),
}


def carrier_choices():
    return [(key, carrier.name) for key, carrier in CARRIERS.items()]


def clean_tracking_number(carrier, number):
    """The tracking number in its usual form, or OrderError saying what is expected."""
    found = CARRIERS.get(carrier)
    if found is None:
        raise OrderError(_("Choisissez un transporteur de la liste."))
    if not found.tracked:
        return ""
    number = re.sub(r"[\s-]", "", str(number or "")).upper()
    if not number:
        raise OrderError(_("Indiquez le numéro de suivi du colis."))
    if not found.accepts(number):
        raise OrderError(
            _("« %(number)s » n'est pas un numéro de suivi %(carrier)s (par exemple %(example)s).")
            % {"number": number[:40], "carrier": found.name, "example": found.example}
        )
    return number


def tracking_url(fulfilment, language=None):
    """The carrier's tracking page for this parcel, or "" (not shipped, or unknown carrier)."""
    carrier = CARRIERS.get(fulfilment.carrier)
    if carrier is None or not fulfilment.tracking_number:
        return ""
    return carrier.url(fulfilment.tracking_number, language or translation.get_language())


def carrier_name(fulfilment):
    carrier = CARRIERS.get(fulfilment.carrier)
    return carrier.name if carrier else fulfilment.carrier


def pickup_hours(language):
    shop_settings = ShopSettings.load()
    if language == "en" and shop_settings.pickup_hours_en:
        return shop_settings.pickup_hours_en
    return shop_settings.pickup_hours


def next_statuses(fulfilment):
    """The steps this fulfilment may take now, in the order of the buttons: a pickup becomes
    ready, a parcel is shipped."""
    allowed = []
    for status in FulfilmentStatus:
        if not fulfilment.can_become(status):
            continue
        if status == FulfilmentStatus.READY and fulfilment.method == DeliveryMethod.SHIPPING:
            continue
        if status == FulfilmentStatus.SHIPPED and fulfilment.method != DeliveryMethod.SHIPPING:
            continue
        allowed.append(FulfilmentStatus(status))
    return allowed


# What the buyer is told at each step: (template, subject).
EMAILS = {
    FulfilmentStatus.PREPARING: (
        "shop/email/order_preparing",
        gettext_lazy("Votre commande %(code)s est en préparation"),
    ),
    FulfilmentStatus.READY: (
        "shop/email/order_ready",
        gettext_lazy("Votre commande %(code)s est prête à récupérer"),
    ),
    FulfilmentStatus.SHIPPED: (
        "shop/email/order_shipped",
        gettext_lazy("Votre commande %(code)s a été expédiée"),
    ),
    FulfilmentStatus.HANDED_OVER: (
        "shop/email/order_handed_over",
        gettext_lazy("Merci pour votre achat (commande %(code)s)"),
    ),
}


def goods_of(order):
    """The order's articles still to hand over: not its tickets nor a gift added at checkout
    (the buyer picks up products), nor what was given back."""
    from django.contrib.contenttypes.models import ContentType

    return [
        line
        for line in order.lines.filter(
            content_type=ContentType.objects.get_for_model(ProductVariant)
        )
        if line.units_left
    ]


def email_context(fulfilment, language):
    """Where and when to pick the order up (and what), or how to follow the parcel."""
    context = {"fulfilment": fulfilment, "goods": goods_of(fulfilment.order)}
    if fulfilment.method == DeliveryMethod.OFFICE:
        context.update(address=pickup_address(), hours=pickup_hours(language))
    elif fulfilment.method == DeliveryMethod.ACTIVITY and fulfilment.pickup_date_id:
        date = fulfilment.pickup_date
        page = date.page.specific
        context.update(
            pickup_date=date,
            activity=page,
            venue=getattr(page, "venue", None),
        )
    elif fulfilment.method == DeliveryMethod.SHIPPING:
        context.update(
            carrier=carrier_name(fulfilment),
            tracking_url=tracking_url(fulfilment, language),
        )
    return context


def tell_buyer(order, fulfilment, status):
    template, subject = EMAILS[status]
    return services.email_buyer(
        order, template, subject, **email_context(fulfilment, order.language)
    )


def advance(fulfilment, status, *, user=None, carrier="", tracking_number="", notify=True):
    """Move a paid shop order's fulfilment one step forward, log it and tell the buyer.

    `carrier` and `tracking_number` are required to ship. `notify=False` keeps "en
    préparation" quiet (the other steps are always told). Raises OrderError, changing
    nothing, for a step that is not next, an order not paid, or a bad tracking number."""
    try:
        status = FulfilmentStatus(status)
    except ValueError:
        raise OrderError(_("Étape de préparation inconnue.")) from None
    with transaction.atomic():
        order = services.lock(fulfilment.order)
        fulfilment = Fulfilment.objects.select_for_update().get(pk=fulfilment.pk)
        if order.kind != OrderKind.SHOP or order.state != OrderState.PAID:
            raise OrderError(
                _("Seule une commande payée se prépare (la commande %(code)s est « %(state)s »).")
                % {"code": order.code, "state": order.get_state_display()}
            )
        if status not in next_statuses(fulfilment):
            raise OrderError(
                _("Une commande « %(from)s » ne peut pas passer à « %(to)s ».")
                % {"from": fulfilment.get_status_display(), "to": status.label}
            )
        previous = fulfilment.status
        message = ""
        if status == FulfilmentStatus.SHIPPED:
            number = clean_tracking_number(carrier, tracking_number)
            fulfilment.carrier, fulfilment.tracking_number = carrier, number
            message = f"{carrier_name(fulfilment)} {number}".strip()
        fulfilment.status = status
        fulfilment.order = order
        fulfilment.save()
        services.log(order, f"fulfilment:{status}", message, user=user, previous=str(previous))
        if notify or status != FulfilmentStatus.PREPARING:
            tell_buyer(order, fulfilment, status)
    return fulfilment


def correct_tracking(fulfilment, *, user, carrier, tracking_number):
    """A shipped parcel's carrier or tracking number typed wrong: corrected, logged, and the
    buyer sent the right one (once for each correction)."""
    with transaction.atomic():
        order = services.lock(fulfilment.order)
        fulfilment = Fulfilment.objects.select_for_update().get(pk=fulfilment.pk)
        if fulfilment.status != FulfilmentStatus.SHIPPED:
            raise OrderError(_("Seul le suivi d'une commande expédiée se corrige."))
        number = clean_tracking_number(carrier, tracking_number)
        if (carrier, number) == (fulfilment.carrier, fulfilment.tracking_number):
            raise OrderError(_("C'est déjà le transporteur et le numéro enregistrés."))
        was = f"{carrier_name(fulfilment)} {fulfilment.tracking_number}".strip()
        fulfilment.carrier, fulfilment.tracking_number = carrier, number
        fulfilment.order = order
        fulfilment.save(update_fields=["carrier", "tracking_number", "updated_at"])
        now = f"{carrier_name(fulfilment)} {number}".strip()
        services.log(order, "tracking_corrected", f"{was} → {now}", user=user)
        # One email for each correction, numbered: keyed by the number alone, going back to
        # an earlier number (A → B → A → B) sent nothing and left the buyer with the wrong one.
        corrections = order.log_entries.filter(action="tracking_corrected").count()
        template, subject = EMAILS[FulfilmentStatus.SHIPPED]
        services.email_buyer(
            order,
            template,
            subject,
            key_suffix=f":corrected:{corrections}",
            corrected=True,
            **email_context(fulfilment, order.language),
        )
    return fulfilment


def pickup_moved_to_office(fulfilment):
    """True when this order was to be picked up at an activity whose date is now cancelled
    (events/staff.py `cancel_date` flags it): staff may move it to the office."""
    from events.models import EventStatus

    return (
        fulfilment.method == DeliveryMethod.ACTIVITY
        and fulfilment.status != FulfilmentStatus.HANDED_OVER
        and fulfilment.pickup_date is not None
        and fulfilment.pickup_date.shown_status == EventStatus.CANCELLED
    )


def move_pickup_to_office(fulfilment, *, user):
    """The activity where the order was to be picked up is cancelled: it is picked up at the
    office instead. The buyer is told where and when (now, if it was ready: no other email
    follows); the order's flag about it is cleared, with what was done in its history."""
    from events.staff import flagged_for_handover

    with transaction.atomic():
        order = services.lock(fulfilment.order)
        fulfilment = Fulfilment.objects.select_for_update().get(pk=fulfilment.pk)
        if not pickup_moved_to_office(fulfilment):
            raise OrderError(
                _("Cette commande ne se récupère pas à une activité annulée : rien n'a changé.")
            )
        was = fulfilment.pickup_date
        fulfilment.method, fulfilment.pickup_date = DeliveryMethod.OFFICE, None
        fulfilment.order = order
        fulfilment.save(update_fields=["method", "pickup_date", "updated_at"])
        done = _("Cueillette déplacée au bureau du CÉSIQ (activité du %(date)s annulée)") % {
            "date": was
        }
        if flagged_for_handover(order, was):
            services.resolve_flag(order, user=user, note=done)
        else:  # flagged since for something else (a dispute, a refund): that stays to do
            services.log(order, "pickup_moved", done, user=user)
        services.email_buyer(
            order,
            "shop/email/pickup_moved",
            gettext_lazy("Votre commande %(code)s se récupère au bureau du CÉSIQ"),
            ready=fulfilment.status == FulfilmentStatus.READY,
            **email_context(fulfilment, order.language),
        )
    return fulfilment


def status_label(status):
    """`fulfilment:ready` and the like, in the order's audit log."""
    if status in FulfilmentStatus.values:
        return gettext_lazy("Préparation : %(status)s") % {"status": FulfilmentStatus(status).label}
    return None


def preparation_url(order):
    """The order's preparation page in the back-office, as an absolute address (emails)."""
    from django.urls import reverse

    return settings.WAGTAILADMIN_BASE_URL + reverse("shop_staff:order", args=[order.pk])


def product_lines(order):
    """The order's product lines with their variants (SKU), in the order they were bought."""
    from django.contrib.contenttypes.models import ContentType

    from .models import ProductVariant

    lines = list(
        order.lines.filter(content_type=ContentType.objects.get_for_model(ProductVariant)).order_by(
            "pk"
        )
    )
    variants = ProductVariant.objects.in_bulk([line.object_id for line in lines])
    for line in lines:
        line.variant = variants.get(line.object_id)
        line.to_prepare = line.quantity - line.returned_quantity
    return lines


def staff_notice(line):
    """For the staff's notice of a new order: what to take from the shelves and how the order
    leaves. Once per order, on its first product line."""
    from django.template.loader import render_to_string

    order = line.order
    lines = product_lines(order)
    if not lines or lines[0].pk != line.pk:
        return None
    fulfilment = Fulfilment.objects.filter(order=order).select_related("pickup_date").first()
    context = {
        "order": order,
        "lines": lines,
        "fulfilment": fulfilment,
        "preparation_url": preparation_url(order),
    }
    if fulfilment is not None:
        context.update(email_context(fulfilment, settings.LANGUAGE_CODE))
    return {
        "text": render_to_string("shop/email/staff_to_prepare.txt", context),
        "html": render_to_string("shop/email/staff_to_prepare.html", context),
    }


def product_counts(order_ids):
    """{order id: units still to hand over} for these orders, in one query."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import F, Sum

    from orders.models import OrderLine

    from .models import ProductVariant

    rows = (
        OrderLine.objects.filter(
            order_id__in=list(order_ids),
            content_type=ContentType.objects.get_for_model(ProductVariant),
        )
        .values("order_id")
        .annotate(n=Sum(F("quantity") - F("returned_quantity")))
    )
    return {row["order_id"]: row["n"] for row in rows}
