"""The session cart: variant ids and quantities, and tickets (ticket type, date, quantity),
nothing else.

No price, name or total is ever kept in the session: every read checks the ids and quantities
against the database, the stock and the places left, drops or adjusts what no longer fits with
a message the buyer can read, and prices come from the variants and ticket types. The session
survives a language switch, so the cart does too.

Tickets are checked by the activity's own rules, through the `Purchasable` interface that
orders uses (`check_sale`, `quotas`, `price_for`, with the date as the option), so the cart
refuses exactly what placing the order would refuse. Only tickets that need nothing beyond a
quantity go in the cart (`events.models.TicketType.sold_through_cart`).
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Locale

from cesiq_site.validation import id_or_none
from orders.services import MAX_QUANTITY_PER_LINE

SESSION_KEY = "panier"
TICKETS_KEY = "panier_billets"  # {"<ticket type id>-<date id>": quantity}
MAX_QUANTITY = MAX_QUANTITY_PER_LINE
MAX_LINES = 30


class CartError(Exception):
    """A change to the cart that cannot be made; the message is translated."""


@dataclass
class CartLine:
    """A product variant, or a ticket type for a date (`option`), with its price read from
    the database now. `key` names the line in the cart's forms: the variant's id, or
    "t<ticket type id>-<date id>"."""

    key: str
    item: object
    quantity: int
    left: int
    title: str
    url: str
    label: str
    unit_price: Decimal
    option: object = None

    @property
    def most(self):
        """The largest quantity this line may have: what is left, and no more than an order
        line takes."""
        return min(self.left, MAX_QUANTITY)

    @property
    def is_ticket(self):
        return self.option is not None

    @property
    def variant(self):
        return None if self.is_ticket else self.item

    @property
    def total(self):
        return self.unit_price * self.quantity


@dataclass
class Cart:
    lines: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def products(self):
        return [line for line in self.lines if not line.is_ticket]

    @property
    def tickets(self):
        return [line for line in self.lines if line.is_ticket]

    @property
    def kind(self):
        """The order's kind: a shop order as soon as it holds products."""
        return "shop" if self.products else "tickets"

    @property
    def subtotal(self):
        return sum((line.total for line in self.lines), Decimal("0.00"))

    @property
    def count(self):
        return sum(line.quantity for line in self.lines)

    def selections(self, product_details=None):
        """What orders is asked to sell: one selection per line, products carrying
        `product_details` (how they reach the buyer, descriptive only)."""
        from orders.services import Selection

        return [
            Selection(
                item=line.item,
                quantity=line.quantity,
                option=line.option,
                details={} if line.is_ticket else dict(product_details or {}),
            )
            for line in self.lines
        ]

    def __bool__(self):
        return bool(self.lines)


def _is_quantity(value):
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_QUANTITY


def stored(session):
    """{variant id: quantity} as kept in the session, with whatever cannot be a cart line
    (hand-edited cookies, tampered values) left out; and the problems found."""
    data = session.get(SESSION_KEY)
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [_("Votre panier était illisible : il a été vidé.")]
    items, problems = {}, []
    for key, quantity in list(data.items())[:MAX_LINES]:
        if not (isinstance(key, str) and id_or_none(key)):
            problems.append(_("Un article inconnu a été retiré de votre panier."))
        elif not _is_quantity(quantity):
            problems.append(_("Une quantité invalide a été retirée de votre panier."))
        else:
            items[int(key)] = quantity
    if len(data) > MAX_LINES:
        problems.append(_("Votre panier contenait trop d'articles : les derniers ont été retirés."))
    return items, list(dict.fromkeys(problems))


def save(session, items):
    session[SESSION_KEY] = {str(pk): quantity for pk, quantity in items.items()}


def _variants(ids):
    from .models import ProductVariant

    return {
        v.pk: v
        for v in ProductVariant.objects.filter(pk__in=ids, page__live=True).select_related("page")
    }


def _titles(variants):
    """{page id: (title, url)} of the variants' products in the active language (one query
    when it is not the default language)."""
    from .models import ProductPage

    pages = {v.page_id: v.page for v in variants}
    found = {pk: (page.title, page.url) for pk, page in pages.items()}
    locale = Locale.get_active()
    if locale.pk == Locale.get_default().pk or not pages:
        return found
    translated = {
        p.translation_key: p
        for p in ProductPage.objects.live().filter(
            locale=locale, translation_key__in=[p.translation_key for p in pages.values()]
        )
    }
    for pk, page in pages.items():
        if page.translation_key in translated:
            other = translated[page.translation_key]
            found[pk] = (other.title, other.url)
    return found


def stored_tickets(session):
    """{(ticket type id, date id): quantity} as kept in the session, with whatever cannot be a
    ticket line left out; and the problems found."""
    data = session.get(TICKETS_KEY)
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [_("Votre panier était illisible : il a été vidé.")]
    items, problems = {}, []
    for key, quantity in list(data.items())[:MAX_LINES]:
        ids = _ticket_key(key)
        if ids is None:
            problems.append(_("Un article inconnu a été retiré de votre panier."))
        elif not _is_quantity(quantity):
            problems.append(_("Une quantité invalide a été retirée de votre panier."))
        else:
            items[ids] = quantity
    if len(data) > MAX_LINES:
        problems.append(_("Votre panier contenait trop d'articles : les derniers ont été retirés."))
    return items, list(dict.fromkeys(problems))


def _ticket_key(key):
    """(ticket type id, date id) from "12-34", or None."""
    if not isinstance(key, str) or len(key) > 24:
        return None
    ticket, sep, date = key.partition("-")
    ticket, date = id_or_none(ticket), id_or_none(date)
    if not (sep and ticket and date):
        return None
    return ticket, date


def save_tickets(session, items):
    session[TICKETS_KEY] = {f"{t}-{d}": quantity for (t, d), quantity in items.items()}


def _tickets(keys):
    """({ticket type id: ticket type}, {date id: date}) for these keys, in two queries."""
    from events.models import EventDate, TicketType

    tickets = {
        t.pk: t
        for t in TicketType.objects.filter(
            pk__in={t for t, _d in keys}, page__live=True
        ).select_related("page")
    }
    dates = {
        d.pk: d
        for d in EventDate.objects.filter(pk__in={d for _t, d in keys}).select_related("page")
    }
    return tickets, dates


def _ticket_name(ticket, date):
    return f"{ticket.page.localized.title} — {ticket.label} — {date}"


def _check_ticket(ticket, date, quantity, now, places_for_date=None):
    """Raise CartError, with the reason, unless `quantity` tickets of `ticket` for `date` can
    be sold now: the activity's own rules (`check_sale`), then the places left. Returns the
    places left."""
    from orders import availability
    from orders.purchasable import NotAvailable

    unknown = CartError(_("Ce billet n'existe pas ou n'est plus en vente."))
    if ticket is None or date is None or date.page_id != ticket.page_id:
        raise unknown
    name = _ticket_name(ticket, date)
    # Whether it is on sale first: « se réserve avec le formulaire » sent people to a form
    # that was closed (a cancelled or past date).
    if not date.on_sale(now):
        raise CartError(f"« {name} » : {date.not_on_sale_reason()}")
    if not ticket.page.registration_open(now):
        raise CartError(_("Les inscriptions à cette activité sont fermées."))
    if not ticket.sold_through_cart():
        raise CartError(
            _("« %(item)s » se réserve avec le formulaire d'inscription de l'activité.")
            % {"item": name}
        )
    try:
        ticket.check_sale(quantity, date, now)
        quotas = ticket.quotas(date)
    except NotAvailable as exc:
        raise CartError(str(exc)) from None
    cap = ticket.page.max_places_per_order
    if (places_for_date or quantity) > cap:
        raise CartError(
            _("Au plus %(max)s places par commande pour « %(item)s ».")
            % {"max": cap, "item": f"{ticket.page.localized.title} — {date}"}
        )
    found = availability.usage([q.pk for q in quotas], now)
    left = max(min((found[q.pk].left for q in quotas), default=0), 0)
    if left <= 0:
        raise CartError(_("« %(item)s » est complet.") % {"item": name})
    if quantity > left:
        raise CartError(
            ngettext(
                "Il ne reste qu'une place pour « %(item)s ».",
                "Il ne reste que %(left)s places pour « %(item)s ».",
                left,
            )
            % {"left": left, "item": name}
        )
    return left


def _ticket_line(ticket, date, quantity, left):
    page = ticket.page.localized
    return CartLine(
        key=f"t{ticket.pk}-{date.pk}",
        item=ticket,
        option=date,
        quantity=quantity,
        # The most this line may hold: the places left, within the activity's limit.
        left=min(left, ticket.page.max_places_per_order, ticket.max_per_order),
        title=page.title,
        url=page.url,
        label=f"{ticket.label} — {date}",
        unit_price=ticket.price_for(None, date),
    )


def _read_tickets(request, cart, now):
    items, problems = stored_tickets(request.session)
    cart.problems.extend(problems)
    tickets, dates = _tickets(items)
    kept = {}
    per_date = {}
    for (ticket_id, date_id), quantity in items.items():
        ticket, date = tickets.get(ticket_id), dates.get(date_id)
        places = per_date.get(date_id, 0) + quantity
        try:
            left = _check_ticket(ticket, date, quantity, now, places_for_date=places)
        except CartError as exc:
            if ticket is None or date is None or date.page_id != ticket.page_id:
                cart.problems.append(
                    _("Un billet qui n'est plus en vente a été retiré de votre panier.")
                )
            else:
                cart.problems.append(
                    _("%(reason)s Ce billet a été retiré de votre panier.") % {"reason": exc}
                )
            continue
        per_date[date_id] = places
        kept[(ticket_id, date_id)] = quantity
        cart.lines.append(_ticket_line(ticket, date, quantity, left))
    if kept != items or problems:
        save_tickets(request.session, kept)


def read(request, now=None):
    """The cart, checked against the database, the stock and the places left; what changed
    is saved back and said in `cart.problems`."""
    from django.utils import timezone

    from .models import stock_left

    now = now or timezone.now()
    items, problems = stored(request.session)
    variants = _variants(items)
    left = stock_left(variants.values())
    titles = _titles(variants.values())
    cart = Cart(problems=problems)
    kept = {}
    for pk, quantity in items.items():
        variant = variants.get(pk)
        if variant is None:
            cart.problems.append(
                _("Un article qui n'est plus en vente a été retiré de votre panier.")
            )
            continue
        title, url = titles[variant.page_id]
        name = f"{title} — {variant.display_label}"
        if left[pk] <= 0:
            cart.problems.append(
                _("%(reason)s Il a été retiré de votre panier.")
                % {"reason": _unavailable(name, variant, now)}
            )
            continue
        if quantity > left[pk]:
            quantity = left[pk]
            cart.problems.append(
                ngettext(
                    "Il ne reste qu'une unité de « %(item)s » : la quantité a été ajustée.",
                    "Il ne reste que %(left)s unités de « %(item)s » : la quantité a été ajustée.",
                    quantity,
                )
                % {"left": quantity, "item": name}
            )
        kept[pk] = quantity
        cart.lines.append(
            CartLine(
                key=str(pk),
                item=variant,
                quantity=quantity,
                left=left[pk],
                title=title,
                url=url,
                label=variant.display_label,
                unit_price=variant.price,
            )
        )
    if kept != items or problems:
        save(request.session, kept)
    _read_tickets(request, cart, now)
    cart.problems = list(dict.fromkeys(cart.problems))
    return cart


def count(request):
    """How many units and tickets the cart holds, for the header: ids checked in one query
    per kind, only when the cart is not empty."""
    if not hasattr(request, "session"):
        return 0
    total = 0
    if SESSION_KEY in request.session:
        items, _problems = stored(request.session)
        if items:
            live = _variants(items).keys()
            total += sum(quantity for pk, quantity in items.items() if pk in live)
    if TICKETS_KEY in request.session:
        tickets, _problems = stored_tickets(request.session)
        if tickets:
            from events.models import TicketType

            live = set(
                TicketType.objects.filter(
                    pk__in={t for t, _d in tickets}, page__live=True
                ).values_list("pk", flat=True)
            )
            total += sum(quantity for (t, _d), quantity in tickets.items() if t in live)
    return total


def _parse_quantity(value):
    text = str(value if value is not None else "").strip()
    # Plain digits: `int` also reads « 1_0 » as 10 and other scripts' digits.
    if len(text) > 100 or not re.fullmatch(r"-?[0-9]+", text):
        raise CartError(_("La quantité doit être un nombre entier."))
    quantity = int(text)
    if quantity < 0:
        raise CartError(_("La quantité ne peut pas être négative."))
    if quantity > MAX_QUANTITY:
        raise CartError(
            _("Au plus %(max)s unités par article dans une même commande.") % {"max": MAX_QUANTITY}
        )
    return quantity


def _parse_variant(value):
    from .models import stock_left

    pk = id_or_none(value)
    variant = _variants([pk]).get(pk) if pk else None
    if variant is None:
        raise CartError(_("Ce produit n'existe pas ou n'est plus en vente."))
    return variant, stock_left([variant])[pk]


def _parse_ticket(ticket_id, date_id):
    """(ticket type, date) from the form's values, or CartError; not yet checked for sale."""
    unknown = CartError(_("Ce billet n'existe pas ou n'est plus en vente."))
    ids = id_or_none(ticket_id), id_or_none(date_id)
    if None in ids:
        raise unknown
    tickets, dates = _tickets([ids])
    ticket, date = tickets.get(ids[0]), dates.get(ids[1])
    if ticket is None or date is None or date.page_id != ticket.page_id:
        raise unknown
    return ticket, date


def _unavailable(name, variant, now=None):
    """Why none of `name` can be had: sold out, or kept for people paying for it (which they
    may not do: then it comes back)."""
    from django.utils import formats, timezone

    from orders.availability import next_release

    release = next_release(variant.quota_id, now)
    if release is None:
        return _("« %(item)s » est épuisé.") % {"item": name}
    return _(
        "« %(item)s » est réservé par des personnes en train de payer leur commande. Il sera "
        "peut-être de nouveau disponible après %(time)s."
    ) % {"item": name, "time": formats.time_format(timezone.localtime(release))}


def _fits(variant, quantity, left, in_cart=0):
    """`in_cart`: units already in the cart, counted in `quantity` (said in the message)."""
    if quantity > MAX_QUANTITY:
        raise CartError(
            _("Au plus %(max)s unités par article dans une même commande.") % {"max": MAX_QUANTITY}
        )
    if left <= 0:
        raise CartError(_unavailable(variant.display_name(), variant))
    if quantity > left:
        message = ngettext(
            "Il ne reste qu'une unité de « %(item)s ».",
            "Il ne reste que %(left)s unités de « %(item)s ».",
            left,
        ) % {"left": left, "item": variant.display_name()}
        if in_cart:
            message += " " + ngettext(
                "Votre panier en contient déjà une.",
                "Votre panier en contient déjà %(count)s.",
                in_cart,
            ) % {"count": in_cart}
        raise CartError(message)


def _lines_count(request):
    return len(stored(request.session)[0]) + len(stored_tickets(request.session)[0])


def add(request, variant_id, quantity):
    """Add `quantity` units; returns the variant. Raises CartError and changes nothing when
    the variant is unknown, the quantity bad or more than is left."""
    quantity = _parse_quantity(quantity)
    if quantity < 1:
        raise CartError(_("La quantité doit être d'au moins 1."))
    variant, left = _parse_variant(variant_id)
    items, _problems = stored(request.session)
    wanted = items.get(variant.pk, 0) + quantity
    _fits(variant, wanted, left, in_cart=items.get(variant.pk, 0))
    if variant.pk not in items and _lines_count(request) >= MAX_LINES:
        raise CartError(_("Votre panier est plein."))
    items[variant.pk] = wanted
    save(request.session, items)
    return variant


def _set_ticket(request, ticket, date, quantity, now):
    """Put `quantity` tickets in the cart (replacing what was there), checked against the
    activity's rules with the cart's other tickets for the same date."""
    items, _problems = stored_tickets(request.session)
    key = (ticket.pk, date.pk)
    others = sum(q for (t, d), q in items.items() if d == date.pk and (t, d) != key)
    _check_ticket(ticket, date, quantity, now, places_for_date=others + quantity)
    if key not in items and _lines_count(request) >= MAX_LINES:
        raise CartError(_("Votre panier est plein."))
    items[key] = quantity
    save_tickets(request.session, items)


def add_ticket(request, ticket_id, date_id, quantity, now=None):
    """Add `quantity` tickets of a ticket type for one of its dates; returns the cart line's
    name. Raises CartError and changes nothing when the ticket or date is unknown, not on
    sale, the quantity bad or more than the places left or the activity's limits."""
    from django.utils import timezone

    now = now or timezone.now()
    quantity = _parse_quantity(quantity)
    if quantity < 1:
        raise CartError(_("La quantité doit être d'au moins 1."))
    ticket, date = _parse_ticket(ticket_id, date_id)
    items, _problems = stored_tickets(request.session)
    wanted = items.get((ticket.pk, date.pk), 0) + quantity
    if wanted > MAX_QUANTITY:
        raise CartError(
            _("Au plus %(max)s unités par article dans une même commande.") % {"max": MAX_QUANTITY}
        )
    _set_ticket(request, ticket, date, wanted, now)
    return _ticket_name(ticket, date)


def update(request, key, quantity):
    """Set a line's quantity (0 removes it). `key` is a variant's id or "t<ticket>-<date>".
    A line no longer in the cart is left out: a cart page left open in another tab, sent
    after that cart became an order, put its lines back and invited a second order."""
    from django.utils import timezone

    quantity = _parse_quantity(quantity)
    key = str(key).strip()
    if key.startswith("t"):
        ids = _ticket_key(key[1:])
        if ids is None:
            raise CartError(_("Ce billet n'existe pas ou n'est plus en vente."))
        items, _problems = stored_tickets(request.session)
        if ids not in items:
            return
        if quantity == 0:
            items.pop(ids, None)
            save_tickets(request.session, items)
            return
        ticket, date = _parse_ticket(*ids)
        _set_ticket(request, ticket, date, quantity, timezone.now())
        return
    variant, left = _parse_variant(key)
    items, _problems = stored(request.session)
    if variant.pk not in items:
        return variant
    if quantity == 0:
        items.pop(variant.pk, None)
    else:
        _fits(variant, quantity, left)
        items[variant.pk] = quantity
    save(request.session, items)
    return variant


def line_name(key):
    """The name of the cart's line `key` (as `update` takes it), for a message about that
    line; "" when it names none."""
    key = str(key).strip()
    try:
        if key.startswith("t"):
            ids = _ticket_key(key[1:])
            return _ticket_name(*_parse_ticket(*ids)) if ids else ""
        variant, _left = _parse_variant(key)
        return variant.display_name()
    except CartError:
        return ""


def remove(request, key):
    """Take line `key` out of the cart; whether it was there."""
    key = str(key).strip()
    if key.startswith("t"):
        items, _problems = stored_tickets(request.session)
        removed = items.pop(_ticket_key(key[1:]), None) is not None
        save_tickets(request.session, items)
        return removed
    items, _problems = stored(request.session)
    removed = items.pop(id_or_none(key), None) is not None
    save(request.session, items)
    return removed


def clear(request):
    request.session.pop(SESSION_KEY, None)
    request.session.pop(TICKETS_KEY, None)


PLACED_KEY = "panier_commande"


def placed(request, order):
    """The cart became `order`: remembered, so that the cart offers to pay it should the buyer
    come back from the payment page (the browser's Back button) to an empty cart."""
    request.session[PLACED_KEY] = [order.code, order.token]


def waiting_order(request):
    """The order this cart became, while it still waits for its payment and holds what it
    buys; else None (and it is forgotten)."""
    from orders.models import Order, OrderState

    remembered = request.session.get(PLACED_KEY)
    if not remembered:
        return None
    try:
        code, token = remembered
        order = Order.objects.filter(code=str(code), token=str(token)).first()
    except (TypeError, ValueError):
        order = None
    if order is None or order.state != OrderState.PENDING or not order.hold_is_active:
        request.session.pop(PLACED_KEY, None)
        return None
    return order
