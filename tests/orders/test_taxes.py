"""Québec taxes, with worked examples."""

from decimal import Decimal

import pytest

from orders.taxes import compute_taxes

D = Decimal


@pytest.mark.parametrize(
    ("lines", "gst", "qst", "total_tax"),
    [
        # A $25 workshop ticket: 1.25 GST, 2.49375 → 2.49 QST.
        ([("taxable", D("25.00"))], D("1.25"), D("2.49"), D("3.74")),
        # $100.00: 5.00 and 9.975 → 9.98 (half up).
        ([("taxable", D("100.00"))], D("5.00"), D("9.98"), D("14.98")),
        # Each tax on the pre-tax amount, never QST on GST: $10 → 0.50 + 1.00 (0.9975).
        ([("taxable", D("10.00"))], D("0.50"), D("1.00"), D("1.50")),
        # Coffee beans are zero-rated basic groceries; the chocolate bar is taxable.
        ([("zero", D("14.00")), ("taxable", D("4.50"))], D("0.23"), D("0.45"), D("0.68")),
        # Exempt supplies carry no tax.
        ([("exempt", D("40.00"))], D("0.00"), D("0.00"), D("0.00")),
        # Taxable subtotal summed before rounding: 3 × 0.99 = 2.97 → 0.15 and 0.30 (0.2962575).
        ([("taxable", D("0.99"))] * 3, D("0.15"), D("0.30"), D("0.45")),
        ([], D("0.00"), D("0.00"), D("0.00")),
        # A printed book ($30): GST 1.50, no QST (zero-rated in Québec).
        ([("gst_only", D("30.00"))], D("1.50"), D("0.00"), D("1.50")),
        # A book and a $10 craft: GST on both (2.00), QST on the craft only (1.00).
        ([("gst_only", D("30.00")), ("taxable", D("10.00"))], D("2.00"), D("1.00"), D("3.00")),
    ],
)
def test_gst_and_qst_each_on_the_taxable_subtotal(lines, gst, qst, total_tax):
    result = compute_taxes(lines)
    assert (result.gst, result.qst, result.total) == (gst, qst, total_tax)
    assert isinstance(result.gst, Decimal) and isinstance(result.qst, Decimal)


def test_taxes_switched_off_for_a_non_registered_organisation():
    result = compute_taxes([("taxable", D("100.00"))], enabled=False)
    assert (result.gst, result.qst) == (D("0.00"), D("0.00"))
