"""Canadian sales taxes, by where the supply is made.

Where: tickets for activities held here and goods picked up in Québec City are supplied in
Québec; goods shipped are supplied in the province they are delivered to (Excise Tax Act,
Schedule IX, Part II, s. 2: tangible personal property is supplied in the province where it is
delivered; Act respecting the Québec sales tax, s. 22.1 ff.). So:

- Québec: GST (5 %) and QST (9.975 %), each computed on the taxable subtotal — never QST on
  GST — and each rounded to the cent (Revenu Québec, "Calculating the taxes").
- The participating provinces charge the HST instead, at one combined rate (Excise Tax Act
  s. 165(2) and Schedule VIII): 13 % in Ontario; 15 % in New Brunswick, Newfoundland and
  Labrador and Prince Edward Island; 14 % in Nova Scotia since April 1, 2025 (Nova Scotia's
  provincial part went from 10 % to 9 %; CRA, "GST/HST rates" calculator page).
- Elsewhere (Alberta, British Columbia, Manitoba, Saskatchewan and the territories): the GST
  alone. Their provincial sales taxes are not the seller's to collect here: a small seller
  outside those provinces is not required to register for them.

Basic groceries (coffee beans, tea leaves, sugar, spices) are zero-rated everywhere; some
supplies are exempt. An organisation that is not registered (a small public service body)
charges none of these, so taxes are switched on in the site settings.

Printed books are taxed differently by each government: the GST applies to them at 5 % (they
are not zero-rated under the Excise Tax Act), while Québec zero-rates those with an ISBN for the
QST (Act respecting the Québec sales tax s. 198.1; Revenu Québec, "Printed Books", bulletin
TVQ. 198.1-1), and every HST province gives a point-of-sale rebate of the HST's provincial part
on qualifying printed books (CRA GST/HST Info Sheet GI-065, "Point-of-Sale Rebate on Books",
for Ontario, Nova Scotia, New Brunswick, Newfoundland and Labrador and Prince Edward Island):
only the federal 5 % is charged there. Such a supply is `GST_ONLY`.

A delivery charge for goods follows the tax status of the goods it carries: when the seller
ships what it sells and bills the delivery, the charge is part of the consideration for the
supply of the goods (Excise Tax Act s. 123(1), "consideration", and the CRA's and Revenu
Québec's administrative position on delivery by the supplier); when a parcel carries goods of
several statuses, the charge is split between them in proportion to their value, a reasonable
basis of allocation. It is taxed where the goods are delivered, like them.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from .money import quantize

GST_RATE = Decimal("0.05")
QST_RATE = Decimal("0.09975")
# Combined HST rate by participating province.
HST_RATES = {
    "ON": Decimal("0.13"),
    "NB": Decimal("0.15"),
    "NL": Decimal("0.15"),
    "NS": Decimal("0.14"),
    "PE": Decimal("0.15"),
}
QUEBEC = "QC"
PROVINCES = {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}


class TaxCategory(models.TextChoices):
    TAXABLE = "taxable", _("Taxable (TPS et TVQ)")
    ZERO_RATED = "zero", _("Détaxé (produits alimentaires de base)")
    EXEMPT = "exempt", _("Exonéré")
    # Printed books: GST yes, QST zero-rated, HST's provincial part rebated (see above).
    GST_ONLY = "gst_only", _("TPS seulement (livres imprimés : TVQ détaxée)")


@dataclass(frozen=True)
class TaxResult:
    taxable_subtotal: Decimal  # the QST base: supplies taxable by both governments
    gst: Decimal
    qst: Decimal
    gst_subtotal: Decimal = Decimal("0.00")  # the GST base: the above plus GST-only supplies
    hst: Decimal = Decimal("0.00")
    province: str = QUEBEC

    @property
    def total(self):
        return self.gst + self.qst + self.hst

    @property
    def hst_rate(self):
        return HST_RATES.get(self.province)


def hst_label(province, *, books=False, others=True):
    """The HST line's label: its rate and province, and the 5 % of printed books when the
    order has some (`books`; their provincial part is rebated): "13 %" beside an amount that is
    5 % of a book would be wrong. `others`: whether anything is taxed at the full rate."""
    from django.utils.translation import gettext

    rate = HST_RATES.get(province)
    if rate is None:
        return ""
    values = {"rate": format((rate * 100).normalize(), "f"), "province": province}
    if books and not others:
        return gettext("TVH (5 %%, %(province)s, livres imprimés)") % values
    if books:
        return gettext("TVH (%(rate)s %%, %(province)s ; livres imprimés 5 %%)") % values
    return gettext("TVH (%(rate)s %%, %(province)s)") % values


def split_shipping(shipping, amounts_by_category):
    """The delivery charge as (tax_category, amount) pairs, in proportion to the value of the
    goods of each category it carries (to the cent; the last category takes the rounding).

    Exempt lines are left out: in this shop they are never goods in the parcel (a gift, a
    membership), and counting them would move part of the charge out of tax — a 500 $ gift
    beside 24 $ of goods made most of the delivery untaxed."""
    shipping = quantize(Decimal(shipping))
    totals = {}
    for category, amount in amounts_by_category:
        if category == TaxCategory.EXEMPT:
            continue
        totals[category] = totals.get(category, Decimal("0")) + Decimal(amount)
    goods = sum(totals.values(), Decimal("0"))
    if shipping <= 0:
        return []
    if goods <= 0:
        # Nothing of value carried (everything discounted): the charge is taxable.
        return [(TaxCategory.TAXABLE, shipping)]
    pairs, given = [], Decimal("0")
    categories = list(totals)
    for index, category in enumerate(categories):
        if index == len(categories) - 1:
            share = shipping - given
        else:
            share = quantize(shipping * totals[category] / goods)
        given += share
        pairs.append((category, share))
    return pairs


def compute_taxes(
    amounts_by_category, *, enabled=True, province=QUEBEC, shipping=Decimal("0"), carried=None
):
    """Taxes on net line amounts given as (tax_category, amount) pairs, for a supply made in
    `province`, with a delivery charge `shipping` taxed like the goods it carries: `carried`,
    the (tax_category, amount) pairs of the goods in the parcel (all the lines if None; never
    a ticket, which travels in no parcel)."""
    if province not in PROVINCES:
        raise ValueError(f"unknown province {province!r}")
    pairs = list(amounts_by_category)
    pairs += split_shipping(shipping, pairs if carried is None else list(carried))

    def base(categories):
        total = sum(
            (Decimal(amount) for category, amount in pairs if category in categories),
            Decimal("0"),
        )
        return max(quantize(total), Decimal("0.00"))

    both = base({TaxCategory.TAXABLE})
    federal = base({TaxCategory.TAXABLE, TaxCategory.GST_ONLY})
    zero = Decimal("0.00")
    if not enabled:
        return TaxResult(both, zero, zero, federal, zero, province)
    rate = HST_RATES.get(province)
    if rate is not None:
        # Printed books: only the federal part (the provincial part is rebated at the till).
        hst = quantize(both * rate) + quantize((federal - both) * GST_RATE)
        return TaxResult(both, zero, zero, federal, hst, province)
    gst = quantize(federal * GST_RATE)
    if province == QUEBEC:
        return TaxResult(both, gst, quantize(both * QST_RATE), federal, zero, province)
    return TaxResult(both, gst, zero, federal, zero, province)
