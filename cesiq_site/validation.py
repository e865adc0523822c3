"""What the public site accepts from outside, checked where it comes in.

Forms reject control characters with a translated error (a browser never sends them from a
text box; PostgreSQL refuses the NUL byte outright), query parameters that name a secret or a
code are read only when they have that code's shape, and URL converters (`converters.py`) only
match the real alphabets. Nothing hostile reaches a query, so no query needs its own guard.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# C0 controls and DEL. A one-line text box cannot produce any of them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A text area legitimately sends line breaks and tabs; nothing else below 0x20.
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

CONTROL_CHARACTERS_MESSAGE = _("Ce champ contient des caractères non permis.")
# A consent box left empty: what to do, rather than "<the box's long label> : this field is
# required" in the error summary.
CONSENT_REQUIRED = _("Cochez la case pour accepter que le CÉSIQ conserve ces renseignements.")


def has_control_characters(value, *, multiline=False):
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL
    return bool(pattern.search(str(value)))


def no_control_characters(value):
    """Validator for one-line text fields."""
    if has_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")


def no_control_characters_multiline(value):
    """Validator for text areas: line breaks and tabs are fine, other controls are not."""
    if has_control_characters(value, multiline=True):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE, code="control_characters")


def guard_text_fields(form):
    """Add the control-character validator to every text field of `form` (text areas keep
    their line breaks, read as typed: `line_breaks_as_typed`). Call at the end of a public
    form's __init__."""
    from django import forms

    for field in form.fields.values():
        if isinstance(field, forms.CharField) and not isinstance(
            field, forms.EmailField | forms.URLField
        ):
            multiline = isinstance(field.widget, forms.Textarea)
            # Ours says it of every control character: Django's own, for the NUL byte
            # alone, made it two errors for one.
            field.validators = [
                v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)
            ] + [no_control_characters_multiline if multiline else no_control_characters]
            if multiline:
                field.to_python = line_breaks_as_typed(field.to_python)


def line_breaks_as_typed(to_python):
    """A text area's value with each line break one character, "\n", as the person typed
    it. Browsers send "\r\n" but count one character for it against the box's maxlength:
    a 4,999-character message of 100 lines arrived as 5,098 and was refused as too long by
    the very limit the box had enforced."""

    def read(value):
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        return to_python(value)

    return read


# Secrets and codes handed out by the site: ticket codes and waiting-list tokens (Crockford-like
# base 32 today, URL-safe base 64 for older ones), order tokens (URL-safe base 64).
CODE_SHAPE = r"[A-Za-z0-9_-]{1,64}"
_CODE_SHAPE_RE = re.compile(CODE_SHAPE)


def secret_or_empty(value):
    """`value` when it has the shape of a code or token the site hands out, else "" (a query
    parameter that cannot name anything is as good as absent)."""
    value = (value or "").strip()
    return value if _CODE_SHAPE_RE.fullmatch(value) else ""


def printable_or_empty(value, max_length):
    """A free-text query parameter (a discount code in a link): kept when it is short and has
    no control characters, else ""."""
    value = (value or "").strip()
    if len(value) > max_length or has_control_characters(value):
        return ""
    return value


_ID = re.compile(r"[0-9]{1,11}")


def id_or_none(value):
    """`value` as a database id when it is one written in plain digits (0-9, not « ² » nor
    « ٣ », which `str.isdigit` accepts and `int` refuses or reads), small enough for any
    database; else None."""
    value = str(value if value is not None else "").strip()
    if not _ID.fullmatch(value):
        return None
    return int(value) or None


class ListedIdsField(forms.ModelMultipleChoiceField):
    """Several of a list's items, chosen by id: a value that is no plain id (« abc », « -1 »,
    twenty-five digits, which SQLite cannot even compare) is a choice not in the list, with
    the field's own message."""

    def _check_values(self, value):
        for pk in value:
            if id_or_none(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


_PHONE = re.compile(
    r"(?P<number>\+?[0-9(][0-9 ().-]*[0-9])(?:\s*(?:poste|ext\.?|x|#)\s*[0-9]{1,6})?",
    re.IGNORECASE,
)
PHONE_INVALID = _("Indiquez un numéro de téléphone, par exemple 418 555-0199 (poste 12).")


def phone_number(value):
    """`value` stripped if it is a number someone can call back: ten digits or more (an
    extension may follow), written with the usual spaces, dashes, dots or brackets; otherwise
    ValidationError. (Not a format check of any one country: a carrier calls abroad too.)"""
    phone = value.strip()
    match = _PHONE.fullmatch(phone)
    if not match or len(re.sub(r"\D", "", match.group("number"))) < 10:
        raise ValidationError(PHONE_INVALID, code="invalid")
    return phone


# Django's own message writes the limit as Python does (« supérieure ou égale à 0.01 »).
AT_LEAST_A_CENT = _("Indiquez un montant d'au moins 0,01 $.")

# Prices, fees and rates that staff type: never below zero (a ticket at « -5,00 $ » was
# published and sold, and Stripe refused its checkout). A model field validator, so every form
# and `full_clean` applies it; one instance, one migration's worth of deconstruction.
NOT_NEGATIVE = MinValueValidator(Decimal("0.00"), message=_("Un montant ne peut pas être négatif."))
# The same for a price and a fee (Django's own message wrote « supérieure ou égale à 1.00 »).
AT_LEAST_ONE_CENT = MinValueValidator(Decimal("0.01"), message=AT_LEAST_A_CENT)
AT_LEAST_ONE_DOLLAR = MinValueValidator(
    Decimal("1.00"), message=_("Indiquez un montant d'au moins 1,00 $.")
)


def money_fields_take_a_comma():
    """Every amount in Wagtail's admin forms (a ticket's price, shipping rates, a fee) is read
    in the editor's language, « 12,50 » in French: Django's number input let Chromium drop
    the comma, and « 12,50 » was saved as 1 250 $ without a word. A text input with a decimal
    keypad on phones instead; in English « 12,50 » is refused (« Enter a number. »), never
    read as 1 250."""
    from django import forms
    from django.db import models
    from wagtail.admin.forms.models import register_form_field_override

    register_form_field_override(
        models.DecimalField,
        override={
            "form_class": TypedNumberField,
            "localize": True,
            "widget": forms.TextInput(attrs={"inputmode": "decimal"}),
        },
    )


def typed_dates_are_kept():
    """Wagtail's date pickers replaced a date they could not read, on leaving the field, with
    the present moment, without a word: « 15/01/2027 » typed as in Québec became the day of
    editing, an activity could be published on the wrong day, and a page scheduled with
    « Programmer » went live at once. Every date picker of the admin (Wagtail's own included:
    the scheduling dialog builds its widgets itself) now leaves what was typed, which the
    server reads in the editor's language (« 15/01/2027 » in French; year first in English)
    or refuses with « Saisissez une date valide. »."""
    from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput

    for widget in (AdminDateInput, AdminDateTimeInput):
        if getattr(widget.get_config, "keeps_typed_dates", False):
            continue
        picker_config = widget.get_config

        def get_config(self, picker_config=picker_config):
            return {**picker_config(self), "validateOnBlur": False}

        get_config.keeps_typed_dates = True
        widget.get_config = get_config


# Places, quantities, days: no count staff type is near a million, and the database's own limit
# was said as « inférieure ou égale à 9223372036854775807 ».
LARGEST_COUNT = 1_000_000


def counts_have_a_limit():
    """Every whole number in Wagtail's admin forms stays under LARGEST_COUNT, said in words."""
    from django.db import models
    from wagtail.admin.forms.models import register_form_field_override

    for field in (models.PositiveIntegerField, models.PositiveSmallIntegerField):
        register_form_field_override(
            field,
            override={
                "max_value": LARGEST_COUNT,
                "error_messages": {"max_value": _("Ce nombre est trop grand.")},
            },
        )


class TypedNumberField(forms.DecimalField):
    """An amount in an admin form as staff type it: « 1 234,50 » too (spaces between the
    thousands, « $ » after it), and its limits said in words, not in counts of digits."""

    default_error_messages = {
        "max_digits": _("Ce nombre est trop grand."),
        "max_whole_digits": _("Ce nombre est trop grand."),
        "max_decimal_places": _("Au plus %(max)s décimales."),
    }

    def to_python(self, value):
        if isinstance(value, str):
            for sign in (" ", "\u00a0", "\u202f", "$"):
                value = value.replace(sign, "")
        return super().to_python(value)


ENGLISH_THOUSANDS = re.compile(r"-?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?")
AMOUNT_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]*)?")  # a minus sign: « minimum 5 $ »


def parse_amount(value):
    """A typed amount, in the French or English way ("25", "25,50", "25.50 $", "1 234,50"),
    as a Decimal; None when it is not one."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    text = str(value).strip().replace("$", "")
    text = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not text or len(text) > 15:
        return None
    if "," in text and "." in text:
        # Both marks: the last one is the decimal mark, the other groups the thousands
        # (« 1,250.00 », « 1.000,50 »), and only that way (« 12.34,5 » is no amount).
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        whole, _mark, cents = text.rpartition(decimal_mark)
        if not re.fullmatch(rf"-?[0-9]{{1,3}}(?:\{group_mark}[0-9]{{3}})+", whole):
            return None
        text = whole.replace(group_mark, "") + "." + cents
    elif ENGLISH_THOUSANDS.fullmatch(text) and (get_language() or "").startswith("en"):
        # In English, commas followed by three digits group thousands: « 5,000 » is five
        # thousand dollars (it was read as 5,00 $). In French the comma is the decimal mark,
        # and « 5,000 » has too many decimals (`too_many_decimals`), as has « 10.000 ».
        text = text.replace(",", "")
    text = text.replace(",", ".")
    # Digits and a decimal part only: Decimal also reads « 1e3 » (1 000 $ for someone who
    # meant something else), « NaN » and « Infinity ».
    if not AMOUNT_TEXT.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def too_many_decimals(amount):
    """More than cents as typed: « 10.000 » is refused, not read as 10 $ (its value equals
    10,00 $, its writing does not)."""
    return amount.as_tuple().exponent < -2


class AmountField(forms.CharField):
    """A sum of money as people type it, « 7,50 », « 7.50 » or « 7,50 $ », in a text box with
    a decimal keypad: a number box in a French browser reads « 7,50 » as 750. Cleaned to a
    Decimal; `min_value` and `max_value` checked with the messages given as "min_value" and
    "max_value"."""

    default_error_messages = {
        "invalid": _("Indiquez un montant en dollars, par exemple 25 ou 25,50."),
        "decimals": _("Le montant ne peut pas avoir plus de deux décimales."),
    }

    def __init__(self, *, min_value=None, max_value=None, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": "15"}
            ),
        )
        super().__init__(**kwargs)
        if min_value is not None:
            self.validators.append(MinValueValidator(min_value))
        if max_value is not None:
            self.validators.append(MaxValueValidator(max_value))

    def prepare_value(self, value):
        # Shown in the page's language: « 10,00 » in French.
        if isinstance(value, Decimal):
            return number_format(value, 2)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        amount = parse_amount(text)
        if amount is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if too_many_decimals(amount):
            raise ValidationError(self.error_messages["decimals"], code="decimals")
        return amount
