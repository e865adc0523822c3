"""Québec sales taxes.

GST (5 %) and QST (9.975 %) are each computed on the taxable subtotal — never QST on GST — and
each rounded to the cent. Basic groceries (coffee beans, tea leaves) are zero-rated; some
supplies are exempt. An organisation that is not registered (a small public service body)
charges neither, so taxes are switched on in the site settings.
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


@dataclass(frozen=True)
class TaxResult:
    taxable_subtotal: Decimal
    gst: Decimal
    qst: Decimal

    @property
    def total(self):
        return self.gst + self.qst


def compute_taxes(amounts_by_category, *, enabled=True):
    """Taxes on net line amounts given as (tax_category, amount) pairs."""
    taxable = sum(
        (Decimal(amount) for category, amount in amounts_by_category if category == "taxable"),
        Decimal("0"),
    )
    taxable = quantize(taxable)
    if not enabled or taxable <= 0:
        return TaxResult(taxable, Decimal("0.00"), Decimal("0.00"))
    return TaxResult(taxable, quantize(taxable * GST_RATE), quantize(taxable * QST_RATE))
