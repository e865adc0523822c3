"""The membership page's form: place the membership's order through `orders`, go to Stripe."""

from django.http import HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.utils import translation
from django.views.decorators.cache import never_cache

from cesiq_site import ratelimit
from cesiq_site.validation import id_or_none
from orders import services as orders
from orders.models import OrderKind
from orders.services import Selection
from orders.views import go_on_with, submission_of

from . import services
from .forms import JoinForm
from .models import MembershipCategory


@never_cache
def join(request, page):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if request.method == "POST" and (refused := ratelimit.check(request, "posts")):
        return refused
    submission = submission_of(request) if request.method == "POST" else ""
    if earlier := orders.placed_by(submission):
        # This very form was sent before (a double click, the page sent again): its order.
        return go_on_with(request, earlier, placed_now=False)
    categories = list(MembershipCategory.objects.filter(active=True))
    initial = {}
    if category := id_or_none(request.GET.get("categorie")):
        initial["category"] = category
    if request.user.is_authenticated and request.user.email:
        initial.update(email=request.user.email, name=request.user.get_full_name())
    form = JoinForm(
        request.POST if request.method == "POST" else None, categories=categories, initial=initial
    )
    context = {**page.get_context(request), "page": page, "form": form, "categories": categories}
    # Paying again while a member adds a year after the current one: a signed-in member is
    # told until when (their own dates only: the form says it to anyone in general, never
    # whether some address is a member, which is personal information).
    signed_in = request.user.is_authenticated and request.user.email
    if signed_in and (renewal := services.renewal_for(request.user.email)):
        context["renewal_until"], context["renewal_next"] = renewal
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
                submission=submission,
            )
        except orders.AlreadyPlaced as exc:
            return go_on_with(request, exc.order, placed_now=False)
        except orders.OrderError as exc:
            form.add_error(None, str(exc))
        else:
            return go_on_with(request, order)
    return TemplateResponse(
        request,
        page.get_template(request),
        context,
        status=400 if request.method == "POST" else 200,
    )
