"""URL converters that match only the alphabets of the codes the site hands out, so that an
address with anything else in it is a plain 404 and never reaches the database."""

from django.urls import register_converter

from .validation import CODE_SHAPE


class OrderCodeConverter:
    """Order codes: letters and digits without 0/O, 1/I/L (see orders.models.CODE_ALPHABET),
    in either case since people type them from paper."""

    regex = r"[A-HJKMNP-Za-hjkmnp-z2-9]{1,12}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class SecretConverter:
    """Ticket codes, waiting-list tokens and order tokens (URL-safe base 64 or base 32)."""

    regex = CODE_SHAPE

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class HexConverter:
    """Signed keys written as hexadecimal digests."""

    regex = r"[0-9a-f]{16,128}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(OrderCodeConverter, "ordercode")
register_converter(SecretConverter, "secret")
register_converter(HexConverter, "hexkey")
