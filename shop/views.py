"""Thin views: the cart (POST forms that work without JavaScript) and the checkout, which
places one order through `orders` and goes to Stripe Checkout as activities do."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cesiq_site import ratelimit
from cesiq_site.csrf import origin_checked
from cesiq_site.validation import printable_or_empty
from orders import services as orders
from orders.views import go_on_with, submission_of

from . import cart as carts
from . import delivery
from .forms import ContactForm, DeliveryForm


def _back(request, default):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _cart_url():
    from django.urls import reverse

    return reverse("shop:cart")


@never_cache
@require_http_methods(["GET", "HEAD"])
def cart_view(request):
    cart = carts.read(request)
    for problem in cart.problems:
        messages.warning(request, problem)
    return TemplateResponse(
        request,
        "shop/cart.html",
        {
            "cart": cart,
            "taxes_enabled": orders.current_settings().taxes_enabled,
            "waiting_order": carts.waiting_order(request),
            "shop_url": _shop_url() if not cart else None,
        },
    )


def _shop_url():
    """The catalogue in the visitor's language, for an empty cart to lead somewhere."""
    from wagtail.models import Locale

    from .models import ProductIndexPage

    index = ProductIndexPage.objects.live().filter(locale=Locale.get_active()).first()
    return index.url if index else None


@origin_checked  # product pages are cached and carry no token (cesiq_site/csrf.py)
@require_POST
def cart_add(request):
    """A product variant (`variant`) or tickets for an activity's date (`ticket`, `date`: the
    form on the activity page, which only knows this URL's name)."""
    quantity = request.POST.get("quantity", 1)
    try:
        if "ticket" in request.POST:
            name = carts.add_ticket(
                request, request.POST.get("ticket"), request.POST.get("date"), quantity
            )
        else:
            name = carts.add(request, request.POST.get("variant"), quantity).display_name()
    except carts.CartError as exc:
        messages.error(request, str(exc))
        return redirect(_back(request, _cart_url()))
    messages.success(request, _("« %(item)s » a été ajouté à votre panier.") % {"item": name})
    return redirect(_cart_url())


@require_POST
def cart_update(request):
    """One form for the whole cart: a quantity per line, or the "remove" button of one.
    « Passer la commande » sends it too: the quantities on screen are those bought, and the
    checkout follows when they are all accepted."""
    if request.POST.get("remove"):
        if carts.remove(request, request.POST["remove"]):
            messages.success(request, _("L'article a été retiré de votre panier."))
        else:  # removed already (another tab), or never there
            messages.info(request, _("Cet article n'est plus dans votre panier."))
        return redirect(_cart_url())
    refused = False
    for key, value in request.POST.items():
        if not key.startswith("quantity_"):
            continue
        try:
            carts.update(request, key.removeprefix("quantity_"), value)
        except carts.CartError as exc:
            # Which line, with several in the cart (the message alone did not say).
            name = carts.line_name(key.removeprefix("quantity_"))
            error = str(exc)
            if name and name not in error:
                error = _("« %(item)s » : %(error)s") % {
                    "item": name,
                    "error": error[:1].lower() + error[1:],
                }
            messages.error(request, error)
            refused = True
    if request.POST.get("checkout") and not refused:
        from django.urls import reverse

        return redirect(reverse("shop:checkout"))
    return redirect(_cart_url())


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def checkout(request):
    """Delivery, discount code, the totals for the chosen destination, contact details; one
    order for the whole cart. "Recalculer" (a plain submit button, no JavaScript needed)
    shows the totals again for what is chosen, without placing anything."""
    posted = request.method == "POST"
    submission = submission_of(request) if posted else ""
    if earlier := orders.placed_by(submission):
        # This very form was sent before (a double click, the page sent again): its order,
        # not the cart it emptied.
        carts.placed(request, earlier)
        return go_on_with(request, earlier, placed_now=False)
    cart = carts.read(request)
    if cart.problems or not cart:
        return _back_to_cart(request, cart)
    if posted and (refused := ratelimit.check(request, "posts")):
        return refused
    if printable_or_empty(request.POST.get("discount_code"), 40) and (
        refused := ratelimit.check(request, "codes")
    ):
        return refused
    recalculating = posted and "recalculer" in request.POST
    delivery_form = DeliveryForm(
        request.POST if posted else None,
        has_products=bool(cart.products),
        partial=recalculating,
        pickup_dates=delivery.pickup_dates(),
    )
    if recalculating:
        # The contact details are kept as typed, not yet checked.
        contact_form = ContactForm(initial=_typed_contact(request.POST))
    else:
        contact_form = ContactForm(request.POST if posted else None)
    if posted and not recalculating and delivery_form.is_valid() and contact_form.is_valid():
        if refused := ratelimit.check(request, "checkout"):
            return refused
        response = _place(request, cart, delivery_form, contact_form, submission)
        if response is not None:
            return response
    if delivery_form.is_bound:
        delivery_form.is_valid()
    try:
        summary = delivery.summary_for(cart, delivery_form)
    except orders.OrderError as exc:
        messages.error(request, str(exc))
        return _back_to_cart(request, carts.read(request))
    status = 400 if posted and not recalculating else 200
    return TemplateResponse(
        request,
        "shop/checkout.html",
        {
            "cart": cart,
            "form": delivery_form,
            "contact_form": contact_form,
            "summary": summary,
            "pickup_address": _pickup_address(),
            # Ended by the sentence around them, whether typed with a period or not.
            "office_hours": delivery.office_hours().strip().rstrip("."),
            "recalculated": recalculating,
        },
        status=status,
    )


def _back_to_cart(request, cart):
    # An empty cart says so itself (« Votre panier est vide. » was said twice).
    for problem in cart.problems:
        messages.warning(request, problem)
    return redirect(_cart_url())


def _typed_contact(data):
    from orders.gift import ADDRESS_FIELDS

    typed = {
        "buyer_name": data.get("buyer_name", "")[:200],
        "buyer_email": data.get("buyer_email", "")[:254],
        "consent": data.get("consent") == "on",
    }
    # The gift chosen stays chosen when the totals are recalculated.
    for name in ("gift_amount", "gift_other", *ADDRESS_FIELDS):
        if data.get(name):
            typed[name] = data.get(name, "")[:200]
    return typed


def _place(request, cart, delivery_form, contact_form, submission):
    """Place the order and go to Stripe; None (with the reason on the form) when refused."""
    contact = contact_form.cleaned_data
    try:
        order = delivery.place(
            cart,
            destination=delivery_form.destination(),
            address=delivery_form.shipping_address() if cart.products else {},
            buyer_name=contact["buyer_name"],
            buyer_email=contact["buyer_email"],
            language=translation.get_language(),
            discount_code=delivery_form.discount_code_value(),
            client_key=ratelimit.client_key(request),
            gift=contact_form.gift_selection() if contact_form.gift_offer else None,
            submission=submission,
        )
    except orders.AlreadyPlaced as exc:
        carts.clear(request)
        carts.placed(request, exc.order)  # this session is saved last: it remembers it too
        return go_on_with(request, exc.order, placed_now=False)
    except orders.OrderError as exc:
        # Nothing was sold: the transaction was rolled back. When units or places went to
        # another buyer meanwhile, the cart says so in its own words and adjusts itself.
        fresh = carts.read(request)
        if fresh.problems:
            return _back_to_cart(request, fresh)
        delivery_form.add_error(None, str(exc))
        return None
    carts.clear(request)
    carts.placed(request, order)
    return go_on_with(request, order)


def _pickup_address():
    from .models import pickup_address

    return pickup_address()
