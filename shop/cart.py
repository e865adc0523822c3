"""The session cart: variant ids and quantities, nothing else.

No price, name or total is ever kept in the session: every read checks the ids and quantities
against the database and the stock, drops or adjusts what no longer fits with a message the
buyer can read, and prices come from the variants. The session survives a language switch,
so the cart does too.
"""

import contextlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Locale

from orders.services import MAX_QUANTITY_PER_LINE

SESSION_KEY = "panier"
MAX_QUANTITY = MAX_QUANTITY_PER_LINE
MAX_LINES = 30


class CartError(Exception):
    """A change to the cart that cannot be made; the message is translated."""


@dataclass
class CartLine:
    variant: object
    quantity: int
    left: int
    title: str
    url: str

    @property
    def unit_price(self):
        return self.variant.price

    @property
    def total(self):
        return self.variant.price * self.quantity

    @property
    def label(self):
        return self.variant.display_label


@dataclass
class Cart:
    lines: list = field(default_factory=list)
    problems: list = field(default_factory=list)

    @property
    def subtotal(self):
        return sum((line.total for line in self.lines), Decimal("0.00"))

    @property
    def count(self):
        return sum(line.quantity for line in self.lines)

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
        if not (isinstance(key, str) and key.isdigit() and len(key) < 12):
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


def read(request):
    """The cart, checked against the database and the stock; what changed is saved back and
    said in `cart.problems`."""
    from .models import stock_left

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
                _("« %(item)s » est épuisé : il a été retiré de votre panier.") % {"item": name}
            )
            continue
        if quantity > left[pk]:
            quantity = left[pk]
            cart.problems.append(
                ngettext(
                    "Il ne reste que %(left)s unité de « %(item)s » : la quantité a été ajustée.",
                    "Il ne reste que %(left)s unités de « %(item)s » : la quantité a été ajustée.",
                    quantity,
                )
                % {"left": quantity, "item": name}
            )
        kept[pk] = quantity
        cart.lines.append(CartLine(variant, quantity, left[pk], title, url))
    if kept != items or problems:
        save(request.session, kept)
    return cart


def count(request):
    """How many units the cart holds, for the header: ids checked in one query, only when
    the cart is not empty."""
    if not hasattr(request, "session") or SESSION_KEY not in request.session:
        return 0
    items, _problems = stored(request.session)
    if not items:
        return 0
    live = _variants(items).keys()
    return sum(quantity for pk, quantity in items.items() if pk in live)


def _parse_quantity(value):
    try:
        quantity = int(str(value).strip())
    except (TypeError, ValueError):
        raise CartError(_("La quantité doit être un nombre entier.")) from None
    if quantity < 0:
        raise CartError(_("La quantité ne peut pas être négative."))
    if quantity > MAX_QUANTITY:
        raise CartError(
            _("Au plus %(max)s unités par article dans une même commande.") % {"max": MAX_QUANTITY}
        )
    return quantity


def _parse_variant(value):
    from .models import stock_left

    try:
        pk = int(str(value).strip())
    except (TypeError, ValueError):
        raise CartError(_("Ce produit n'existe pas ou n'est plus en vente.")) from None
    variant = _variants([pk]).get(pk)
    if variant is None:
        raise CartError(_("Ce produit n'existe pas ou n'est plus en vente."))
    return variant, stock_left([variant])[pk]


def _fits(variant, quantity, left):
    if quantity > MAX_QUANTITY:
        raise CartError(
            _("Au plus %(max)s unités par article dans une même commande.") % {"max": MAX_QUANTITY}
        )
    if left <= 0:
        raise CartError(_("« %(item)s » est épuisé.") % {"item": variant.display_name()})
    if quantity > left:
        raise CartError(
            ngettext(
                "Il ne reste que %(left)s unité de « %(item)s ».",
                "Il ne reste que %(left)s unités de « %(item)s ».",
                left,
            )
            % {"left": left, "item": variant.display_name()}
        )


def add(request, variant_id, quantity):
    """Add `quantity` units; returns the variant. Raises CartError and changes nothing when
    the variant is unknown, the quantity bad or more than is left."""
    quantity = _parse_quantity(quantity)
    if quantity < 1:
        raise CartError(_("La quantité doit être d'au moins 1."))
    variant, left = _parse_variant(variant_id)
    items, _problems = stored(request.session)
    wanted = items.get(variant.pk, 0) + quantity
    _fits(variant, wanted, left)
    if variant.pk not in items and len(items) >= MAX_LINES:
        raise CartError(_("Votre panier est plein."))
    items[variant.pk] = wanted
    save(request.session, items)
    return variant


def update(request, variant_id, quantity):
    """Set a line's quantity (0 removes it)."""
    quantity = _parse_quantity(quantity)
    variant, left = _parse_variant(variant_id)
    items, _problems = stored(request.session)
    if quantity == 0:
        items.pop(variant.pk, None)
    else:
        _fits(variant, quantity, left)
        items[variant.pk] = quantity
    save(request.session, items)
    return variant


def remove(request, variant_id):
    items, _problems = stored(request.session)
    with contextlib.suppress(TypeError, ValueError):
        items.pop(int(str(variant_id).strip()), None)
    save(request.session, items)


def clear(request):
    request.session.pop(SESSION_KEY, None)
