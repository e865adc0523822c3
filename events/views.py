"""Thin views: read the form, call the service, send the buyer on."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cesiq_site import ratelimit
from cesiq_site.seo import private_address
from cesiq_site.validation import printable_or_empty, secret_or_empty
from orders import services as orders
from orders.views import go_on_with, submission_of

from . import registry, services
from .forms import RegistrationForm


def _offer(page, token):
    """The waiting-list offer in the link, if it is for this activity and still valid."""
    from .models import WaitingListEntry

    token = secret_or_empty(token)
    if not token:
        return None
    entry = (
        WaitingListEntry.objects.select_related("date")
        .filter(token=token, date__page_id=page.source.pk)
        .first()
    )
    return entry if entry and entry.offer_is_valid() else None


def typed_in(data):
    """What a visitor typed in a form sent back to them unchecked: its fields' values."""
    return {
        key: values if len(values) > 1 else values[0]
        for key, values in data.lists()
        if key not in ("csrfmiddlewaretoken", "appliquer", "tarifs_membre")
    }


def _member(request, page, code):
    """(is a member, the member code that says so or "") for this visitor: by their account,
    or by the code typed in the code box when it is not a discount code. Codes tried on an
    activity with a member price are rate-limited: (None, Limited) when over the limit."""
    from .models import usable_discount_code

    if registry.is_member_user(request.user):
        return True, ""
    if not code or not page.member_ticket_types() or usable_discount_code(code):
        return False, ""
    limited = ratelimit.hit(request, "member_code")
    if limited:
        return None, limited
    if registry.is_member_code(code):
        return True, code
    return False, ""


def _all_full(page):
    """Every date open to registration has no place left (one query), as the activity page
    says it (« Complet », the waiting list instead of « S'inscrire »)."""
    from orders.availability import usage

    dates = page.bookable_dates
    found = usage([date.quota_id for date in dates])
    return all(date.quota_id in found and found[date.quota_id].left <= 0 for date in dates)


def _holds_places(request, page):
    """Whether the address in a sent form holds unpaid places of this activity (a form sent
    twice, or again after going to Stripe)."""
    from orders.availability import pending_order_of

    email = request.POST.get("buyer_email", "") if request.method == "POST" else ""
    email = printable_or_empty(email, 254)  # the form says what is wrong with it
    if not email:
        return False
    return any(pending_order_of(date.quota_id, email) for date in page.bookable_dates)


def register(request, page):
    # The activity's dates, tickets and questions, read once: the checks, the form, its gift
    # and invoice fields and the page each ask for them again (events.models.EventPage).
    from .models import EventDate, taxes_extra

    prefetch_related_objects(
        [page.source],
        Prefetch("dates", queryset=EventDate.objects.select_related("quota")),
        "ticket_types",
        "questions",
    )
    if not page.registration_open():
        return TemplateResponse(request, "events/register_closed.html", {"page": page}, status=200)
    if request.method == "POST" and (refused := ratelimit.check(request, "posts")):
        return refused
    submission = submission_of(request) if request.method == "POST" else ""
    if earlier := orders.placed_by(submission):
        # This very form was sent before (a double click, the page sent again): its order.
        return go_on_with(request, earlier, placed_now=False)
    offer = _offer(page, request.POST.get("offre") or request.GET.get("offre"))
    if offer is None and _all_full(page) and not _holds_places(request, page):
        # Nothing to fill in: says so, with the waiting list, and holds no CSRF token, so
        # that the page cache serves it to everyone coming after the last place (a place
        # given back starts a new generation: the form is back on the next request). A form
        # sent after the last place went gets the same page, saying that nothing was held:
        # none of it could be bought, and checking and showing it again cost more than the
        # sale of a place. (Sent again by someone whose order holds places, it goes the
        # usual way: they are sent the link to pay or confirm it.)
        taken_meanwhile = request.method == "POST"
        return TemplateResponse(
            request,
            "events/register_full.html",
            {"page": page, "taken_meanwhile": taken_meanwhile},
            status=400 if taken_meanwhile else 200,
        )
    code = printable_or_empty(
        request.POST.get("discount_code") if request.method == "POST" else request.GET.get("code"),
        40,
    )
    if code and (refused := ratelimit.check(request, "codes")):
        return refused
    member, member_code = _member(request, page, code)
    if member is None:
        return ratelimit.too_many(request, member_code)
    # « Appliquer » on the code box, sent with the form by the page's script: the form comes
    # back with the code applied and everything typed kept, checked and held nothing yet. So
    # does a member's code typed in the form's own code field of a form shown without the
    # member prices (no script to apply it first): registered at once, it bought the tickets
    # chosen at the usual price without a word.
    pressed_apply = "appliquer" in request.POST
    member_code_sent_late = (
        request.method == "POST"
        and not pressed_apply
        and bool(member_code)
        and not request.POST.get("tarifs_membre")
    )
    applying = request.method == "POST" and (pressed_apply or member_code_sent_late)
    form = RegistrationForm(
        None if applying else (request.POST if request.method == "POST" else None),
        page=page,
        offer=offer,
        initial=typed_in(request.POST)
        if applying
        else {"discount_code": printable_or_empty(request.GET.get("code"), 40)},
        member=member,
        member_code=member_code,
    )
    if request.method == "POST" and not applying and form.is_valid():
        if refused := ratelimit.check(request, "register"):
            return refused
        data = form.cleaned_data
        try:
            order = services.register(
                page.source,
                date_id=data["date"],
                tickets=form.selections,
                buyer_name=data["buyer_name"],
                buyer_email=data["buyer_email"],
                discount_code=data["discount_code"],
                language=translation.get_language(),
                offer=offer,
                answers=form.answers(),
                attendees=form.attendees(form.wanted),
                client_key=ratelimit.client_key(request),
                member=member,
                invoice=form.invoice(),
                gift=form.gift_selection() if form.gift_offer else None,
                submission=submission,
            )
        except orders.AlreadyPlaced as exc:
            return go_on_with(request, exc.order, placed_now=False)
        except orders.OrderError as exc:
            form.add_error(None, str(exc))
        else:
            if form.pays_by_invoice and order.total > 0:
                messages.success(
                    request,
                    _(
                        "Votre inscription est confirmée et vos places sont gardées. La facture "
                        "a été envoyée à %(email)s ; vous pouvez aussi la télécharger ci-dessous."
                    )
                    % {"email": form.cleaned_data["invoice_email"]},
                )
                return redirect(order.get_absolute_url())
            return go_on_with(request, order)
    status = 400 if request.method == "POST" and not applying else 200
    context = {
        "page": page,
        "form": form,
        "taxes_extra": taxes_extra(form.ticket_types),
        "member_code_sent_late": member_code_sent_late,
    }
    if (request.method != "POST" or applying) and code:
        # What the code box's « Appliquer » did, said at once (not at the final submit).
        from .models import usable_discount_code

        context["code_applied"] = code
        discount = usable_discount_code(code)
        context["code_known"] = bool(member_code) or discount is not None
        # What it takes off, said now: the prices shown are before it (Stripe's page was the
        # first to show it).
        context["code_reduction"] = discount.reduction() if discount else ""
        if not context["code_known"] and not page.member_ticket_types():
            # A member's code on an activity without a member price: said as such, not as
            # a wrong code (codes are rate-limited above, like any code).
            context["member_code_without_price"] = registry.is_member_code(code)
    response = TemplateResponse(request, "events/register.html", context, status=status)
    if offer is not None or code:
        # A waiting-list offer's form is for the person offered, for as long as the offer is
        # open; a code's (a discount, a member's prices) for as long as the code is good:
        # never stored by the page cache (nothing announces their use to the cache).
        patch_cache_control(response, private=True, no_store=True)
    return response


def ticket(request, code):
    """One attendee's ticket with its QR code. The code is unguessable: it is the key."""
    from django.shortcuts import get_object_or_404

    from .models import Attendee
    from .tickets import qr_svg

    attendee = get_object_or_404(
        Attendee.objects.select_related("date", "ticket_type", "order_line__order"),
        ticket_code=code,
    )
    page = attendee.date.page.localized.specific
    response = TemplateResponse(
        request,
        "events/ticket.html",
        {
            "attendee": attendee,
            "activity": page,
            "order": attendee.order_line.order,
            "qr_svg": qr_svg(attendee.ticket_code),
            "private_address": True,  # the attendee's alone: nothing keyed on it is kept
        },
    )
    private_address(response)
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def cancel_own_ticket(request, code, token, ticket):
    """The buyer cancels one ticket of their order (one of two friends cannot come): a page
    that says what it gives back, then the cancellation on POST. The order's link is the key,
    as for cancelling the whole order."""
    from django.http import Http404

    from orders.money import format_cad
    from orders.views import order_from_link

    from . import staff
    from .models import Attendee

    order = order_from_link(code, token, lines=False)
    attendee = (
        Attendee.objects.select_related("date", "ticket_type", "order_line")
        .filter(ticket_code=ticket, order_line__order=order)
        .first()
    )
    if attendee is None:
        raise Http404
    if attendee.cancelled_at:
        messages.info(request, _("Ce billet est déjà annulé."))
        return redirect(order.get_absolute_url())
    if not staff.buyer_may_cancel_tickets(order):
        messages.error(request, _("Ce billet ne peut plus être annulé en ligne."))
        return redirect(order.get_absolute_url())
    if request.method == "POST":
        try:
            refund, _emailed = staff.cancel_own_ticket(order, attendee)
        except orders.OrderError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Le billet est annulé et sa place libérée. Un courriel vous l'a confirmé.")
                if refund is None
                else _(
                    "Le billet est annulé et sa place libérée. %(amount)s vous sera remboursé "
                    "sur votre carte ; un courriel vous l'a confirmé."
                )
                % {"amount": format_cad(refund.amount, translation.get_language() or "fr")},
            )
        return redirect(order.get_absolute_url())
    page = attendee.date.page.localized.specific
    response = TemplateResponse(
        request,
        "events/ticket_cancel.html",
        {
            "order": order,
            "attendee": attendee,
            "activity": page,
            "refund": staff.ticket_refund(attendee),
            "paid_by_hand": staff.paid_by_hand(order),
            "private_address": True,
        },
    )
    private_address(response)
    return response


def join_waiting_list(request, page):
    from .forms import WaitingListForm
    from .waiting_list import join

    if request.method == "POST" and (refused := ratelimit.check(request, "posts")):
        return refused
    chosen = request.GET.get("date")
    form = WaitingListForm(
        request.POST if request.method == "POST" else None,
        page=page,
        initial={"date": chosen} if chosen else None,
    )
    if request.method == "POST" and form.is_valid():
        if refused := ratelimit.check(request, "waiting_list"):
            return refused
        data = form.cleaned_data
        try:
            join(
                form.dates[data["date"]],
                name=data["name"],
                email=data["email"],
                places=data["places"],
                language=translation.get_language(),
            )
        except orders.OrderError as exc:
            form.add_error(None, str(exc))
        else:
            return TemplateResponse(
                request, "events/waiting_list_joined.html", {"page": page, "places": data["places"]}
            )
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request, "events/waiting_list.html", {"page": page, "form": form}, status=status
    )


def leave_waiting_list(request, token):
    from django.shortcuts import get_object_or_404

    from .models import WaitingListEntry

    entry = get_object_or_404(WaitingListEntry, token=token)
    page = entry.date.page.localized.specific
    if request.method == "POST" and entry.state in (
        WaitingListEntry.State.WAITING,
        WaitingListEntry.State.OFFERED,
    ):
        entry.close(WaitingListEntry.State.CANCELLED)
        from .waiting_list import offer_waiting_list

        # An offer given back goes to the next person in line.
        date_id = entry.date_id
        transaction.on_commit(lambda: offer_waiting_list.delay(date_id), robust=True)
    return TemplateResponse(
        request, "events/waiting_list_leave.html", {"entry": entry, "page": page}
    )
