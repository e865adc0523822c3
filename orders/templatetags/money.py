from django import template
from django.utils import translation

from orders.money import format_cad

register = template.Library()


@register.filter
def cad(amount):
    """{{ price|cad }} → "12,50 $" in French, "$12.50" in English."""
    if amount in (None, ""):
        return ""
    return format_cad(amount, translation.get_language() or "fr")
