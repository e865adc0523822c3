"""What events holds about a person, for Law 25 (registered in `orders.registry.personal_data`
by events/registrations.py): the names of the attendees, the answers to an activity's questions
(which may tell health or diet; kept in the order line's details), the waiting-list entries.
Once every date an order was for ended longer ago than the retention period, all of it goes,
with the buyer (orders' part)."""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orders.models import Order, OrderLine
from orders.privacy import PersonalDataProvider

from .models import Attendee, EventDate, WaitingListEntry

# Details of an order line that describe people rather than the sale.
PERSONAL_DETAILS = ("answers", "attendees", "attendee_answers")


def _delete_entries(entries):
    """Delete waiting-list entries; places offered to them stop being held."""
    entries = list(entries.select_related("hold"))
    for entry in entries:
        if entry.hold is not None:
            entry.hold.release()
    return WaitingListEntry.objects.filter(pk__in=[e.pk for e in entries]).delete()[0]


def _forget_attendees(attendees):
    """Blank the names and per-attendee answers; the tickets themselves stay (counts, money)."""
    return attendees.filter(~Q(name="") | ~Q(answers={})).update(name="", answers={})


class EventsPersonalData(PersonalDataProvider):
    name = "events"
    order = 50
    template_name = "events/admin/privacy_held.html"

    def find(self, email, orders):
        lines = [line for order in orders for line in order.lines.all()]
        by_line = {}
        attendees = Attendee.objects.filter(order_line__in=lines).select_related(
            "date__page", "ticket_type"
        )
        for attendee in attendees.order_by("pk"):
            by_line.setdefault(attendee.order_line_id, []).append(attendee)
        registrations = [
            {
                "order": order,
                "line": line,
                "answers": line.details.get("answers") or {},
                "attendee_names": line.details.get("attendees") or [],
                "attendees": by_line.get(line.pk, []),
            }
            for order in orders
            for line in order.lines.all()
            if by_line.get(line.pk) or any(key in line.details for key in PERSONAL_DETAILS)
        ]
        waiting = WaitingListEntry.objects.filter(email__iexact=email).select_related("date__page")
        return {
            "registrations": registrations,
            "waiting_list": list(waiting.order_by("created_at", "pk")),
        }

    def counts(self, rows):
        return {
            "attendees": sum(len(row["attendees"]) for row in rows["registrations"]),
            "waiting_list": len(rows["waiting_list"]),
        }

    def summary(self, counts):
        return [
            ngettext("%(n)s participant·e", "%(n)s participant·es", counts["attendees"])
            % {"n": counts["attendees"]},
            ngettext(
                "%(n)s inscription en liste d'attente",
                "%(n)s inscriptions en liste d'attente",
                counts["waiting_list"],
            )
            % {"n": counts["waiting_list"]},
        ]

    def erasure(self):
        return [
            _("les réponses aux questions et les noms des participant·es sont supprimés ;"),
            _("les inscriptions en liste d'attente sont supprimées."),
        ]

    def still_running(self, rows):
        from django.utils import timezone

        from orders.models import OrderState

        from .models import EventStatus

        now = timezone.now()
        valid = [
            attendee
            for row in rows["registrations"]
            if row["order"].state in (OrderState.PAID, OrderState.PENDING)
            for attendee in row["attendees"]
            if attendee.cancelled_at is None
            # A date postponed with no new one yet is to come, whatever its old day.
            and (attendee.date.end > now or attendee.date.status == EventStatus.POSTPONED)
        ]
        if not valid:
            return []
        return [
            ngettext(
                "%(n)s billet valide pour une date à venir : une fois l'adresse effacée, la "
                "personne ne sera plus prévenue d'un report ou d'une annulation. Annulez-le "
                "d'abord si elle ne viendra pas.",
                "%(n)s billets valides pour des dates à venir : une fois l'adresse effacée, la "
                "personne ne sera plus prévenue d'un report ou d'une annulation. Annulez-les "
                "d'abord si elle ne viendra pas.",
                len(valid),
            )
            % {"n": len(valid)}
        ]

    def export(self, email, orders):
        rows = self.find(email, orders)
        return {
            "registrations": [
                {
                    "order": row["order"].code,
                    "line": row["line"].description,
                    "answers": row["answers"],
                    "attendee_names": row["attendee_names"],
                    "attendees": [
                        {
                            "name": attendee.name,
                            "answers": attendee.answers,
                            "activity": attendee.date.page.title,
                            "start": attendee.date.start,
                            "end": attendee.date.end,
                            "ticket_type": attendee.ticket_type.name,
                            "checked_in_at": attendee.checked_in_at,
                            "cancelled_at": attendee.cancelled_at,
                        }
                        for attendee in row["attendees"]
                    ],
                }
                for row in rows["registrations"]
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
                for entry in rows["waiting_list"]
            ],
        }

    def names(self, email, orders):
        words = set()
        for details in OrderLine.objects.filter(order__in=orders).values_list("details", flat=True):
            words.update(details.get("attendees") or [])
        words.update(
            Attendee.objects.filter(order_line__order__in=orders).values_list("name", flat=True)
        )
        if email:
            words.update(
                WaitingListEntry.objects.filter(email__iexact=email).values_list("name", flat=True)
            )
        return {word for word in words if word}

    def erase_orders(self, orders, scrub):
        lines = 0
        for line in OrderLine.objects.filter(order__in=orders):
            if any(key in line.details for key in PERSONAL_DETAILS):
                line.details = {k: v for k, v in line.details.items() if k not in PERSONAL_DETAILS}
                line.save(update_fields=["details"])
                lines += 1
        attendees = _forget_attendees(Attendee.objects.filter(order_line__order__in=orders))
        return {"lines": lines, "attendees": attendees}

    def erase_email(self, email, scrub):
        return {
            "waiting_list": _delete_entries(WaitingListEntry.objects.filter(email__iexact=email))
        }

    def finished_orders(self, cutoff):
        # An order for a date still within the retention period keeps its buyer until then.
        ended = OrderLine.objects.filter(quotas__event_date__end__lt=cutoff)
        running = OrderLine.objects.filter(quotas__event_date__end__gte=cutoff)
        return (
            Order.objects.filter(pk__in=ended.values("order_id"))
            .exclude(pk__in=running.values("order_id"))
            .values_list("pk", flat=True)
        )

    def purge(self, cutoff):
        dates = EventDate.objects.filter(end__lt=cutoff)
        return {
            "dates": dates.count(),
            "attendees": _forget_attendees(Attendee.objects.filter(date__in=dates)),
            "waiting_list": _delete_entries(WaitingListEntry.objects.filter(date__in=dates)),
        }
