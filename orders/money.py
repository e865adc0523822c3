"""Money helpers: amounts are Decimal dollars in the database and integer cents at Stripe."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def quantize(amount):
    """Round to the cent, half up, as Revenu Québec and the CRA expect on invoices."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount):
    return int(quantize(amount) * 100)


def from_cents(cents):
    return quantize(Decimal(int(cents)) / 100)


def format_cad(amount, language="fr"):
    """ "1 234,50 $" in French (Québec), "$1,234.50" in English."""
    amount = quantize(amount)
    sign = "-" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):,.2f}".partition(".")
    if language.startswith("fr"):
        whole = whole.replace(",", "\u00a0")
        return f"{sign}{whole},{cents}\u00a0$"
    return f"{sign}${whole}.{cents}"
