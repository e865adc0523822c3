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


# --- by province, with a delivery charge ---------------------------------------------------------


@pytest.mark.parametrize(
    ("province", "lines", "shipping", "expected"),
    [
        # A $40 craft shipped to Ontario with $16 delivery: HST 13 % on 56.00 = 7.28.
        ("ON", [("taxable", D("40.00"))], D("16.00"), {"hst": D("7.28")}),
        # Nova Scotia: 14 % since April 1, 2025. $50 → 7.00.
        ("NS", [("taxable", D("50.00"))], D("0"), {"hst": D("7.00")}),
        # New Brunswick 15 %: $20 → 3.00.
        ("NB", [("taxable", D("20.00"))], D("0"), {"hst": D("3.00")}),
        # Alberta: the GST alone, on goods and delivery: (30 + 20) × 5 % = 2.50.
        ("AB", [("taxable", D("30.00"))], D("20.00"), {"gst": D("2.50")}),
        # British Columbia: a book gets the GST like anywhere.
        ("BC", [("gst_only", D("30.00"))], D("0"), {"gst": D("1.50")}),
        # Ontario: a printed book, the provincial part rebated at the till: 5 % of $30.
        ("ON", [("gst_only", D("30.00"))], D("0"), {"hst": D("1.50")}),
        # Coffee beans shipped to Ontario: zero-rated, and so is their delivery.
        ("ON", [("zero", D("30.00"))], D("16.00"), {}),
        # Coffee $30 and a craft $10 shipped to Québec with $12 delivery: 3/4 of the delivery
        # follows the coffee (9.00, untaxed), 1/4 the craft (3.00). Base 13.00:
        # GST 0.65, QST 1.29675 → 1.30.
        (
            "QC",
            [("zero", D("30.00")), ("taxable", D("10.00"))],
            D("12.00"),
            {"gst": D("0.65"), "qst": D("1.30")},
        ),
    ],
)
def test_taxes_by_destination_with_delivery_taxed_like_the_goods(
    province, lines, shipping, expected
):
    result = compute_taxes(lines, province=province, shipping=shipping)
    zero = D("0.00")
    found = {"gst": result.gst, "qst": result.qst, "hst": result.hst}
    assert found == {"gst": zero, "qst": zero, "hst": zero, **expected}
    assert result.total == sum(expected.values(), zero)


def test_delivery_split_keeps_every_cent():
    from orders.taxes import split_shipping

    parts = split_shipping(
        D("10.00"), [("zero", D("1.00")), ("taxable", D("1.00")), ("gst_only", D("1.00"))]
    )
    assert sum(amount for _category, amount in parts) == D("10.00")
    assert [c for c, _a in parts] == ["zero", "taxable", "gst_only"]


def test_an_unknown_province_is_refused():
    with pytest.raises(ValueError):
        compute_taxes([("taxable", D("1.00"))], province="XX")
