"""The membership page's form: place the membership's order through `orders`, go to Stripe."""

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.views.decorators.cache import never_cache

from cesiq_site import ratelimit
from orders import services as orders
from orders.models import OrderKind
from orders.services import Selection

from .forms import JoinForm
from .models import MembershipCategory


@never_cache
def join(request, page):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if request.method == "POST" and (refused := ratelimit.check(request, "posts")):
        return refused
    categories = list(MembershipCategory.objects.filter(active=True))
    initial = {}
    if request.GET.get("categorie", "").isdigit():
        initial["category"] = int(request.GET["categorie"])
    if request.user.is_authenticated and request.user.email:
        initial.update(email=request.user.email, name=request.user.get_full_name())
    form = JoinForm(request.POST or None, categories=categories, initial=initial)
    if request.method == "POST" and form.is_valid():
        if refused := ratelimit.check(request, "register"):
            return refused
        data = form.cleaned_data
        try:
            order = orders.place_order(
                kind=OrderKind.MEMBERSHIP,
                buyer_name=data["name"],
                buyer_email=data["email"],
                language=translation.get_language(),
                selections=[
                    Selection(
                        item=data["category_obj"],
                        quantity=1,
                        details={"organisation": data.get("organisation", "").strip()},
                    )
                ],
                client_key=ratelimit.client_key(request),
            )
        except orders.OrderError as exc:
            form.add_error(None, str(exc))
        else:
            page_url = request.build_absolute_uri(order.get_absolute_url())
            try:
                checkout_url = orders.start_checkout(
                    order, success_url=page_url + "?retour=paiement", cancel_url=page_url
                )
            except orders.OrderError as exc:
                messages.error(request, str(exc))
                return redirect(order.get_absolute_url())
            return redirect(checkout_url)
    return TemplateResponse(
        request,
        page.get_template(request),
        {**page.get_context(request), "page": page, "form": form, "categories": categories},
        status=400 if request.method == "POST" else 200,
    )
