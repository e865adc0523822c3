"""Amounts staff type in Wagtail's admin: « 12,50 » in French is 12,50 $ (a number input let
the browser drop the comma and 1 250 $ was saved), and no price, fee or rate may be negative (a
ticket at « -5,00 $ » was published and sold)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from events.models import EventPage, TicketType
from shop.models import ShopSettings

pytestmark = pytest.mark.django_db


def admin_form_field(model, name):
    """The form field Wagtail's admin forms make for this column (pages' inline ticket
    types and settings forms alike)."""
    from wagtail.admin.forms.models import formfield_for_dbfield

    return formfield_for_dbfield(model._meta.get_field(name))


def test_the_activity_form_reads_a_french_price():
    form_class = EventPage.get_edit_handler().get_form_class()
    price = form_class.formsets["ticket_types"].form.base_fields["price"]
    with translation.override("fr"):
        assert price.clean("12,50") == Decimal("12.50")


@pytest.mark.parametrize(
    ("model", "name"),
    [(TicketType, "price"), (TicketType, "suggested_price"), (ShopSettings, "shipping_quebec")],
)
def test_an_amount_is_read_in_the_editors_language(model, name):
    field = admin_form_field(model, name)
    html = field.widget.render(name, Decimal("12.50"))
    assert 'type="text"' in html and 'inputmode="decimal"' in html
    with translation.override("fr"):
        assert field.clean("12,50") == Decimal("12.50")
        assert field.clean("12.50") == Decimal("12.50")
        assert 'value="12,50"' in field.widget.render(name, Decimal("12.50"))
    with translation.override("en"):
        assert field.clean("12.50") == Decimal("12.50")
        with pytest.raises(ValidationError):  # never 1 250
            field.clean("12,50")


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (TicketType, "price"),
        (TicketType, "suggested_price"),
        (ShopSettings, "shipping_quebec"),
        (ShopSettings, "free_shipping_from"),
    ],
)
def test_no_amount_is_negative(model, name):
    field = model._meta.get_field(name)
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        field.run_validators(Decimal("-5.00"))
    assert error.value.messages == ["Un montant ne peut pas être négatif."]
    field.run_validators(Decimal("0.00"))


def test_an_amount_with_spaces_between_thousands_and_its_limits_said_in_words():
    """« 1 234,50 » gave « Saisissez un nombre. »; 10 000 000 $ « pas plus de 8 chiffres au
    total »."""
    field = admin_form_field(TicketType, "price")
    with translation.override("fr"):
        assert field.clean("1 234,50") == Decimal("1234.50")
        assert field.clean("1\u00a0234,50 $") == Decimal("1234.50")
        with pytest.raises(ValidationError) as error:
            field.clean("10000000")
        assert error.value.messages == ["Ce nombre est trop grand."]
        with pytest.raises(ValidationError) as error:
            field.clean("12,555")
        assert error.value.messages == ["Au plus 2 décimales."]


@pytest.mark.parametrize(
    ("model", "name"), [("events.EventDate", "capacity"), ("events.TicketType", "places_per_date")]
)
def test_a_count_has_a_limit_said_in_words(model, name):
    """The database's own limit was said: « inférieure ou égale à 9223372036854775807 »."""
    from django.apps import apps

    field = admin_form_field(apps.get_model(model), name)
    with translation.override("fr"):
        assert field.clean("1000000") == 1_000_000
        with pytest.raises(ValidationError) as error:
            field.clean("99999999999")
        assert error.value.messages == ["Ce nombre est trop grand."]


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("25", Decimal("25")),
        ("25,50", Decimal("25.50")),
        ("25.50 $", Decimal("25.50")),
        ("1 000,50", Decimal("1000.50")),
        ("1,000.50", Decimal("1000.50")),
        # The decimal mark is the last one: a thousand, not « 1,0005 » under the minimum.
        ("1.000,50", Decimal("1000.50")),
        ("1.234.567,89", Decimal("1234567.89")),
        # In French the comma is the decimal mark: three decimals, refused by the forms
        # (not read as 5 $ or 10 $).
        ("5,000", Decimal("5.000")),
        ("10.000", Decimal("10.000")),
        ("12,5", Decimal("12.5")),
        ("12.34,5", None),
        ("1,00.50", None),
        ("1e3", None),
        ("", None),
    ],
)
def test_an_amount_is_read_as_people_write_it(typed, amount):
    from cesiq_site.validation import parse_amount

    assert parse_amount(typed) == amount


@pytest.mark.parametrize(
    ("model_path", "name", "message"),
    [
        ("memberships.MembershipCategory", "yearly_fee", "Indiquez un montant d'au moins 1,00 $."),
        ("donations.DonationPage", "minimum_amount", "Indiquez un montant d'au moins 1,00 $."),
        ("shop.ProductVariant", "price", "Indiquez un montant d'au moins 0,01 $."),
    ],
)
def test_a_price_or_fee_too_low_is_said_in_words(model_path, name, message):
    """Django's own message wrote « supérieure ou égale à 1.00 », with a dot."""
    from django.apps import apps

    field = apps.get_model(model_path)._meta.get_field(name)
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        field.run_validators(Decimal("-5.00"))
    assert error.value.messages == [message]


def test_a_discount_code_taken_is_said_in_words():
    from orders.models import DiscountCode

    DiscountCode.objects.create(code="ESSAI", kind="percent", value=Decimal("10"))
    twin = DiscountCode(code="ESSAI", kind="percent", value=Decimal("5"))
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        twin.validate_unique()
    assert error.value.messages == ["Ce code existe déjà : choisissez-en un autre."]


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("5,000", Decimal("5000")),  # five thousand, as an English donor writes it
        ("1,000,000.50", Decimal("1000000.50")),
        ("12,50", Decimal("12.50")),  # not a thousands group: read as cents, as in French
        ("5.000", Decimal("5.000")),  # three decimals: refused by the forms
    ],
)
def test_an_amount_typed_in_english_groups_thousands_with_commas(typed, amount):
    from cesiq_site.validation import parse_amount

    with translation.override("en"):
        assert parse_amount(typed) == amount
        assert str(parse_amount(typed)) == str(amount)


def test_three_decimals_are_refused_even_when_they_are_zeros():
    """« 10.000 » was read as 10,00 $ (its value equals it) and charged."""
    from cesiq_site.validation import AmountField

    field = AmountField()
    with translation.override("fr"):
        for typed in ("10.000", "5,000", "2.500"):
            with pytest.raises(ValidationError) as error:
                field.clean(typed)
            assert error.value.messages == ["Le montant ne peut pas avoir plus de deux décimales."]
        assert field.clean("10,00") == Decimal("10.00")
