"""How the orders back-office writes amounts and moments: the Québec way in French, the
English way in English, in the site's time zone."""

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import get_language

from ..money import format_cad


def cad(amount):
    return format_cad(amount, get_language() or "fr")


def local_datetime(value):
    return date_format(localtime(value), "SHORT_DATETIME_FORMAT") if value else ""
