"""Checking people in at the door, and what staff see about the people registered on a date.

A check-in is one conditional UPDATE (`checked_in_at IS NULL AND cancelled_at IS NULL`): when
two scanners read the same ticket at once, the database lets only one of them change the row,
and the other is told the ticket was already used, with the time. No lock is held while a
phone waits on the network.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cesiq_site.validation import has_control_characters, id_or_none
from orders import services
from orders.models import Order, OrderState, OutboxEmail
from orders.outbox import queue_email
from search.text import fold

from .models import Attendee, CheckInScan, EventDate, WaitingListEntry

CONFIRMED = [OrderState.PAID, OrderState.REFUNDED]  # a refund (a gesture) keeps the places
# Who may come in: attendees of a confirmed order, and of an order valid before its payment (a
# school group's places billed by invoice: its lines were made final while it is pending,
# orders.services.fulfil_before_payment).
VALID = Q(order_line__order__state__in=CONFIRMED) | Q(
    order_line__order__state=OrderState.PENDING, order_line__fulfilled=True
)
# Shown in lists and on phones: the valid ones, and the cancelled ones (marked, refused).
SHOWN = VALID | Q(order_line__order__state=OrderState.CANCELLED)


def is_valid(attendee):
    """Whether `attendee`'s order lets them in (see VALID); cancelled tickets are not."""
    line = attendee.order_line
    state = line.order.state
    return not attendee.cancelled_at and (
        state in CONFIRMED or (state == OrderState.PENDING and line.fulfilled)
    )


SEARCH_LIMIT = 30


@dataclass
class CheckInResult:
    """What the door shows after a scan: "ok", "already", "wrong_date", "cancelled" or
    "unknown"; `at` is when the person came in, `right_date` the date the ticket is for."""

    status: str
    attendee: Attendee | None = None
    at: datetime | None = None
    right_date: EventDate | None = None

    @property
    def ok(self):
        return self.status == "ok"


def attendee_name(attendee):
    """The name on the ticket, or the buyer's when the buyer gave no names."""
    return attendee.name or attendee.order_line.order.buyer_name


def _attendees():
    return Attendee.objects.select_related("order_line__order", "ticket_type", "date__page")


def find_attendee(pk, date=None):
    """One attendee with what the door shows about them (order, ticket type, date and page),
    or None; only among `date`'s attendees when given. `pk` may come from a form: anything but
    a number finds nobody."""
    pk = id_or_none(pk)
    if pk is None:
        return None
    attendees = _attendees().filter(pk=pk)
    if date is not None:
        attendees = attendees.filter(date=date)
    return attendees.first()


def ticket_codes(typed):
    """The codes a typed one may be: as typed (older codes, in base 64, have capitals), and in
    lower case (today's codes are, and a phone's keyboard or a reader may give capitals)."""
    typed = (typed or "").strip()
    if has_control_characters(typed) or len(typed) > 64:
        return []  # no ticket's (PostgreSQL refuses a NUL byte in a query outright)
    return list(dict.fromkeys([typed, typed.lower()])) if typed else []


def check_in(date, code, *, user, now=None):
    """Let the holder of ticket `code` in to `date`, once."""
    now = now or timezone.now()
    codes = ticket_codes(code)
    found = {a.ticket_code: a for a in _attendees().filter(ticket_code__in=codes)}
    attendee = next((found[c] for c in codes if c in found), None)  # as typed first
    if attendee is None:
        return CheckInResult("unknown")
    if not is_valid(attendee):
        return CheckInResult("cancelled", attendee)
    if attendee.date_id != date.pk:
        return CheckInResult("wrong_date", attendee, right_date=attendee.date)
    with transaction.atomic():
        updated = Attendee.objects.filter(
            pk=attendee.pk, checked_in_at__isnull=True, cancelled_at__isnull=True
        ).update(checked_in_at=now)
        if updated:
            attendee.checked_in_at = now
            services.log(
                attendee.order_line.order,
                "checked_in",
                attendee_name(attendee),
                user=user,
                attendee=attendee.pk,
                date=date.pk,
            )
            return CheckInResult("ok", attendee, at=now)
    attendee.refresh_from_db(fields=["checked_in_at", "cancelled_at"])
    if attendee.cancelled_at:
        return CheckInResult("cancelled", attendee)
    return CheckInResult("already", attendee, at=attendee.checked_in_at)


def undo_check_in(attendee, user):
    """Take back a check-in made by mistake; True when there was one to take back."""
    with transaction.atomic():
        updated = Attendee.objects.filter(pk=attendee.pk, checked_in_at__isnull=False).update(
            checked_in_at=None
        )
        if updated:
            attendee.checked_in_at = None
            services.log(
                attendee.order_line.order,
                "check_in_undone",
                attendee_name(attendee),
                user=user,
                attendee=attendee.pk,
                date=attendee.date_id,
            )
    return bool(updated)


def search(date, query):
    """Attendees of `date` whose name, buyer's name or email (or ticket code) matches, case
    and accents aside. Compared here rather than by the database: SQLite (the demo) folds
    neither, and one date's attendees are a few hundred rows at most."""
    query = (query or "").strip()
    if not query:
        return []
    # Without case or accents (search.text.fold): « chloe » finds « Chloé ».
    wanted, codes = fold(query), ticket_codes(query)
    found = [
        attendee
        for attendee in _attendees().filter(SHOWN, date=date)
        if attendee.ticket_code in codes
        or any(
            wanted in fold(text)
            for text in (
                attendee.name,
                attendee.order_line.order.buyer_name,
                attendee.order_line.order.buyer_email,
            )
        )
    ]
    return sorted(found, key=lambda a: fold(attendee_name(a)))[:SEARCH_LIMIT]


def expected(date):
    """The people who may come in: confirmed and not cancelled."""
    return Attendee.objects.filter(VALID, date=date, cancelled_at__isnull=True)


def counts(date):
    """How many came in, out of how many expected."""
    people = expected(date)
    return {
        "checked_in": people.filter(checked_in_at__isnull=False).count(),
        "expected": people.count(),
    }


# --- a phone without signal: the date's tickets cached on it, its scans sent back later -----------

MAX_SCANS_PER_SYNC = 500
MAX_SCAN_AGE = timedelta(days=2)


class BadScans(ValueError):
    """A sync the server refuses as a whole (nothing applied); the message is for staff."""


def offline_tickets(date):
    """What a phone keeps to check people in without signal: every ticket of `date` that may
    come in, and the cancelled ones (so that a phone refuses them too)."""
    rows = _attendees().filter(SHOWN, date=date)
    tickets = []
    for attendee in rows.order_by("pk"):
        cancelled = not is_valid(attendee)
        tickets.append(
            {
                "code": attendee.ticket_code,
                "name": attendee_name(attendee),
                "buyer": attendee.order_line.order.buyer_name,
                "ticket_type": attendee.ticket_type.label,
                "checked_in_at": (
                    attendee.checked_in_at.isoformat() if attendee.checked_in_at else None
                ),
                "cancelled": cancelled,
            }
        )
    return {
        "date": date.pk,
        "generated_at": timezone.now().isoformat(),
        "counts": counts(date),
        "tickets": tickets,
    }


def _text(value, limit):
    """A short text of a phone's sync, or "" (refused by the caller) when it is no text or
    holds control characters."""
    if not isinstance(value, str) or has_control_characters(value):
        return ""
    return value.strip()[:limit]


def _parse_scans(payload, now):
    """The scans of a sync, checked before any is applied: one bad scan refuses the sync."""
    if not isinstance(payload, dict) or not isinstance(payload.get("scans"), list):
        raise BadScans(_("Envoi illisible : une liste « scans » est attendue."))
    raw = payload["scans"]
    if len(raw) > MAX_SCANS_PER_SYNC:
        raise BadScans(
            _("Trop de scans dans un envoi (au plus %(max)s).") % {"max": MAX_SCANS_PER_SYNC}
        )
    device = _text(payload.get("device"), 64)
    scans = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise BadScans(_("Scan n° %(n)s illisible.") % {"n": number})
        client_id = _text(item.get("id"), 64)
        code = _text(item.get("code"), 64)
        try:
            at = parse_datetime(item.get("at")) if isinstance(item.get("at"), str) else None
        except ValueError:
            at = None
        if not client_id or not code or at is None or timezone.is_naive(at):
            raise BadScans(
                _("Scan n° %(n)s incomplet : identifiant, code et heure (avec fuseau) requis.")
                % {"n": number}
            )
        if at > now + timedelta(minutes=5) or at < now - MAX_SCAN_AGE:
            raise BadScans(
                _("Scan n° %(n)s : l'heure du scan n'est pas plausible.") % {"n": number}
            )
        scans.append(
            {
                "client_id": client_id,
                "code": code,
                "at": at,
                "device": _text(item.get("device"), 64) or device or "?",
                "admitted": item.get("admitted") is True,
            }
        )
    return scans


def _scan_answer(scan):
    attendee = scan.attendee
    return {
        "id": scan.client_id,
        "result": scan.result,
        "conflict": scan.conflict,
        "name": attendee_name(attendee) if attendee else "",
        "checked_in_at": (
            attendee.checked_in_at.isoformat() if attendee and attendee.checked_in_at else None
        ),
    }


def sync_scans(date, payload, *, user, now=None):
    """Apply the scans a phone made offline, each once (by its `id`), in the order they were
    made. A ticket the phone let in (`admitted`) that was already in by then is recorded as a
    conflict. Raises BadScans, changing nothing, when any scan is malformed."""
    now = now or timezone.now()
    scans = _parse_scans(payload, now)
    answers = []
    for scan in sorted(scans, key=lambda s: s["at"]):
        with transaction.atomic():
            done = (
                CheckInScan.objects.select_related("attendee__order_line__order")
                .filter(client_id=scan["client_id"])
                .first()
            )
            if done is None:
                result = check_in(date, scan["code"], user=user, now=scan["at"])
                done, created = CheckInScan.objects.get_or_create(
                    client_id=scan["client_id"],
                    defaults={
                        "date": date,
                        "attendee": result.attendee,
                        "code": scan["code"],
                        "device_id": scan["device"],
                        "scanned_at": scan["at"],
                        "received_at": now,
                        "admitted_offline": scan["admitted"],
                        "result": result.status,
                        "conflict": scan["admitted"] and result.status != "ok",
                        "user": user,
                    },
                )
                if created and done.conflict and result.attendee is not None:
                    services.log(
                        result.attendee.order_line.order,
                        "check_in_conflict",
                        attendee_name(result.attendee),
                        user=user,
                        attendee=result.attendee.pk,
                        date=date.pk,
                        device=scan["device"],
                    )
        answers.append(_scan_answer(done))
    return {"scans": answers, "counts": counts(date), "conflicts": len(conflicts(date))}


def conflicts(date):
    """Tickets let in by a phone offline when they were already in (or refused): for staff."""
    return list(
        CheckInScan.objects.filter(date=date, conflict=True)
        .select_related("attendee__order_line__order", "attendee__ticket_type")
        .order_by("scanned_at", "pk")
    )


# --- the list of people registered on a date ----------------------------------------------------


def date_counts(date, now=None):
    """Sold (paid places), held (places in pending orders still running), capacity, waiting."""
    now = now or timezone.now()
    held = date.usage(now).held
    waiting = date.waiting_list.filter(
        state__in=[WaitingListEntry.State.WAITING, WaitingListEntry.State.OFFERED]
    ).aggregate(n=Sum("places"))["n"]
    return {
        "sold": expected(date).count(),
        "held": held,
        "capacity": date.capacity,
        "waiting": waiting or 0,
        **{f"door_{k}": v for k, v in counts(date).items()},
    }


def date_attendees(date):
    """Everyone registered on `date` (cancelled ones too, marked), with their answers."""
    rows = _attendees().filter(SHOWN, date=date)
    return list(rows.order_by("order_line__order__created_at", "pk"))


def answers_of(attendee):
    """The registration's answers, then this person's own (questions asked per attendee)."""
    return {**(attendee.order_line.details.get("answers") or {}), **(attendee.answers or {})}


def answers_by_attendee(attendees):
    """{attendee pk: answers} for a list: the registration's answers on its first ticket only,
    then each person's own. Asked once, they are counted once: « végétarien » asked of a
    registration of three read as three meals when every ticket repeated it."""
    first = {}
    for attendee in attendees:
        order_id = attendee.order_line.order_id
        first[order_id] = min(first.get(order_id, attendee.pk), attendee.pk)
    return {
        attendee.pk: {
            **(
                (attendee.order_line.details.get("answers") or {})
                if first[attendee.order_line.order_id] == attendee.pk
                else {}
            ),
            **(attendee.answers or {}),
        }
        for attendee in attendees
    }


def questions_of(attendees):
    """The questions answered on these registrations, in the order they first appear."""
    questions = {}
    for attendee in attendees:
        for question in answers_of(attendee):
            questions.setdefault(question, None)
    return list(questions)


def sign_in_sheet(date):
    """The people expected, sorted by name, for the paper list at the door."""
    return sorted(
        expected(date).select_related("order_line__order", "ticket_type"),
        key=lambda a: attendee_name(a).casefold(),
    )


# --- a message to everyone registered -----------------------------------------------------------


def message_orders(date):
    """The orders with people still registered on `date`: one email each."""
    return Order.objects.filter(pk__in=expected(date).values("order_line__order")).order_by(
        "created_at", "pk"
    )


def message_attendees(date, *, subject, message, user):
    """Email every order with people registered on `date`, through the outbox, once: the same
    subject and message sent twice queue nothing new. Returns how many emails were queued."""
    digest = hashlib.sha256(f"{subject}\n{message}".encode()).hexdigest()[:16]
    page = date.page.specific
    queued = 0
    for order in message_orders(date):
        key = f"date_message:{date.pk}:{order.code}:{digest}"
        with transaction.atomic():
            if OutboxEmail.objects.filter(key=key).exists():
                continue
            with translation.override(order.language):
                shown = page.localized.specific
                order_url = settings.WAGTAILADMIN_BASE_URL + order.get_absolute_url()
            queue_email(
                key=key,
                to=order.buyer_email,
                language=order.language,
                template="events/email/date_message",
                context={
                    "name": order.buyer_name,
                    "order": order,
                    "page": shown,
                    "date": date,
                    "message": message,
                    "order_url": order_url,
                    "site_url": settings.WAGTAILADMIN_BASE_URL,
                },
                subject=lambda subject=subject: subject,
                order=order,
            )
            services.log(order, "date_message", subject, user=user, date=date.pk)
            queued += 1
    return queued
