"""One person's data under Québec's Law 25: find it, export it, erase it; and the periodic purge
of attendee data a configurable number of months after an activity ends.

Orders are never deleted: the law on accounting records (and Revenu Québec) asks us to keep
amounts, taxes, dates, codes and payment ids. What identifies a person — name, email, answers
to the registration questions (which may tell health or diet), attendee names, the bodies of
the emails sent — is removed or replaced, so what stays is an anonymous sale.
"""

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Attendee, EventDate, WaitingListEntry
from orders.models import Order, OrderLine, OutboxEmail
from orders.services import log

ANONYMOUS_NAME = "Personne anonymisée"
# ".invalid" is reserved (RFC 2606): an address there can never be delivered.
ANONYMOUS_DOMAIN = "cesiq.invalid"
REDACTED = "[effacé]"
ERASED_BODY = "[Contenu effacé — renseignements personnels (Loi 25)]"
# Details of an order line that describe people rather than the sale.
PERSONAL_DETAILS = ("answers", "attendees")
DEFAULT_RETENTION_MONTHS = 24


def anonymous_email(order):
    return f"anonyme+{order.code.lower()}@{ANONYMOUS_DOMAIN}"


def is_anonymised(order):
    return order.buyer_email.endswith("@" + ANONYMOUS_DOMAIN)


def normalise(email):
    return (email or "").strip()


# --- finding ------------------------------------------------------------------------------------


@dataclass
class PersonData:
    email: str
    orders: list = field(default_factory=list)
    emails: list = field(default_factory=list)
    waiting_list: list = field(default_factory=list)

    @property
    def attendees(self):
        return [a for order in self.orders for line in order.lines.all() for a in line.attendees_]

    @property
    def counts(self):
        return {
            "orders": len(self.orders),
            "lines": sum(len(order.lines.all()) for order in self.orders),
            "attendees": len(self.attendees),
            "emails": len(self.emails),
            "waiting_list": len(self.waiting_list),
        }

    @property
    def is_empty(self):
        return not (self.orders or self.emails or self.waiting_list)


def _orders_of(email):
    return Order.objects.filter(buyer_email__iexact=email).prefetch_related(
        "lines", "payments", "refunds", "log_entries", "emails"
    )


def _attach_attendees(orders):
    """Attendees hang off order lines by a reverse key from `events`: fetch them in one query."""
    lines = [line for order in orders for line in order.lines.all()]
    by_line = {}
    for attendee in Attendee.objects.filter(order_line__in=lines).select_related(
        "date__page", "ticket_type"
    ):
        by_line.setdefault(attendee.order_line_id, []).append(attendee)
    for line in lines:
        line.attendees_ = by_line.get(line.pk, [])


def find_person(email):
    """Everything the site holds about the person who uses `email` (case does not matter)."""
    email = normalise(email)
    if not email:
        return PersonData(email="")
    orders = list(_orders_of(email))
    _attach_attendees(orders)
    emails = list(
        OutboxEmail.objects.filter(Q(to__iexact=email) | Q(order__in=orders))
        .select_related("order")
        .distinct()
        .order_by("created_at", "pk")
    )
    waiting = list(
        WaitingListEntry.objects.filter(email__iexact=email)
        .select_related("date__page")
        .order_by("created_at", "pk")
    )
    return PersonData(email=email, orders=orders, emails=emails, waiting_list=waiting)


# --- export -------------------------------------------------------------------------------------


def _plain(value):
    """JSON-ready: Decimal as a string (never a float), datetimes in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _export_order(order):
    return {
        "code": order.code,
        "kind": order.kind,
        "state": order.state,
        "buyer_name": order.buyer_name,
        "buyer_email": order.buyer_email,
        "language": order.language,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "cancelled_at": order.cancelled_at,
        "subtotal": order.subtotal,
        "discount_amount": order.discount_amount,
        "gst": order.gst,
        "qst": order.qst,
        "total": order.total,
        "currency": order.currency,
        "internal_note": order.internal_note,
        "lines": [
            {
                "description": line.description,
                "unit_price": line.unit_price,
                "quantity": line.quantity,
                "discount": line.discount,
                "tax_category": line.tax_category,
                "confirmed": line.fulfilled,
                "answers": line.details.get("answers", {}),
                "attendee_names": line.details.get("attendees", []),
                "attendees": [
                    {
                        "name": attendee.name,
                        "activity": attendee.date.page.title,
                        "start": attendee.date.start,
                        "end": attendee.date.end,
                        "ticket_type": attendee.ticket_type.name,
                        "checked_in_at": attendee.checked_in_at,
                        "cancelled_at": attendee.cancelled_at,
                    }
                    for attendee in line.attendees_
                ],
            }
            for line in order.lines.all()
        ],
        "payments": [
            {
                "provider": payment.provider,
                "state": payment.state,
                "amount": payment.amount,
                "currency": payment.currency,
                "created_at": payment.created_at,
                "paid_at": payment.paid_at,
                "stripe_payment_intent_id": payment.stripe_payment_intent_id,
            }
            for payment in order.payments.all()
        ],
        "refunds": [
            {
                "amount": refund.amount,
                "reason": refund.reason,
                "source": refund.source,
                "state": refund.state,
                "created_at": refund.created_at,
            }
            for refund in order.refunds.all()
        ],
        "log": [
            {"action": entry.action, "message": entry.message, "at": entry.created_at}
            for entry in order.log_entries.all()
        ],
    }


def export_person(email):
    """A JSON-serialisable copy of everything held, to hand to the person who asks for it."""
    found = find_person(email)
    return _plain(
        {
            "email": found.email,
            "exported_at": timezone.now(),
            "counts": found.counts,
            "orders": [_export_order(order) for order in found.orders],
            "emails": [
                {
                    "to": email_.to,
                    "subject": email_.subject,
                    "language": email_.language,
                    "state": email_.state,
                    "created_at": email_.created_at,
                    "sent_at": email_.sent_at,
                    "order": email_.order.code if email_.order else None,
                    "body_text": email_.body_text,
                }
                for email_ in found.emails
            ],
            "waiting_list": [
                {
                    "activity": entry.date.page.title,
                    "start": entry.date.start,
                    "name": entry.name,
                    "email": entry.email,
                    "places": entry.places,
                    "state": entry.state,
                    "language": entry.language,
                    "created_at": entry.created_at,
                }
                for entry in found.waiting_list
            ],
        }
    )


# --- erasing ------------------------------------------------------------------------------------


def _scrubber(words):
    """Replace each of `words` (names, emails) in a text, whatever the case. Words of fewer than
    three letters are left alone: they would hit unrelated text."""
    words = sorted({w.strip() for w in words if w and len(w.strip()) >= 3}, key=len, reverse=True)
    if not words:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)

    def scrub(value):
        if isinstance(value, str):
            return pattern.sub(REDACTED, value)
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    return scrub


def _anonymise_order(order, *, extra_words=()):
    """Remove what identifies people from one order and everything hanging off it; keep the
    money, the dates, the code and the payment ids. Returns counts of what changed."""
    lines = list(order.lines.all())
    attendees = list(Attendee.objects.filter(order_line__in=lines))
    words = {order.buyer_name, order.buyer_email, *extra_words}
    for line in lines:
        words.update(line.details.get("attendees") or [])
    words.update(a.name for a in attendees)
    scrub = _scrubber(words)
    counts = {"lines": 0, "attendees": 0, "emails": 0, "log_entries": 0}

    order.buyer_name = ANONYMOUS_NAME
    order.buyer_email = anonymous_email(order)
    order.internal_note = scrub(order.internal_note)
    order.attention = scrub(order.attention)
    order.save(update_fields=["buyer_name", "buyer_email", "internal_note", "attention"])

    for line in lines:
        if any(key in line.details for key in PERSONAL_DETAILS):
            line.details = {k: v for k, v in line.details.items() if k not in PERSONAL_DETAILS}
            line.save(update_fields=["details"])
            counts["lines"] += 1
    counts["attendees"] = (
        Attendee.objects.filter(order_line__in=lines).exclude(name="").update(name="")
    )
    for entry in order.log_entries.all():
        message, data = scrub(entry.message), scrub(entry.data)
        if (message, data) != (entry.message, entry.data):
            entry.message, entry.data = message, data
            entry.save(update_fields=["message", "data"])
            counts["log_entries"] += 1
    for refund in order.refunds.all():
        reason = scrub(refund.reason)
        if reason != refund.reason:
            refund.reason = reason
            refund.save(update_fields=["reason"])
    for email in OutboxEmail.objects.filter(order=order):
        counts["emails"] += _erase_email(email, order.buyer_email, scrub)
    return counts


def _erase_email(email, to, scrub):
    if email.body_text == ERASED_BODY and email.to == to:
        return 0
    email.to = to
    email.subject = scrub(email.subject)
    email.body_text = ERASED_BODY
    email.body_html = ""
    email.attachments = []
    fields = ["to", "subject", "body_text", "body_html", "attachments"]
    if email.state == OutboxEmail.State.PENDING:
        # Never send an erased email to nobody.
        email.state = OutboxEmail.State.FAILED
        email.last_error = ERASED_BODY
        fields += ["state", "last_error"]
    email.save(update_fields=fields)
    return 1


def erase_person(email, *, user):
    """Erase one person's data at their request. Orders stay, anonymised, for accounting; each
    gets an audit entry (without personal data) saying who erased it and when."""
    email = normalise(email)
    counts = {"orders": 0, "lines": 0, "attendees": 0, "emails": 0, "log_entries": 0}
    counts["waiting_list"] = 0
    if not email:
        return counts
    with transaction.atomic():
        orders = list(Order.objects.select_for_update().filter(buyer_email__iexact=email))
        names = {order.buyer_name for order in orders}
        waiting = WaitingListEntry.objects.filter(email__iexact=email)
        names.update(waiting.values_list("name", flat=True))
        for order in orders:
            changed = _anonymise_order(order, extra_words=[email, *names])
            for key, value in changed.items():
                counts[key] += value
            log(
                order,
                "personal_data_erased",
                _("Renseignements personnels effacés (Loi 25)"),
                user=user,
            )
            counts["orders"] += 1
        # Emails not tied to an order (the waiting list's).
        scrub = _scrubber([email, *names])
        for email_ in OutboxEmail.objects.filter(to__iexact=email):
            counts["emails"] += _erase_email(email_, f"anonyme@{ANONYMOUS_DOMAIN}", scrub)
        counts["waiting_list"], _detail = waiting.delete()
    return counts


# --- periodic purge -----------------------------------------------------------------------------


def retention_months():
    from wagtail.models import Site

    from .models import SiteSettings

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return DEFAULT_RETENTION_MONTHS
    return SiteSettings.for_site(site).attendee_data_retention_months or DEFAULT_RETENTION_MONTHS


def months_before(moment, months):
    year, month = divmod(moment.month - 1 - months, 12)
    year += moment.year
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def purge_old_attendee_data(now=None):
    """Destroy attendee data of dates that ended more than the retention period ago: names,
    answers, waiting lists, and the buyers' names and emails (money data stays). Safe to run
    any number of times: what is already clean is left as is and not counted."""
    now = now or timezone.now()
    cutoff = months_before(now, retention_months())
    counts = {"dates": 0, "orders": 0, "lines": 0, "attendees": 0, "emails": 0}
    counts.update(log_entries=0, waiting_list=0)
    date_ids = list(EventDate.objects.filter(end__lt=cutoff).values_list("pk", flat=True))
    if not date_ids:
        return counts
    counts["dates"] = len(date_ids)
    lines = OrderLine.objects.filter(quotas__event_date__in=date_ids)
    with transaction.atomic():
        order_ids = set(lines.values_list("order_id", flat=True))
        for order in Order.objects.select_for_update().filter(pk__in=order_ids):
            # An order for a date still within retention keeps its buyer until then.
            dates = EventDate.objects.filter(quota__order_lines__order=order)
            if set(dates.values_list("pk", flat=True)) - set(date_ids):
                continue
            line_dirty = any(
                key in line.details for line in order.lines.all() for key in PERSONAL_DETAILS
            )
            if is_anonymised(order) and not line_dirty:
                continue
            changed = _anonymise_order(order)
            for key, value in changed.items():
                counts[key] += value
            log(order, "personal_data_purged", _("Données des participant·es purgées (Loi 25)"))
            counts["orders"] += 1
        counts["attendees"] += (
            Attendee.objects.filter(date_id__in=date_ids).exclude(name="").update(name="")
        )
        counts["waiting_list"], _detail = WaitingListEntry.objects.filter(
            date_id__in=date_ids
        ).delete()
    return counts
