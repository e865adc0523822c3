"""Québec sales taxes.

GST (5 %) and QST (9.975 %) are each computed on the taxable subtotal — never QST on GST — and
each rounded to the cent. Basic groceries (coffee beans, tea leaves) are zero-rated; some
supplies are exempt. An organisation that is not registered (a small public service body)
charges neither, so taxes are switched on in the site settings.

Most supplies are taxed alike by both governments. Printed books are not: the GST applies to
them at 5 % (they are not zero-rated under the Excise Tax Act), while Québec zero-rates those
with an ISBN for the QST (Act respecting the Québec sales tax s. 198.1; Revenu Québec,
"Printed Books", bulletin TVQ. 198.1-1). Such a supply is `GST_ONLY`: it counts in the GST
base and not in the QST base.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from .money import quantize

GST_RATE = Decimal("0.05")
QST_RATE = Decimal("0.09975")


class TaxCategory(models.TextChoices):
    TAXABLE = "taxable", _("Taxable (TPS et TVQ)")
    ZERO_RATED = "zero", _("Détaxé (produits alimentaires de base)")
    EXEMPT = "exempt", _("Exonéré")
    # Printed books: GST yes, QST zero-rated (see the module's docstring).
    GST_ONLY = "gst_only", _("TPS seulement (livres imprimés : TVQ détaxée)")


@dataclass(frozen=True)
class TaxResult:
    taxable_subtotal: Decimal  # the QST base: supplies taxable by both governments
    gst: Decimal
    qst: Decimal
    gst_subtotal: Decimal = Decimal("0.00")  # the GST base: the above plus GST-only supplies

    @property
    def total(self):
        return self.gst + self.qst


def compute_taxes(amounts_by_category, *, enabled=True):
    """Taxes on net line amounts given as (tax_category, amount) pairs."""
    pairs = list(amounts_by_category)

    def base(categories):
        total = sum(
            (Decimal(amount) for category, amount in pairs if category in categories),
            Decimal("0"),
        )
        return max(quantize(total), Decimal("0.00"))

    qst_base = base({TaxCategory.TAXABLE})
    gst_base = base({TaxCategory.TAXABLE, TaxCategory.GST_ONLY})
    if not enabled:
        return TaxResult(qst_base, Decimal("0.00"), Decimal("0.00"), gst_base)
    return TaxResult(
        qst_base, quantize(gst_base * GST_RATE), quantize(qst_base * QST_RATE), gst_base
    )
