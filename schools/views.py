"""Thin views: the public request page (served by WorkshopRequestPage) and the school's
confirmation link."""

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cesiq_site import ratelimit
from cesiq_site.seo import private_address

from . import services
from .forms import ConfirmForm, WorkshopRequestForm

SENT = re.compile(r"A-\d{5,}")


def request_page(request, page):
    """The form; once a request is saved, a redirect to the page saying it was received
    (`?envoyee=A-00007`): reloading that page sends nothing again."""
    status = 200
    sent = request.GET.get("envoyee", "")
    if request.method != "POST" and SENT.fullmatch(sent):
        return TemplateResponse(
            request, "schools/request_sent.html", {"page": page, "self": page, "reference": sent}
        )
    if request.method == "POST":
        if refused := ratelimit.check(request, "posts"):
            return refused
        form = WorkshopRequestForm(request.POST)
        if form.is_valid():
            if refused := ratelimit.check(request, RATE_LIMIT_SCOPE):
                return refused
            booking = services.create_request(
                data=form.booking_data(),
                themes=form.cleaned_data["themes"],
                language=translation.get_language() or "fr",
            )
            return redirect(page.get_url(request) + "?" + urlencode({"envoyee": booking.reference}))
        status = 400
    else:
        form = WorkshopRequestForm()
    return TemplateResponse(
        request,
        "schools/workshop_request_page.html",
        {"page": page, "self": page, "form": form},
        status=status,
    )


RATE_LIMIT_SCOPE = "form"
LINK_STATUS = {"unknown": 404, "used": 200, "expired": 410, "cancelled": 410}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """The link sent with a proposal. GET shows the proposal and the choice of payment; POST
    confirms (a mail scanner opening the link confirms nothing)."""
    try:
        booking = services.booking_for_link(token)
    except services.LinkProblem as problem:
        response = TemplateResponse(
            request,
            "schools/link_problem.html",
            {"reason": problem.reason, "booking": problem.booking},
            status=LINK_STATUS[problem.reason],
        )
        private_address(response)
        return response
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                booking = services.confirm(
                    token,
                    method=form.cleaned_data["method"],
                    purchase_order_number=form.cleaned_data["purchase_order_number"],
                )
            except services.LinkProblem:
                return redirect(request.path)
            except services.orders.OrderError as exc:
                form.add_error(None, str(exc))
            else:
                if booking.invoice_or_none() is not None:
                    messages.success(
                        request,
                        _(
                            "Votre animation est confirmée. La facture vous a été envoyée par "
                            "courriel ; vous pouvez aussi la télécharger ci-dessous."
                        ),
                    )
                else:
                    messages.success(
                        request,
                        _("Votre animation est confirmée. Vous pouvez la payer ci-dessous."),
                    )
                return redirect(booking.order.get_absolute_url())
        status = 400
    response = TemplateResponse(
        request, "schools/confirm.html", {"booking": booking, "form": form}, status=status
    )
    private_address(response)
    return response


@never_cache
@require_http_methods(["GET", "HEAD"])
def invoice_pdf(request, code, token):
    """The invoice of a workshop order, for whoever holds the order's link (its receipt)."""
    from orders.models import Order

    order = get_object_or_404(Order, code=code.upper())
    if not constant_time_compare(order.token, token):
        raise Http404
    invoice = services.invoice_of(order)
    if invoice is None:
        raise Http404
    response = HttpResponse(bytes(invoice.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.filename}"'
    private_address(response)
    return response
