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

from cesiq_site.csrf import origin_checked
from orders import services as orders

from . import cart as carts
from .forms import CheckoutForm


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
    return TemplateResponse(request, "shop/cart.html", {"cart": cart})


@origin_checked  # product pages are cached and carry no token (cesiq_site/csrf.py)
@require_POST
def cart_add(request):
    try:
        variant = carts.add(request, request.POST.get("variant"), request.POST.get("quantity", 1))
    except carts.CartError as exc:
        messages.error(request, str(exc))
        return redirect(_back(request, _cart_url()))
    messages.success(
        request, _("« %(item)s » a été ajouté à votre panier.") % {"item": variant.display_name()}
    )
    return redirect(_cart_url())


@require_POST
def cart_update(request):
    """One form for the whole cart: a quantity per line, or the "remove" button of one."""
    if request.POST.get("remove"):
        carts.remove(request, request.POST["remove"])
        messages.success(request, _("L'article a été retiré de votre panier."))
        return redirect(_cart_url())
    for key, value in request.POST.items():
        if not key.startswith("quantity_"):
            continue
        try:
            carts.update(request, key.removeprefix("quantity_"), value)
        except carts.CartError as exc:
            messages.error(request, str(exc))
    return redirect(_cart_url())


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def checkout(request):
    cart = carts.read(request)
    if cart.problems or not cart:
        for problem in cart.problems:
            messages.warning(request, problem)
        if not cart:
            messages.info(request, _("Votre panier est vide."))
        return redirect(_cart_url())
    form = CheckoutForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = orders.place_order(
                kind="shop",
                buyer_name=data["buyer_name"],
                buyer_email=data["buyer_email"],
                language=translation.get_language(),
                selections=[
                    orders.Selection(
                        item=line.variant,
                        quantity=line.quantity,
                        details={"pickup": data["pickup"]},
                    )
                    for line in cart.lines
                ],
            )
        except orders.OrderError as exc:
            # Nothing was sold: the transaction was rolled back. When units went to another
            # buyer meanwhile, the cart says so in its own words and adjusts itself.
            fresh = carts.read(request)
            if fresh.problems:
                for problem in fresh.problems:
                    messages.warning(request, problem)
                return redirect(_cart_url())
            form.add_error(None, str(exc))
        else:
            carts.clear(request)
            page_url = request.build_absolute_uri(order.get_absolute_url())
            try:
                checkout_url = orders.start_checkout(
                    order, success_url=page_url + "?retour=paiement", cancel_url=page_url
                )
            except orders.OrderError as exc:
                # The units stay held: the order page offers to try paying again.
                messages.error(request, str(exc))
                return redirect(order.get_absolute_url())
            return redirect(checkout_url)
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request,
        "shop/checkout.html",
        {"cart": cart, "form": form, "pickup_address": _pickup_address()},
        status=status,
    )


def _pickup_address():
    from .models import pickup_address

    return pickup_address()
