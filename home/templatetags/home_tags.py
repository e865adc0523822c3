"""Filters for the editorial blocks."""

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext

register = template.Library()


@register.filter
def document_size(size):
    """A file's size as people read it in Québec: "240 Ko", "1,2 Mo" ("240 KB", "1.2 MB" in
    English). Django's filesizeformat says "Kio", which few readers know."""
    if size is None:
        return ""
    size = int(size)
    if size < 1024:
        return gettext("%(size)s octets") % {"size": size}
    for unit in (gettext("Ko"), gettext("Mo"), gettext("Go")):
        size /= 1024
        if size < 1024 or unit == gettext("Go"):
            break
    digits = 0 if size >= 100 else 1
    return f"{number_format(round(size, digits), digits)} {unit}"
