"""Staff actions on one activity date: cancel it or postpone it, or cancel one ticket.

Cancelling goes through `orders.services.cancel_order` for every registration, exactly as a
buyer's own cancellation does (places released, payment refunded through Stripe after commit),
then tells each registrant why. Postponing keeps every registration and tells each registrant
the new date, with a link to their order page where they may still cancel.

Both are safe to run twice: each email has a key (the outbox queues it once), and a cancelled
order is no longer a registration, so a second run finds nothing left to do.
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders import availability, services
from orders.models import Order, OrderState, OutboxEmail, PaymentState, Refund
from orders.outbox import queue_email
from orders.services import OrderError

from .models import Attendee, EventDate, EventStatus, WaitingListEntry
from .tickets import attachment_name, calendar, vevent

logger = logging.getLogger(__name__)

MESSAGE_MAX_LENGTH = 2000


@dataclass
class DateOutcome:
    """What a staff action did, for the confirmation message."""

    orders: int = 0
    refunded: Decimal = Decimal("0.00")
    emailed: int = 0
    waiting_list: int = 0
    failed: list = field(default_factory=list)  # codes of orders that could not be changed


# --- who is registered --------------------------------------------------------------------------


def date_registrations(date, now=None):
    """The orders that hold places on `date`: paid (or refunded but not cancelled) orders with
    attendees still registered there, and pending orders whose hold is still running."""
    now = now or timezone.now()
    confirmed = Attendee.objects.filter(
        date=date,
        cancelled_at__isnull=True,
        order_line__order__state__in=[OrderState.PAID, OrderState.REFUNDED],
    ).values("order_line__order")
    holding = (
        date.lines()
        .filter(order__state=OrderState.PENDING, order__expires_at__gt=now)
        .values("order")
    )
    return Order.objects.filter(Q(pk__in=confirmed) | Q(pk__in=holding)).order_by(
        "created_at", "pk"
    )


def date_holds(date, now=None):
    """Who keeps places on `date` without having paid (or confirmed by email) yet: one row per
    pending order whose hold runs, the soonest to expire first. Counted by orders.availability,
    like every place."""
    now = now or timezone.now()
    return [
        {
            "order": order,
            "code": order.code,
            "email": order.buyer_email,
            "name": order.buyer_name,
            "places": places,
            "expires_at": order.expires_at,
            "waiting_for": _("confirmation par courriel") if order.total == 0 else _("paiement"),
        }
        for order, places in availability.holds([date.quota_id], now)
    ]


def lines_of_date_only(date, order):
    """This date's lines of a paid order that holds more (places on another date, goods),
    which cancelling the date gives back alone; None when cancelling the date cancels the
    whole order (a pending one, or one whose other lines hold nothing: a gift goes with it)."""
    if order.state not in (OrderState.PAID, OrderState.REFUNDED):
        return None
    here = set(date.lines().filter(order=order).values_list("pk", flat=True))
    holding = order.lines.exclude(pk__in=here).filter(quotas__isnull=False).distinct()
    if not any(line.returned_quantity < line.quantity for line in holding):
        return None
    return list(order.lines.filter(pk__in=here).select_related("content_type"))


def date_refund(date, order):
    """What cancelling `date` gives back of `order`: its tickets of that date alone when the
    order holds more (`lines_of_date_only`), else all that cancelling the order refunds."""
    lines = lines_of_date_only(date, order)
    if lines is None:
        return order.refundable_on_cancel
    everything = list(order.lines.select_related("content_type"))
    chosen = {line.pk for line in lines}
    total = Decimal("0.00")
    for line in (line for line in everything if line.pk in chosen):
        left = line.quantity - line.returned_quantity
        if left > 0:
            total += services.line_return_amount(order, line, left, everything)
            line.returned_quantity += left  # in memory: the next line's share follows it
    return total


def date_summary(date, now=None):
    """What the staff page shows about a date before they act on it."""
    now = now or timezone.now()
    registrations = date_registrations(date, now)
    to_refund = sum((date_refund(date, order) for order in registrations), Decimal("0.00"))
    return {
        "date": date,
        "seats_taken": date.usage(now).taken,
        "orders": registrations.count(),
        "people": Attendee.objects.filter(date=date, cancelled_at__isnull=True).count(),
        "to_refund": to_refund,
        "waiting": date.waiting_list.filter(
            state__in=[WaitingListEntry.State.WAITING, WaitingListEntry.State.OFFERED]
        ).aggregate(n=Sum("places"))["n"]
        or 0,
        "past": date.end <= now,
        "holds": date_holds(date, now),
        "status": date.get_status_display(),
        "cancelled": date.status == EventStatus.CANCELLED,
    }


# --- cancelling ---------------------------------------------------------------------------------


def cancel_date(date, *, user, message, now=None):
    """Cancel one date: its sales stop, every registration is cancelled and what was paid
    refunded in full, and every registrant and person waiting is told, in their language.

    One order per transaction: a Stripe failure on one refund never blocks the others (the
    refund is recorded and retried; a failed one flags its order for staff).
    """
    message = _clean_message(message)
    now = now or timezone.now()
    outcome = DateOutcome()

    # Stop new registrations and waiting-list joins first, so that nobody takes a place while
    # we cancel the others. The status is what the site shows and refuses on; the places go
    # to 0 as well, so nothing that counts places alone can sell one.
    with transaction.atomic():
        # The date's places first, as buyers take them: a registration in progress finishes
        # (and is then cancelled below), a later one sees the date cancelled.
        try:
            availability.lock([date.quota_id])
        except availability.Busy as exc:
            raise OrderError(str(exc)) from exc
        date = EventDate.objects.select_for_update().select_related("page").get(pk=date.pk)
        if date.status != EventStatus.CANCELLED or date.capacity:
            date.status = EventStatus.CANCELLED
            date.capacity = 0
            date.save(update_fields=["status", "capacity"])
            _update_revisions(date, status=date.status, capacity=0, sequence=date.sequence)

    for order in date_registrations(date, now):
        try:
            refunded, emailed = _cancel_registration(date, order, user=user, message=message)
        except OrderError as exc:
            logger.warning("cancel date %s: order %s not cancelled: %s", date.pk, order.code, exc)
            outcome.failed.append(order.code)
            continue
        outcome.orders += 1
        outcome.refunded += refunded
        outcome.emailed += emailed

    _flag_handovers(date)

    with transaction.atomic():
        entries = WaitingListEntry.objects.select_for_update().filter(
            date=date,
            state__in=[WaitingListEntry.State.WAITING, WaitingListEntry.State.OFFERED],
        )
        for entry in entries:
            entry.close(WaitingListEntry.State.CANCELLED)
            outcome.waiting_list += 1
            outcome.emailed += _email_waiting_list(date, entry, message)
    return outcome


def _flag_handovers(date):
    """What was to be handed over at the cancelled date's door (shop orders to pick up there,
    `registry.handovers`): each order is flagged for staff to arrange another way, once."""
    from .registry import handovers_for

    codes = {item.code for _label, items in handovers_for(date) for item in items}
    for order in Order.objects.filter(code__in=codes):
        with transaction.atomic():
            order = services.lock(order)
            note = handover_flag(date)
            if note not in order.attention:
                services.flag(order, note)


def handover_flag(date):
    """What an order to be handed over at `date`'s door is flagged with when the date is
    cancelled (in the language of whoever cancelled it; its time in the site's time zone,
    whatever the staff member's own: `flagged_for_handover` finds it again)."""
    with timezone.override(settings.TIME_ZONE):
        return _(
            "Date du %(date)s annulée : ce qui devait être remis à son accueil ne l'a pas "
            "été ; convenez d'une autre remise avec la personne."
        ) % {"date": _when(date.start)}


def flagged_for_handover(order, date):
    """Whether `order` is flagged because `date`, where something was to be handed over to
    its buyer, was cancelled (and not for something else since: a dispute, a refund)."""
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            if order.attention and order.attention == handover_flag(date)[:200]:
                return True
    return False


def _cancel_registration(date, order, *, user, message):
    """Cancel and refund one order, and tell its buyer; returns (amount refunded, emails).
    A paid order that holds more than this date (products, another date's tickets) keeps
    the rest: only this date's tickets are cancelled and refunded (`_cancel_date_lines`)."""
    with transaction.atomic():
        order = services.lock(order)
        with translation.override(order.language):  # the refund's reason is the buyer's
            reason = _("Date annulée par l'équipe : %(date)s") % {"date": _when(date.start)}
        lines = lines_of_date_only(date, order)
        if lines is not None:
            return _cancel_date_lines(date, order, lines, user, message, reason)
        before = set(order.refunds.values_list("pk", flat=True))
        # An invoice paid by cheque or transfer cannot be refunded through Stripe: the order
        # is cancelled all the same (tickets void, places released) and flagged for staff to
        # send the money back by hand (`record_manual_refund`).
        by_hand = paid_by_hand(order)
        services.cancel_order(order, user=user, reason=reason, refund=not by_hand, notify=False)
        refunded = sum(
            order.refunds.exclude(pk__in=before).values_list("amount", flat=True),
            Decimal("0.00"),
        )
        manual_refund = Decimal("0.00")
        if by_hand:
            manual_refund = order.refundable_on_cancel - services.pending_refunds(order)
            if manual_refund > 0:
                services.flag(
                    order,
                    _("Date annulée : rembourser %(amount)s à la main (chèque ou virement).")
                    % {"amount": services.staff_cad(manual_refund)},
                )
        emailed = _date_cancelled(date, order, user, message, refunded, manual_refund)
    # cancel_order also closed any open Checkout page (after commit).
    return refunded, emailed


def _date_cancelled(date, order, user, message, refunded, manual_refund, **context):
    """The order's history and the buyer's email once its registration for `date` is
    cancelled; returns the emails queued."""
    services.log(order, "date_cancelled", message, user=user, date=date.pk)
    return _email_registrant(
        date,
        order,
        key=f"date_cancelled:{date.pk}:{order.code}",
        template="events/email/date_cancelled",
        subject=gettext_lazy("Activité annulée : %(title)s"),
        message=message,
        calendar_file=True,
        refunded=refunded,
        manual_refund=manual_refund,
        **context,
    )


def _cancel_date_lines(date, order, lines, user, message, reason):
    """`_cancel_registration` for an order that holds more than this date, under its lock:
    this date's tickets are cancelled and their lines given back (refunded with their taxes,
    or flagged to be paid back by hand), the rest of the order is kept."""
    now = timezone.now()
    by_hand = paid_by_hand(order)
    refunded = manual_refund = Decimal("0.00")
    for line in lines:
        left = line.quantity - line.returned_quantity
        if left <= 0:
            continue
        Attendee.objects.filter(order_line=line, date=date, cancelled_at__isnull=True).update(
            cancelled_at=now
        )
        share = services.line_return_amount(order, line, left)
        refund = services.refund_line(
            order,
            line,
            left,
            reason=reason,
            user=user,
            by_hand=by_hand,
            refund_reason=reason,
            logged=False,  # « Date annulée » below
        )
        refunded += refund.amount if refund else Decimal("0.00")
        manual_refund += share if by_hand else Decimal("0.00")
    emailed = _date_cancelled(date, order, user, message, refunded, manual_refund, rest_kept=True)
    return refunded, emailed


# --- one ticket -------------------------------------------------------------------------------


REASON_MAX_LENGTH = 300


def ticket_refund(attendee):
    """What cancelling this ticket gives back to the buyer: its share of the line, its taxes
    (and whatever is left of the order when it is the order's last thing)."""
    line = attendee.order_line
    order = line.order
    if order.state not in (OrderState.PAID, OrderState.REFUNDED):
        return Decimal("0.00")
    return services.line_return_amount(order, line, 1)


def paid_by_hand(order):
    """An invoice paid by cheque or transfer: Stripe cannot give that money back."""
    paid = order.payments.filter(state=PaymentState.PAID)
    return paid.exclude(provider=services.STRIPE).exists()


def cancel_ticket(attendee, *, user, reason, refund=True, now=None, by_buyer=False):
    """Staff cancel one ticket of a confirmed order (the person cannot come, a duplicate):
    the ticket stops being valid at the door, its place goes back on sale (and to the
    waiting list), its share is refunded unless `refund` is False (through Stripe; for an
    order paid by cheque or transfer, the order is flagged for staff to send it back by
    hand), and the buyer is told. The order's other tickets stay as they are. Returns
    (refund or None, emailed). `by_buyer`: the buyer cancels it (`cancel_own_ticket`)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(_("Indiquez le motif de l'annulation."))
    if len(reason) > REASON_MAX_LENGTH:
        raise OrderError(
            _("Le motif est trop long (%(max)s caractères au plus).") % {"max": REASON_MAX_LENGTH}
        )
    with transaction.atomic():
        # The order's lock first, as every change to an order takes it.
        order = services.lock(attendee.order_line.order)
        attendee = (
            Attendee.objects.select_for_update(of=("self",))
            .select_related("order_line", "date__page", "ticket_type")
            .get(pk=attendee.pk)
        )
        if attendee.cancelled_at or order.state == OrderState.CANCELLED:
            raise OrderError(_("Ce billet est déjà annulé."))
        if by_buyer and not Attendee.several_valid(order):
            # Checked under the order's lock: two tabs cancelling the last two tickets at once
            # would otherwise leave a paid order with none.
            raise OrderError(LAST_TICKET)
        if order.state not in (OrderState.PAID, OrderState.REFUNDED):
            raise OrderError(
                _(
                    "Seuls les billets d'une commande confirmée s'annulent un à un : une "
                    "commande en attente se gère depuis sa page."
                )
            )
        if attendee.checked_in_at:
            raise OrderError(
                _(
                    "Cette personne est déjà entrée : son billet ne s'annule plus (un geste se "
                    "fait par un remboursement de la commande)."
                )
            )
        if attendee.date.end <= now:
            raise OrderError(
                _(
                    "Cette date est passée : ses billets ne s'annulent plus (un geste se fait "
                    "par un remboursement de la commande)."
                )
            )
        attendee.cancelled_at = now
        attendee.save(update_fields=["cancelled_at"])
        line, date = attendee.order_line, attendee.date
        ticket = attendee.name or attendee.ticket_type.label
        kept_before = order.kept_amount
        by_hand = refund and paid_by_hand(order)
        share = services.line_return_amount(order, line, 1)  # refunded, by hand or kept
        manual_refund = share if by_hand else 0
        with translation.override(order.language):  # the refund's reason is the buyer's
            refund_reason = _("Billet annulé (%(ticket)s, %(date)s) : %(reason)s") % {
                "ticket": ticket,
                "date": _when(date.start),
                "reason": reason,
            }
        refunded = services.refund_line(
            order,
            line,
            1,
            reason=f"{ticket} — {reason}",
            user=user,
            pay_back=refund,
            by_hand=by_hand,
            refund_reason=refund_reason,
            source=Refund.Source.BUYER if by_buyer else Refund.Source.STAFF,
            logged=False,  # « Billet annulé » below, not « Articles retournés »
        )
        order.refresh_from_db(fields=["kept_amount"])
        services.log(
            order,
            "ticket_cancelled",
            f"{attendee.ticket_code} — {ticket} — {reason}",
            user=user,
            attendee=attendee.pk,
            line=line.pk,
            quantity=1,
            amount=str(share),
            refund=refunded.pk if refunded else None,
            kept=not refund,
        )
        emailed = _email_registrant(
            date,
            order,
            key=f"ticket_cancelled:{attendee.ticket_code}",
            template="events/email/ticket_cancelled",
            subject=gettext_lazy("Billet annulé : %(title)s"),
            message=reason,
            attendee=attendee,
            refunded=refunded.amount if refunded else Decimal("0.00"),
            kept=order.kept_amount - kept_before,
            manual_refund=manual_refund,
            others=Attendee.objects.filter(
                order_line__order=order, cancelled_at__isnull=True
            ).exists(),
            by_buyer=by_buyer,
        )
    return refunded, emailed


LAST_TICKET = gettext_lazy(
    "C'est le dernier billet de la commande : pour ne plus venir, annulez la commande."
)


def buyer_may_cancel_tickets(order, now=None):
    """The buyer may cancel their tickets one at a time (one of two friends cannot come)
    while they may cancel the whole order, once it is paid, and while it has two tickets or
    more still valid: its last one goes with the order (« Annuler la commande »)."""
    return (
        order.state == OrderState.PAID
        and services.buyer_can_cancel(order, now)
        and Attendee.several_valid(order)
    )


def cancel_own_ticket(order, attendee, now=None):
    """The buyer cancels one ticket of their order from the order's page: as staff would
    (`cancel_ticket`), its share refunded, the buyer told; refused when the order may no
    longer be cancelled online or it is the order's last valid ticket."""
    now = now or timezone.now()
    if attendee.order_line.order_id != order.pk:
        raise OrderError(_("Ce billet n'appartient pas à cette commande."))
    if attendee.cancelled_at:
        raise OrderError(_("Ce billet est déjà annulé."))
    if order.state != OrderState.PAID or not services.buyer_can_cancel(order, now):
        raise OrderError(_("Ce billet ne peut plus être annulé en ligne."))
    with translation.override(order.language):  # the buyer reads it in the email
        reason = _("Annulé à votre demande")
    return cancel_ticket(attendee, user=None, reason=reason, now=now, by_buyer=True)


# --- postponing ---------------------------------------------------------------------------------


def postpone_date(date, *, user, message, new_start=None, new_end=None, now=None):
    """Postpone one date: registrations are kept (no refund), the date moves if a new one is
    known, and every registrant is told, with a link to their order page where they may
    still cancel."""
    message = _clean_message(message)
    now = now or timezone.now()
    if new_end and not new_start:
        raise OrderError(_("Indiquez aussi le nouveau début."))
    outcome = DateOutcome()
    with transaction.atomic():
        date = EventDate.objects.select_for_update().select_related("page").get(pk=date.pk)
        if date.status == EventStatus.CANCELLED:
            raise OrderError(_("Cette date est annulée : elle ne peut plus être reportée."))
        previous_start = date.start
        if new_start:
            new_end = new_end or new_start + (date.end - date.start)
            if new_start <= now:
                raise OrderError(_("La nouvelle date doit être dans le futur."))
            if new_end <= new_start:
                raise OrderError(_("La fin doit venir après le début."))
            twin = EventDate.objects.filter(page_id=date.page_id, start=new_start)
            if twin.exclude(pk=date.pk).exclude(status=EventStatus.CANCELLED).exists():
                raise OrderError(
                    _(
                        "Une autre date de l'activité commence déjà à cette heure : "
                        "choisissez-en une autre."
                    )
                )
            # Moved to a known date: on sale again there (schema.org calls it rescheduled).
            date.previous_start = date.previous_start or previous_start
            date.start, date.end = new_start, new_end
            date.status = EventStatus.SCHEDULED
        else:
            # No new date yet: not on sale, waiting list paused, calendars say "tentative".
            date.status = EventStatus.POSTPONED
        date.save(update_fields=["start", "end", "status", "previous_start"])
        _update_revisions(
            date,
            start=date.start,
            end=date.end,
            status=date.status,
            previous_start=date.previous_start,
            sequence=date.sequence,
        )

    when = new_start.isoformat() if new_start else "tbd"
    for order in date_registrations(date, now):
        with transaction.atomic():
            order = services.lock(order)
            emailed = _email_registrant(
                date,
                order,
                # With the date's sequence: postponed « à venir », then to a date, then « à
                # venir » again is three postponements, each told (the key repeated before).
                key=f"date_postponed:{date.pk}:{order.code}:{when}:{date.sequence}",
                template="events/email/date_postponed",
                subject=gettext_lazy("Activité reportée : %(title)s"),
                message=message,
                calendar_file=True,
                previous_start=previous_start,
                new_start=new_start,
                new_end=new_end,
                # Not promised when the new date is nearer than the activity's notice.
                can_cancel=services.buyer_can_cancel(order, now),
            )
            if emailed:
                services.log(
                    order,
                    "date_postponed",
                    message,
                    user=user,
                    date=date.pk,
                    previous_start=previous_start.isoformat(),
                    new_start=new_start.isoformat() if new_start else None,
                )
        outcome.orders += 1
        outcome.emailed += emailed
    return outcome


# --- helpers ------------------------------------------------------------------------------------


def _clean_message(message):
    message = (message or "").strip()
    if not message:
        raise OrderError(_("Écrivez un message aux personnes inscrites."))
    if len(message) > MESSAGE_MAX_LENGTH:
        raise OrderError(
            _("Le message est trop long (%(max)s caractères au plus).")
            % {"max": MESSAGE_MAX_LENGTH}
        )
    return message


def _when(value):
    from django.utils.formats import date_format

    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _queue_once(key, **kwargs):
    """Queue an email unless its key already was; True when this call queued it."""
    if OutboxEmail.objects.filter(key=key).exists():
        return False
    queue_email(key=key, **kwargs)
    return True


def _email_registrant(
    date, order, *, key, template, subject, message, calendar_file=False, **context
):
    """`calendar_file`: the date's .ics as it is now attached (the one the confirmation
    carried, same UID, a higher SEQUENCE): calendars that imported it move the event, mark it
    tentative or cancel it."""
    page = date.page.specific
    attachments = []
    with translation.override(order.language):
        shown = page.localized.specific
        title = shown.title
        order_url = settings.WAGTAILADMIN_BASE_URL + order.get_absolute_url()
        page_url = settings.WAGTAILADMIN_BASE_URL + shown.url
        if calendar_file:
            ics = calendar(
                [vevent(shown, date, url=page_url, online_link=page.online_link)],
                name=title,
            )
            name = attachment_name("calendar", date.pk, order.language)
            attachments.append((name, ics, "text/calendar", None))
    return _queue_once(
        key,
        to=order.buyer_email,
        language=order.language,
        template=template,
        context={
            "name": order.buyer_name,
            "order": order,
            "page": shown,
            "page_url": page_url,
            "date": date,
            "message": message,
            "order_url": order_url,
            "site_url": settings.WAGTAILADMIN_BASE_URL,
            **context,
        },
        subject=lambda: subject % {"title": title},
        order=order,
        attachments=attachments,
    )


def _email_waiting_list(date, entry, message):
    page = date.page.specific
    with translation.override(entry.language):
        shown = page.localized.specific
        title = shown.title
        page_url = settings.WAGTAILADMIN_BASE_URL + shown.url
    return _queue_once(
        f"date_cancelled_wl:{date.pk}:{entry.token}",
        to=entry.email,
        language=entry.language,
        template="events/email/date_cancelled",
        context={
            "name": entry.name,
            "entry": entry,
            "page": shown,
            "page_url": page_url,
            "date": date,
            "message": message,
            "site_url": settings.WAGTAILADMIN_BASE_URL,
        },
        subject=lambda: gettext_lazy("Activité annulée : %(title)s") % {"title": title},
    )


def _update_revisions(date, **values):
    """Write the change into the page's live and latest revisions too, or the next time an
    editor publishes the page, Wagtail would write back the old start, end or capacity."""
    encoder = DjangoJSONEncoder()
    serialized = {
        name: encoder.default(value.astimezone(UTC)) if hasattr(value, "astimezone") else value
        for name, value in values.items()
    }
    page = date.page
    revision_ids = {page.live_revision_id, page.latest_revision_id} - {None}
    from wagtail.models import Revision

    for revision in Revision.objects.filter(pk__in=revision_ids):
        changed = False
        for row in revision.content.get("dates") or []:
            if row.get("pk") == date.pk:
                row.update(serialized)
                changed = True
        if changed:
            revision.save(update_fields=["content"])
