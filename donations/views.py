"""The donation page's form: read it, place the gift's order through `orders`, go to Stripe."""

from django.template.response import TemplateResponse
from django.utils import translation
from django.views.decorators.cache import never_cache

from cesiq_site import ratelimit
from orders import services as orders
from orders.models import OrderKind
from orders.services import Selection
from orders.views import go_on_with, submission_of

from .forms import DonationForm


@never_cache
def donate(request, page):
    if request.method not in ("GET", "HEAD", "POST"):
        from django.http import HttpResponseNotAllowed

        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if request.method == "POST" and (refused := ratelimit.check(request, "posts")):
        return refused
    submission = submission_of(request) if request.method == "POST" else ""
    if earlier := orders.placed_by(submission):
        # This very form was sent before (a double click, the page sent again): its order.
        return go_on_with(request, earlier, placed_now=False)
    form = DonationForm(request.POST if request.method == "POST" else None, page=page)
    if request.method == "POST" and form.is_valid():
        if refused := ratelimit.check(request, "donate"):
            return refused
        data = form.cleaned_data
        try:
            order = orders.place_order(
                kind=OrderKind.DONATION,
                buyer_name=data["donor_name"],
                buyer_email=data["donor_email"],
                language=translation.get_language(),
                selections=[
                    Selection(
                        item=page, quantity=1, requested_price=data["gift"], details=form.details()
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
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request,
        page.get_template(request),
        {**page.get_context(request), "page": page, "form": form},
        status=status,
    )
