"""Thin views: the Stripe webhook and the buyer's order page (receipt)."""

import hashlib
import json
import logging
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from cesiq_site.seo import private_address
from cesiq_site.typography import french_text

from . import services, stripe_gateway
from .models import Order, OrderKind, OrderLine, OrderState, PaymentState, RefundState
from .purchasable import UNTIL_FURTHER_NOTICE

logger = logging.getLogger(__name__)

MAX_WEBHOOK_BYTES = 512 * 1024


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's signed events: recorded (one statement) and queued for the worker, which
    applies them (`services.receive_stripe_event`, `dispatch_stripe_event`).

    Stripe retries any answer that is not 2xx, for up to three days. So: 400 for a missing,
    bad or out-of-tolerance signature (a forgery; Stripe itself never sends one, and its
    retries of it are refused the same way); 2xx for every signed event, queued, applied,
    already applied, or ignored and logged when this site cannot use it; 503 only for a
    transient failure (the database), so that Stripe's retry records or applies it later.
    Never 500 for input.
    """
    payload = request.body
    if len(payload) > MAX_WEBHOOK_BYTES:
        return HttpResponseBadRequest("payload too large")
    try:
        event = stripe_gateway.verify_webhook(payload, request.headers.get("Stripe-Signature"))
    except stripe_gateway.SignatureVerificationError as exc:
        logger.warning("stripe webhook refused: %s", exc)
        return HttpResponseBadRequest("invalid signature")
    except ValueError:
        logger.warning("stripe webhook: signed body is not JSON; ignored")
        return HttpResponse("ignored: not JSON", content_type="text/plain")
    try:
        outcome, to_apply = services.receive_stripe_event(event)
        if to_apply is not None:
            outcome = services.dispatch_stripe_event(to_apply)
    except DatabaseError:
        logger.exception("stripe webhook: database error, Stripe will retry")
        return HttpResponse("retry later", status=503)
    return HttpResponse(outcome, content_type="text/plain")


def order_from_link(code, token, lines=True):
    """The order of a receipt link; with its lines (and their content types) read once, for
    the page, its sections and its tickets."""
    orders = Order.objects.all()
    if lines:
        with_types = OrderLine.objects.select_related("content_type")
        orders = orders.prefetch_related(Prefetch("lines", queryset=with_types))
    order = get_object_or_404(orders, code=code.upper())
    if not constant_time_compare(order.token, token):
        raise Http404
    return order


def submission_of(request):
    """A name for this very form as sent: its CSRF token (each showing of a page has its
    own), its address and every field in it. The same form sent twice (a double click, a page
    sent again from the history) has the same name, a form changed in any way another one;
    without a token, none (""). A hash: the token itself is not kept."""
    token = request.POST.get("csrfmiddlewaretoken", "")
    if not token:
        return ""
    fields = sorted((name, value) for name, values in request.POST.lists() for value in values)
    sent = json.dumps([request.get_full_path(), fields], ensure_ascii=False)
    return hashlib.sha256(sent.encode()).hexdigest()


def go_on_with(request, order, *, placed_now=True):
    """Where a buyer goes once their form placed `order`: Stripe's page for what is to pay by
    card, else the order's page. Sent twice (`placed_now` false), the same way, unless the
    order no longer waits for a card: confirmed, billed by invoice, over."""
    to_pay = order.total > 0 and (
        placed_now
        or order.state == OrderState.PENDING
        and not order.lines.filter(fulfilled=True).exists()
    )
    if not to_pay:
        if not placed_now:
            messages.info(request, services.AlreadyPlaced.message)
        return redirect(order.get_absolute_url())
    page = request.build_absolute_uri(order.get_absolute_url())
    try:
        url = services.start_checkout(
            order, success_url=page + "?retour=paiement", cancel_url=page + "?retour=annule"
        )
    except services.OrderError as exc:
        # What it holds stays held: the order's page offers to try paying again.
        messages.error(request, str(exc))
        return redirect(order.get_absolute_url())
    return redirect(url)


@never_cache
@require_http_methods(["GET", "HEAD"])
def order_detail(request, code, token):
    """The buyer's receipt: no account needed, the link's secret token is the key."""
    order = order_from_link(code, token)
    if order.state == OrderState.PENDING and services.apply_waiting_payment(order):
        order = order_from_link(code, token)
    returning_from_checkout = request.GET.get("retour") == "paiement"
    waiting_for_confirmation = returning_from_checkout and order.state == OrderState.PENDING
    # Back through the payment page's « Annuler » (or a card refused, then « Annuler »).
    payment_abandoned = request.GET.get("retour") == "annule" and order.state == OrderState.PENDING
    # The lines read once: shown, and used for the sections, the tickets and "can cancel".
    lines = list(order.lines.all())
    cancellation_deadline = services.buyer_cancellation_deadline(order, lines=lines)
    # A payment clearing: asked once (buyer_can_cancel would ask it again).
    clearing = order.state == OrderState.PENDING and services.payment_clearing(order)
    can_cancel = not clearing and services.buyer_can_cancel(
        order, deadline=cancellation_deadline, clearing=False
    )
    # The amounts from the rows shown (Order.paid_amount and refunded_amount ask again).
    payments = list(order.payments.filter(state=PaymentState.PAID))
    refunds = list(order.refunds.all())
    paid_amount = sum((p.amount for p in payments), Decimal("0.00"))
    refunded_amount = sum(
        (r.amount for r in refunds if r.state == RefundState.SUCCEEDED), Decimal("0.00")
    )
    held_today = timezone.localdate(order.expires_at) == timezone.localdate()
    # Grouped by line: the same ticket type on two dates (or two activities' « Plein
    # tarif ») numbers its tickets alike, and the line's description tells them apart.
    ticket_groups = [
        (line.description, links)
        for line in lines
        if (links := line.item.receipt_links(line, cancellable=can_cancel))
    ]
    context = {
        "order": order,
        "lines": lines,
        "payments": payments,
        "refunds": refunds,
        "paid_amount": paid_amount,
        "refunded_amount": refunded_amount,
        # What would be refunded on cancelling (Order.refundable_on_cancel), said only where
        # one can.
        "balance": (
            max(paid_amount - refunded_amount - order.disputed_amount - order.kept_amount, 0)
            if can_cancel
            else None
        ),
        "waiting_for_confirmation": waiting_for_confirmation,
        "payment_abandoned": payment_abandoned and not clearing,
        "can_pay": order.hold_is_active and order.total > 0 and not clearing,
        "payment_clearing": clearing,
        # Billed by invoice (its lines valid before the payment): kept until it is paid or
        # staff cancel it, not « until » its technical expiry a year away.
        # A school's workshop: its invoice is among its documents.
        "billed_by_invoice": order.state == OrderState.PENDING
        and (
            any(line.fulfilled for line in lines)
            or (order.kind == OrderKind.WORKSHOP and bool(ticket_groups))
        ),
        # A card hold ending today: its time (« jusqu'à 15 h 30 »); one ending another day
        # (after midnight, a hold kept for an invoice): its date (« jusqu'au 5 décembre… »).
        "held_today": held_today,
        "held_until": date_format(
            timezone.localtime(order.expires_at),
            "TIME_FORMAT" if held_today else "DATETIME_FORMAT",
        ),
        "awaiting_email_confirmation": services.awaiting_email_confirmation(order),
        # A bank debit refused: not « le délai de paiement est écoulé ». The last attempt only,
        # and one Stripe answered (a Checkout Session that Stripe then failed), not a call to
        # Stripe that went unanswered.
        "payment_refused": order.state == OrderState.EXPIRED
        and (last := order.payments.order_by("-pk").first()) is not None
        and last.state == PaymentState.FAILED
        and bool(last.stripe_session_id),
        # Money on its way back (not a refund that failed, handed to staff).
        "refund_under_way": any(
            r.state in (RefundState.PENDING, RefundState.SUCCEEDED) for r in refunds
        ),
        "can_cancel": can_cancel,
        "ticket_groups": ticket_groups,
        # No deadline while a date is postponed without a new one: said so, not « 9999 ».
        "cancellation_deadline": (
            None if cancellation_deadline == UNTIL_FURTHER_NOTICE else cancellation_deadline
        ),
        "cancellation_until_new_date": cancellation_deadline == UNTIL_FURTHER_NOTICE,
        "demo_payments": settings.DEMO_PAYMENTS,
        # Its address is the buyer's alone: nothing keyed on it is kept (seo_head.html).
        "private_address": True,
    }
    # No automatic reload while the payment is being confirmed (WCAG 2.2.1, failure F41): the
    # page asks `order_status` quietly and announces the change; without JavaScript, a "check
    # again" link reloads it when the buyer chooses.
    response = render(request, "orders/order_detail.html", context)
    private_address(response)
    return response


@never_cache
@require_http_methods(["GET", "HEAD"])
def order_status(request, code, token):
    """The receipt page's quiet check while a payment is confirmed: the order's state and a
    sentence to announce, in the page's language (the script holds no text of its own)."""
    order = order_from_link(code, token, lines=False)
    if order.state == OrderState.PENDING and services.apply_waiting_payment(order):
        order.refresh_from_db()
    waiting = order.state == OrderState.PENDING
    if waiting:
        message = _("Paiement toujours en attente de confirmation (vérifié à %(time)s).") % {
            "time": date_format(timezone.localtime(), "TIME_FORMAT")
        }
    elif order.state == OrderState.PAID:
        message = _("Votre paiement est confirmé. Votre commande est payée.")
    else:
        message = _("Votre commande a changé d'état : %(state)s.") % {
            "state": order.get_state_display()
        }
    if (translation.get_language() or "").startswith("fr"):
        message = french_text(message)  # as the page itself would show it
    response = JsonResponse({"state": order.state, "waiting": waiting, "message": message})
    private_address(response)
    return response


@require_POST
def order_pay(request, code, token):
    order = order_from_link(code, token)
    if order.total == 0:
        messages.error(request, _("Cette commande n'a rien à payer."))
        return redirect(order.get_absolute_url())
    return go_on_with(request, order)


@require_http_methods(["GET", "HEAD", "POST"])
def order_cancel(request, code, token):
    """Ask for confirmation, then cancel: places are given back and payment refunded."""
    order = order_from_link(code, token)
    if not services.buyer_can_cancel(order):
        messages.error(request, _("Cette commande ne peut plus être annulée en ligne."))
        return redirect(order.get_absolute_url())
    if request.method == "POST":
        try:
            services.cancel_by_buyer(order)
        except services.OrderError as exc:
            messages.error(request, str(exc))
            return redirect(order.get_absolute_url())
        messages.success(
            request, _("Votre commande est annulée. Un courriel de confirmation vous a été envoyé.")
        )
        return redirect(order.get_absolute_url())
    lines = [line for line in order.lines.all() if line.units_left]
    # What cancelling gives back: not what staff kept, nor a refund under way.
    refund = max(order.refundable_on_cancel - services.pending_refunds(order), Decimal("0.00"))
    return render(
        request,
        "orders/order_cancel.html",
        {
            "order": order,
            "lines": lines,
            "notices": services.cancellation_notices(lines, refund > 0),
            "deadline": services.buyer_cancellation_deadline(order),
            "refund": refund,
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def order_confirm_email(request, code, key):
    """The link sent to the buyer of a free registration that must be confirmed. GET shows a
    button and POST confirms, so that a mail scanner opening the link confirms nothing."""
    order = get_object_or_404(Order, code=code.upper())
    if not constant_time_compare(key, services.email_confirmation_key(order)):
        raise Http404
    if order.state == OrderState.PAID:
        messages.success(request, _("Votre inscription est confirmée."))
        return redirect(order.get_absolute_url())
    status, error = 200, ""
    if request.method == "POST":
        try:
            services.confirm_by_email_link(order, key)
        except services.OrderError as exc:
            status, error = 400, str(exc)
        else:
            messages.success(
                request,
                _(
                    "Votre inscription est confirmée. "
                    "Vos billets vous ont été envoyés par courriel."
                ),
            )
            return redirect(order.get_absolute_url())
    elif not order.hold_is_active:
        error = _(
            "Le délai pour confirmer cette inscription est écoulé et ses places ont été "
            "libérées. Inscrivez-vous de nouveau s'il en reste."
        )
    response = render(
        request,
        "orders/order_confirm_email.html",
        {"order": order, "error": error, "lines": order.lines.all()},
        status=status,
    )
    private_address(response)
    return response
