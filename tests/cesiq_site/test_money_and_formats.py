from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from orders.money import format_cad, from_cents, quantize, to_cents


@pytest.mark.parametrize(
    ("amount", "fr", "en"),
    [
        (Decimal("12.5"), "12,50\u00a0$", "$12.50"),
        (Decimal("1234.5"), "1\u00a0234,50\u00a0$", "$1,234.50"),
        (Decimal("0"), "0,00\u00a0$", "$0.00"),
        (Decimal("-3.1"), "-3,10\u00a0$", "-$3.10"),
        (Decimal("0.005"), "0,01\u00a0$", "$0.01"),
    ],
)
def test_money_is_formatted_the_quebec_way(amount, fr, en):
    assert format_cad(amount, "fr") == fr
    assert format_cad(amount, "en") == en


def test_cents_round_trip_without_floats():
    assert to_cents(Decimal("19.99")) == 1999
    assert from_cents(1999) == Decimal("19.99")
    assert quantize("2.675") == Decimal("2.68")  # half up, unlike float rounding


def test_cad_filter_follows_the_active_language():
    template = Template("{% load money %}{{ price|cad }}")
    with translation.override("fr"):
        assert template.render(Context({"price": Decimal("12.50")})) == "12,50\u00a0$"
    with translation.override("en"):
        assert template.render(Context({"price": Decimal("12.50")})) == "$12.50"


def test_dates_use_quebec_french_formats():
    import datetime

    from django.utils.formats import date_format, time_format

    moment = datetime.datetime(2026, 11, 28, 13, 30)
    with translation.override("fr"):
        assert date_format(moment) == "28 novembre 2026"
        assert time_format(moment) == "13 h 30"
    with translation.override("en"):
        assert date_format(moment) == "November 28, 2026"


def test_a_date_and_time_typed_day_first_is_read_so_in_french_and_refused_in_english():
    """The admin's date pickers keep what was typed (validation.typed_dates_are_kept): in English,
    Django's US list read « 05/01/2027 14:00 » as May 1st."""
    from datetime import datetime

    from django import forms

    field = forms.DateTimeField()
    with translation.override("fr"):
        assert field.clean("05/01/2027 14:00").replace(tzinfo=None) == datetime(2027, 1, 5, 14)
        assert field.clean("2027-01-05 14:00").replace(tzinfo=None) == datetime(2027, 1, 5, 14)
    with translation.override("en"):
        with pytest.raises(forms.ValidationError) as refused:
            field.clean("05/01/2027 14:00")
        assert refused.value.messages == ["Enter a valid date/time."]
        assert field.clean("2027-01-05 14:00").replace(tzinfo=None) == datetime(2027, 1, 5, 14)
