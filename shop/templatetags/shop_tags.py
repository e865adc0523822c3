from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def cart_count(context):
    """Units in the visitor's cart (0 without a session), for the header's cart link."""
    from shop.cart import count

    request = context.get("request")
    return count(request) if request is not None else 0
