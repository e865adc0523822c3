"""Who is registered on one date: the list (with their answers and the date's counts) and the
sign-in sheet to print."""

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from wagtail.admin.ui.tables import Column, Table
from wagtail.admin.views.generic.base import BaseListingView

from .. import checkin
from ..models import WaitingListEntry
from ..registry import handovers_for
from .base import DateMixin
from .permissions import can_manage_dates


def attendee_rows(attendees, questions):
    answers = checkin.answers_by_attendee(attendees)
    return [attendee_row(a, questions, answers[a.pk]) for a in attendees]


def attendee_row(attendee, questions, answers):
    order = attendee.order_line.order
    return {
        "attendee": attendee,
        "code": attendee.ticket_code,
        "name": attendee.name,
        "buyer": order.buyer_name,
        "email": order.buyer_email,
        "order": order.code,
        "ticket_type": attendee.ticket_type.label,
        "answers": [answers.get(q, "") for q in questions],
        "checked_in_at": attendee.checked_in_at,
        "cancelled": bool(attendee.cancelled_at) or order.state == "cancelled",
        # Staff may cancel it alone: a confirmed ticket nobody has used yet.
        "cancellable": not attendee.cancelled_at
        and not attendee.checked_in_at
        and order.state in ("paid", "refunded"),
    }


class AttendeesTable(Table):
    def get_row_attrs(self, row):
        return {**super().get_row_attrs(row), "id": f"attendee-{row['attendee'].pk}"}


class CellColumn(Column):
    """A column whose cell has its own small template (a link, a tag)."""

    def __init__(self, name, template, **kwargs):
        super().__init__(name, **kwargs)
        self.cell_template_name = f"events/admin/cells/{template}.html"


def attendee_columns(questions, *, actions=False):
    """The list's columns: one per question asked at registration, between the ticket type
    and the arrival; with `actions`, a last one to cancel a ticket."""
    name = Column("name", label=_("Nom"))
    name.empty_value_display = "—"
    return [
        CellColumn("code", "ticket_code", label=_("Code du billet")),
        name,
        CellColumn("buyer", "buyer", label=_("Acheteur·euse")),
        CellColumn("email", "email", label=_("Courriel")),
        Column("ticket_type", label=_("Type de billet")),
        *(
            Column(f"question_{index}", label=question, accessor=answer_of(index))
            for index, question in enumerate(questions)
        ),
        CellColumn("checked_in_at", "arrival", label=_("Arrivée")),
        CellColumn("cancelled", "attendee_state", label=_("État")),
        *([CellColumn("actions", "attendee_actions", label=_("Actions"))] if actions else []),
    ]


def answer_of(index):
    return lambda row: row["answers"][index]


class AttendeesView(DateMixin, BaseListingView):
    """Everyone registered on one date (cancelled ones too, marked), with their answers and
    the date's counts."""

    template_name = "events/admin/attendees.html"
    table_class = AttendeesTable

    def get_page_title(self):
        return _("Participant·es")

    @cached_property
    def no_results_message(self):
        return _("Personne n'est inscrit à cette date pour l'instant.")

    def get_queryset(self):
        attendees = checkin.date_attendees(self.date)
        self.questions = checkin.questions_of(attendees)
        return attendee_rows(attendees, self.questions)

    def get_table(self, object_list):
        return AttendeesTable(
            attendee_columns(
                self.questions,
                # A ticket is cancelled before its date ends, by who may refund.
                actions=self.date.end > timezone.now() and can_manage_dates(self.request.user),
            ),
            object_list,
            attrs={"id": "attendees"},
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = checkin.date_counts(self.date)
        context["handovers"] = handovers_for(self.date)
        context["conflicts"] = checkin.conflicts(self.date)
        # Who is in line, in the order places go to them (events.waiting_list).
        context["waiting_list"] = list(
            self.date.waiting_list.filter(
                state__in=[WaitingListEntry.State.WAITING, WaitingListEntry.State.OFFERED]
            )
        )
        return context


class SignInSheetView(DateMixin, TemplateView):
    """A plain page to print: the names, a box to tick and a space to sign."""

    template_name = "events/admin/sign_in_sheet.html"

    def get_breadcrumbs_items(self):
        return []

    def get_page_title(self):
        return _("Feuille d'émargement")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        people = checkin.sign_in_sheet(self.date)
        context.update(
            people=[(checkin.attendee_name(a), a) for a in people],
            venue=self.page.source.venue,
            back_url=reverse("events_staff:attendees", args=[self.date.pk]),
        )
        return context
