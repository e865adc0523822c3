"""Registration rules for activities; the money and the holds are orders' business."""

from django.db import transaction
from django.utils.translation import gettext as _

from orders import availability
from orders import services as orders
from orders.models import OrderState
from orders.services import OrderError, Selection

from .models import WaitingListEntry


def register(page, **kwargs):
    """Place the order for `tickets` [(ticket_type, quantity, amount_or_None)] on one date.

    Free registrations are confirmed at once (or, when the activity asks for it, once the
    buyer follows the link emailed to them); paid ones wait for Stripe. With an `offer` from
    the waiting list, the offered places are used (and stop being held by the offer).
    `client_key` names the visitor's connection, which may hold only so many places unpaid.
    With `invoice` ({school, school_board, email, purchase_order_number}), on an activity open
    to it, a paid order is billed by invoice instead of waiting for Stripe. A `gift` (a
    Selection from orders.gift) is one more line of the same order, paid by card only.

    An address that already holds an unpaid order for the date is refused, and that order's
    link is sent to the address once this transaction is over.
    """
    try:
        return _register(page, **kwargs)
    except orders.AlreadyHolding as exc:
        orders.remind_pending_order(exc.order)
        raise


@transaction.atomic
def _register(
    page,
    *,
    date_id,
    tickets,
    buyer_name,
    buyer_email,
    language,
    discount_code="",
    offer=None,
    answers=None,
    attendee_names=(),
    attendees=None,
    client_key="",
    member=False,
    invoice=None,
    gift=None,
    submission="",
):
    if invoice is not None and gift is not None:
        raise OrderError(_("Un don s'ajoute seulement à un paiement par carte."))
    if invoice is not None and not page.offers_invoice():
        raise OrderError(_("Le paiement sur facture n'est pas offert pour cette activité."))
    if not page.registration_open():
        raise OrderError(_("Les inscriptions à cette activité sont fermées."))
    if any(ticket.hidden_until_code for ticket, _q, _a in tickets) and not discount_code:
        raise OrderError(_("Ce tarif demande un code de rabais."))
    if any(ticket.members_only for ticket, _q, _a in tickets) and not member:
        raise OrderError(_("Ce tarif est réservé aux membres en règle."))
    try:
        wanted = int(date_id)
    except (TypeError, ValueError):
        wanted = None
    # From the dates the view read (events.views.register), or the database. Whether it is
    # still on sale is read again from the database under its places' lock (check_sale).
    date = next((d for d in page.dates.all() if d.pk == wanted), None)
    if date is None:
        raise OrderError(_("Cette date n'existe pas pour cette activité."))
    if not date.on_sale():
        raise OrderError(date.not_on_sale_reason())
    details = {"answers": answers} if answers else {}
    if offer is not None:
        # The date's places first, then the offer: the order every path takes them in.
        try:
            availability.lock([date.quota_id])
        except availability.Busy as exc:
            raise OrderError(str(exc)) from exc
        offer = WaitingListEntry.objects.select_for_update().get(pk=offer.pk)
        if not offer.offer_is_valid() or offer.date_id != date.pk:
            # Used by this very form, sent twice at once: its order.
            orders.check_submission(submission)
            raise OrderError(_("Cette offre de la liste d'attente n'est plus valable."))
        # The offered places stop being held by the offer and are taken by the order instead,
        # in this same transaction: if the order fails, the offer still holds them.
        offer.close(WaitingListEntry.State.USED)
    order = orders.place_order(
        kind="tickets",
        buyer_name=buyer_name,
        buyer_email=buyer_email,
        language=language,
        discount_code=discount_code,
        selections=selections_with_names(
            tickets,
            date,
            details,
            list(attendees) if attendees is not None else [{"name": n} for n in attendee_names],
        )
        + ([gift] if gift is not None else []),
        client_key=client_key,
        submission=submission,
    )
    # Nothing to pay (a code took it all): the free order goes its own way (confirmed, or by
    # the link emailed when the activity asks for it), with no invoice for 0 $.
    if invoice is not None and order.state == OrderState.PENDING and order.total > 0:
        # Billed to the school: places kept until paid or cancelled by staff, not for the
        # half-hour of a card payment (see schools.services.invoice_order).
        from .registry import invoicer

        invoicer().issue(order, contact_name=buyer_name, **invoice)
    return order


def selections_with_names(tickets, date, details, people):
    """One selection per ticket type for `date`; the people ({"name", "answers"}, one per
    ticket, in the form's order) are handed out in order: their names and answers go in the
    line's details (descriptive data only) and onto each attendee when the order is fulfilled."""
    selections = []
    for ticket, quantity, amount in tickets:
        mine, people = people[:quantity], people[quantity:]
        line_details = dict(details)
        names = [person.get("name", "") for person in mine]
        if any(names):
            line_details["attendees"] = names
        answers = [person.get("answers") or {} for person in mine]
        if any(answers):
            line_details["attendee_answers"] = answers
        selections.append(
            Selection(
                item=ticket,
                quantity=quantity,
                requested_price=amount,
                details=line_details,
                option=date,
            )
        )
    return selections
