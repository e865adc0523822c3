"""Reminders: about two days before an activity date, each paid order with places at that date
gets one email listing its tickets, in the buyer's language, with the online link if any.

Which dates are due: every date that starts within the next 48 hours and has not started yet,
not a narrow slice around "48 hours from now". The job runs every 15 minutes; if it runs late
(worker down, deploy, broker outage) people are still reminded as long as the activity has not
begun. The same date is seen by many runs, so sending once rests on the outbox key
`event_reminder:<order code>:<date id>`: one (order, date) can only ever queue one email.
An order placed inside the window is reminded too, at the next run after its confirmation.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from orders.models import OrderState, OutboxEmail
from orders.outbox import queue_email

from .checkin import VALID
from .models import Attendee, EventStatus
from .tickets import attachment_name, calendar, vevent

REMINDER_LEAD = timedelta(hours=48)


def reminder_key(order, date):
    return f"event_reminder:{order.code}:{date.pk}"


def due_attendees(now):
    """Places still held by paid orders at scheduled dates that start within the lead time."""
    return (
        Attendee.objects.filter(
            # Paid, or billed by invoice (valid before its payment): both are coming.
            VALID,
            cancelled_at__isnull=True,
            date__start__gt=now,
            date__start__lte=now + REMINDER_LEAD,
            date__page__status=EventStatus.SCHEDULED,
            date__status=EventStatus.SCHEDULED,
        )
        .exclude(order_line__order__state=OrderState.REFUNDED)
        .select_related("order_line__order", "date__page", "ticket_type")
        .order_by("date__start", "order_line__order_id", "pk")
    )


def send_due_reminders(now=None):
    """Queue the reminders that are due and not yet queued. Returns how many were queued."""
    now = now or timezone.now()
    groups = {}
    for attendee in due_attendees(now):
        order = attendee.order_line.order
        group = groups.setdefault((order.pk, attendee.date_id), (order, attendee.date, []))
        group[2].append(attendee)
    keys = {reminder_key(order, date) for order, date, _attendees in groups.values()}
    already = set(OutboxEmail.objects.filter(key__in=keys).values_list("key", flat=True))

    shown_pages = {}  # (page id, language) -> what the buyer reads, looked up once
    queued = 0
    for order, date, attendees in groups.values():
        if reminder_key(order, date) in already:
            continue
        cache_key = (date.page_id, order.language)
        if cache_key not in shown_pages:
            shown_pages[cache_key] = _localized(date.page, order.language)
        try:
            with transaction.atomic():
                _queue_reminder(order, date, attendees, *shown_pages[cache_key])
        except IntegrityError:  # another run queued the same reminder at the same moment
            continue
        queued += 1
    return queued


def _localized(page, language):
    """The activity page and venue as the buyer reads them, and the online link (kept on the
    French page, which holds the dates)."""
    source = page.source
    with translation.override(language):
        shown = source.localized.specific
        venue = shown.venue or source.venue
        return shown, (venue.localized if venue else None), source.online_link


def _queue_reminder(order, date, attendees, page, venue, online_link):
    site_url = settings.WAGTAILADMIN_BASE_URL
    with translation.override(order.language):
        ics = calendar(
            [vevent(page, date, url=site_url + page.url, online_link=online_link)],
            name=page.title,
        )

    def subject():  # run by queue_email in the buyer's language
        return _("Rappel : %(title)s, %(date)s") % {
            "title": page.title,
            "date": date_format(timezone.localtime(date.start), "DATETIME_FORMAT"),
        }

    queue_email(
        key=reminder_key(order, date),
        to=order.buyer_email,
        language=order.language,
        template="event_reminder",
        context={
            "order": order,
            "page": page,
            "date": date,
            "venue": venue,
            "attendees": attendees,
            "online_link": online_link,
            "site_url": site_url,
        },
        subject=subject,
        order=order,
        attachments=[
            (attachment_name("calendar", date.pk, order.language), ics, "text/calendar", None)
        ],
    )
