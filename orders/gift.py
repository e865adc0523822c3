"""A gift added to an order at checkout: the fields a checkout form adds, their checks, and
the order line they become.

The registration form of a paid activity and the shop's checkout ask for an optional gift
(suggested amounts or one's own). The gift is one more line of the same order (one order, one
payment, one confirmation), sold by whoever registered an offer in
`orders.registry.checkout_gifts` (donations: its donation page is the purchasable, so the
gift is recorded, and receipted for a registered charity, when the order is paid, and its
receipt voided when the gift is given back). No discount code reduces it
(`Purchasable.discountable`), and it carries no tax.

The offer (`registry.gift_offer()`) gives `amounts` (suggested), `minimum`, `maximum`,
`receipts` (True when an official receipt is issued: the receipt must carry the donor's
address, so it is asked), `error(requested)` (why an amount cannot be given, translated, or
None) and `selection(amount, *, donor_name, address)` (the order's line).
"""

from django import forms
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from .money import format_cad, quantize
from .registry import gift_offer

NONE = ""
OTHER = "autre"
ADDRESS_FIELDS = ("gift_street", "gift_city", "gift_province", "gift_postal_code")


def add_fields(form):
    """Add the gift's fields to `form` when a gift is offered; sets `form.gift_offer`."""
    offer = gift_offer()
    form.gift_offer = offer
    form.gift = None
    if offer is None:
        return
    language = get_language() or "fr"
    form.fields["gift_amount"] = forms.ChoiceField(
        label=gettext_lazy("Ajouter un don"),
        choices=[(NONE, _("Pas de don cette fois"))]
        + [(str(a), format_cad(a, language)) for a in offer.amounts]
        + [(OTHER, _("Autre montant"))],
        required=False,
        initial=NONE,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": gettext_lazy("Choisissez un montant proposé ou indiquez le vôtre.")
        },
    )
    bounds = {
        "min": format_cad(offer.minimum, language),
        "max": format_cad(offer.maximum, language),
    }
    form.fields["gift_other"] = forms.CharField(
        label=gettext_lazy("Autre montant ($)"),
        required=False,
        max_length=15,
        help_text=_("Entre %(min)s et %(max)s.") % bounds,
        # Too many characters to be an amount at all: said as the other wrong amounts are.
        error_messages={"max_length": _("Indiquez un montant entre %(min)s et %(max)s.") % bounds},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    if offer.receipts:
        # Labels of their own: beside a delivery address, two fields read « Adresse » (WCAG
        # 2.4.6), and a screen reader could not tell which is which.
        from localflavor.ca.forms import CAProvinceField

        from cesiq_site.postal import PostalCodeField, province_choices

        form.fields["gift_street"] = forms.CharField(
            label=gettext_lazy("Adresse pour le reçu"),
            max_length=200,
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
        )
        form.fields["gift_city"] = forms.CharField(
            label=gettext_lazy("Ville pour le reçu"),
            max_length=100,
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
        )
        form.fields["gift_province"] = CAProvinceField(
            label=gettext_lazy("Province ou territoire pour le reçu"),
            widget=forms.Select(
                choices=province_choices(), attrs={"autocomplete": "address-level1"}
            ),
            initial="QC",
            required=False,
        )
        form.fields["gift_postal_code"] = PostalCodeField(
            label=gettext_lazy("Code postal pour le reçu"),
            required=False,
            error_messages={
                "invalid": gettext_lazy("Saisissez un code postal canadien (A1A 1A1).")
            },
            widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
        )
        for name in ADDRESS_FIELDS:
            # Asked only with a gift: the label says so (no « * », which means always).
            form.fields[name].required_with_gift = True


def fields_of(form):
    """The gift's bound fields after the amount: the other amount and the receipt's address."""
    names = ["gift_other", *ADDRESS_FIELDS]
    return [form[name] for name in names if name in form.fields]


def clean(form, data):
    """Check the gift on the server (whatever the browser sent) and set `form.gift` to its
    amount (a Decimal) or None. Errors go on the field they are about."""
    form.gift = None
    offer = getattr(form, "gift_offer", None)
    if offer is None:
        return
    choice = data.get("gift_amount") or NONE
    if choice == NONE:
        return
    requested = data.get("gift_other") if choice == OTHER else choice
    error = offer.error(requested)
    if error:
        form.add_error("gift_other" if choice == OTHER else "gift_amount", error)
        return
    if offer.receipts:
        required = {
            "gift_street": _("Indiquez votre adresse : le reçu officiel de don doit la porter."),
            "gift_city": _("Indiquez votre ville."),
            "gift_province": _("Choisissez votre province ou territoire."),
            "gift_postal_code": _("Indiquez votre code postal."),
        }
        missing = False
        for name, message in required.items():
            if name in form.errors:
                missing = True
            elif not (data.get(name) or "").strip():
                form.add_error(name, message)
                missing = True
        if missing:
            return
    form.gift = quantize(offer.amount(requested))


def selection(form, *, donor_name):
    """The order line of the gift `clean` accepted, or None."""
    if form.gift is None:
        return None
    data = form.cleaned_data
    address = {
        "street_address": (data.get("gift_street") or "").strip(),
        "city": (data.get("gift_city") or "").strip(),
        "province": data.get("gift_province") or "",
        "postal_code": data.get("gift_postal_code") or "",
    }
    return form.gift_offer.selection(form.gift, donor_name=donor_name, address=address)
