"""What other apps add to an order's receipt and emails (`orders.registry.order_sections`)."""

from django import template

from orders.registry import sections_of

register = template.Library()


@register.simple_tag
def order_sections(order):
    """{% order_sections order as sections %}: [{"heading": …, "lines": […]}, …]."""
    return sections_of(order)
