"""The waiting list of a full date.

Places freed by a cancellation, an expired hold or a larger capacity are offered to the first
person in line whose request fits in them; the offer holds them (a hold on the date's quota,
which orders count) for WAITING_LIST_OFFER_HOURS, then lapses and the next person is offered.
Offers stop counting when they lapse even if no job runs; the job only sends the emails.
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders import availability
from orders.outbox import queue_email
from orders.services import OrderError

from .models import EventDate, EventStatus, WaitingListEntry

MAX_PLACES = 10


def max_places(page):
    """Places one person may wait for: no more than one order may take once offered."""
    return min(MAX_PLACES, page.source.max_places_per_order)


def offer_hours():
    return getattr(settings, "WAITING_LIST_OFFER_HOURS", 24)


def join(date, *, name, email, language, places, now=None):
    """Put someone in line for `date`. An address already in line is not changed: anyone
    may type anyone's address, and changing its name or places (more places can lose one's
    turn) would be doing so for someone else. Its owner is sent their confirmation again
    (once a day at most), with the link to leave the line and join anew."""
    now = now or timezone.now()
    most = max_places(date.page)
    if not 1 <= places <= most:
        raise OrderError(_("Entre 1 et %(max)s places.") % {"max": most})
    with transaction.atomic():
        try:
            availability.lock([date.quota_id])
        except availability.Busy as exc:
            raise OrderError(str(exc)) from exc
        # Read under the lock: a date cancelled meanwhile takes nobody in line.
        date = EventDate.objects.select_related("page").get(pk=date.pk)
        if not date.on_sale(now):
            raise OrderError(date.not_on_sale_reason())
        if date.seats_left(now) >= places:
            raise OrderError(_("Il reste des places : inscrivez-vous directement."))
        entry = WaitingListEntry.objects.filter(
            date=date, email__iexact=email, state=WaitingListEntry.State.WAITING
        ).first()
        again = entry is not None
        if not again:
            entry = WaitingListEntry.objects.create(
                date=date, email=email, name=name, places=places, language=language
            )
        _email(
            entry,
            "events/email/waiting_list_joined",
            gettext_lazy("Liste d'attente : %(title)s"),
            key=f"waitlist_joined:{entry.token}"
            + (f":{timezone.localdate(now).isoformat()}" if again else ""),
        )
    return entry


def offer_freed_places(date, now=None):
    """Offer the places now free on `date` to the people in line, first come first served:
    each in turn whose request fits in what is left. Someone waiting for more places than
    are free keeps their rank for the next places freed; the one after them, waiting for
    fewer, is not made to wait behind them while the public takes the place."""
    now = now or timezone.now()
    offered = []
    with transaction.atomic():
        availability.lock([date.quota_id])
        date = EventDate.objects.select_related("page").get(pk=date.pk)
        if date.end <= now or date.shown_status != EventStatus.SCHEDULED:
            # A cancelled date's line is closed; a postponed one waits for its new date.
            return []
        date.waiting_list.filter(
            state=WaitingListEntry.State.OFFERED, offer_expires_at__lte=now
        ).update(state=WaitingListEntry.State.LAPSED)
        left = date.seats_left(now)
        for entry in date.waiting_list.filter(state=WaitingListEntry.State.WAITING):
            if entry.places > left:
                continue
            entry.state = WaitingListEntry.State.OFFERED
            entry.offered_at = now
            entry.offer_expires_at = min(now + timedelta(hours=offer_hours()), date.start)
            entry.hold = availability.hold(
                date.quota,
                entry.places,
                until=entry.offer_expires_at,
                reason=f"waiting list {entry.pk}",
            )
            entry.save(update_fields=["state", "offered_at", "offer_expires_at", "hold"])
            _email(
                entry,
                "events/email/waiting_list_offer",
                gettext_lazy("Des places se sont libérées : %(title)s"),
                key=f"waitlist_offer:{entry.token}",
            )
            left -= entry.places
            offered.append(entry)
    return offered


def offer_everywhere(now=None):
    """For the periodic job: every upcoming date with someone waiting or an offer lapsing."""
    now = now or timezone.now()
    dates = EventDate.objects.filter(
        end__gt=now,
        waiting_list__state__in=[WaitingListEntry.State.WAITING, WaitingListEntry.State.OFFERED],
    ).distinct()
    return sum(len(offer_freed_places(date, now)) for date in dates)


def _email(entry, template, subject, key):
    page = entry.date.page.specific
    with translation.override(entry.language):
        shown = page.localized.specific
        register_url = (
            settings.WAGTAILADMIN_BASE_URL
            + shown.url
            + shown.reverse_subpage("register")
            + f"?offre={entry.token}"
        )
        title = shown.title
    queue_email(
        key=key,
        to=entry.email,
        language=entry.language,
        template=template,
        context={
            "entry": entry,
            "page": shown,
            "register_url": register_url,
            "site_url": settings.WAGTAILADMIN_BASE_URL,
            "leave_url": settings.WAGTAILADMIN_BASE_URL
            + reverse("events:leave_waiting_list", args=[entry.token]),
        },
        subject=lambda: subject % {"title": title},
    )


@shared_task(name="events.offer_waiting_list")
def offer_waiting_list(date_id=None):
    if date_id is None:
        return offer_everywhere()
    date = EventDate.objects.filter(pk=date_id).first()
    return len(offer_freed_places(date)) if date else 0
