"""Staff back-office for activity dates, in the Wagtail admin.

From an activity (the "…" menu of its page), staff see its dates with the places taken, the
orders and the waiting list, and may cancel or postpone one date. Each action has a
confirmation step and goes through `events.staff`, which calls the same order services as the
public site. Only users who may change orders (`orders.change_order`) may do it: cancelling a
date refunds money.
"""

import csv
import io
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView, View
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.admin.widgets.button import Button

from orders import availability
from orders.money import format_cad
from orders.services import OrderError

from . import checkin, staff
from .models import Attendee, EventDate, EventPage, WaitingListEntry

PERMISSION = "orders.change_order"


def can_manage_dates(user):
    return user.has_perm(PERMISSION)


def when(value):
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def cad(amount):
    return format_cad(amount, get_language() or "fr")


# --- views --------------------------------------------------------------------------------------


class StaffOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_manage_dates(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ActivityBreadcrumbsMixin:
    def get_breadcrumbs_items(self):
        page = self.page
        parent = page.get_parent()
        return self.breadcrumbs_items + [
            {
                "url": reverse("wagtailadmin_explore", args=[parent.pk]),
                "label": parent.get_admin_display_title(),
            },
            {"url": reverse("wagtailadmin_pages:edit", args=[page.pk]), "label": page.title},
            {"url": reverse("events_staff:dates", args=[page.pk]), "label": _("Dates")},
        ]


class ActivityDatesView(
    StaffOnlyMixin, ActivityBreadcrumbsMixin, WagtailAdminTemplateMixin, TemplateView
):
    """The dates of one activity, each with its registrations and the two actions."""

    template_name = "events/admin/dates.html"
    header_icon = "date"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Dates live on the French page; its translations show (and sell) the same places.
        self.page = get_object_or_404(EventPage, pk=kwargs["page_id"]).source

    def get_breadcrumbs_items(self):
        label = f"{_('Dates')} — {self.page.title}"
        return super().get_breadcrumbs_items()[:-1] + [{"url": "", "label": label}]

    def get_page_title(self):
        return _("Gérer les dates")

    def get_page_subtitle(self):
        return self.page.title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context.update(
            page=self.page,
            rows=[staff.date_summary(date, now) for date in self.page.dates.all()],
            status=self.page.get_status_display(),
            status_is_scheduled=self.page.status == "scheduled",
        )
        return context


class CancelDateForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Message aux personnes inscrites"),
        help_text=gettext_lazy(
            "Envoyé par courriel à chaque personne inscrite et en liste d'attente, "
            "avec la date et le remboursement."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=staff.MESSAGE_MAX_LENGTH,
    )
    confirm = forms.BooleanField(
        required=True,
        error_messages={"required": gettext_lazy("Cochez la case pour confirmer l'annulation.")},
    )

    def __init__(self, *args, summary, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = ngettext(
            "Je confirme : %(orders)s commande sera annulée et %(amount)s remboursés.",
            "Je confirme : %(orders)s commandes seront annulées et %(amount)s remboursés.",
            summary["orders"],
        ) % {"orders": summary["orders"], "amount": cad(summary["to_refund"])}


class PostponeDateForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Message aux personnes inscrites"),
        help_text=gettext_lazy(
            "Envoyé par courriel à chaque personne inscrite, avec la nouvelle date (ou « à "
            "venir ») et le lien vers sa commande, où elle peut encore annuler."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=staff.MESSAGE_MAX_LENGTH,
    )
    new_start = forms.DateTimeField(
        label=gettext_lazy("Nouveau début"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=gettext_lazy("Vide : la nouvelle date est à venir."),
    )
    new_end = forms.DateTimeField(
        label=gettext_lazy("Nouvelle fin"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=gettext_lazy("Vide : même durée qu'avant."),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("new_start"), cleaned.get("new_end")
        if end and not start:
            self.add_error("new_start", _("Indiquez aussi le nouveau début."))
        if start and start <= timezone.now():
            self.add_error("new_start", _("La nouvelle date doit être dans le futur."))
        if start and end and end <= start:
            self.add_error("new_end", _("La fin doit venir après le début."))
        return cleaned


class DateActionView(StaffOnlyMixin, ActivityBreadcrumbsMixin, WagtailAdminTemplateMixin, FormView):
    """A confirmation form, then the staff action on POST."""

    template_name = "events/admin/date_action.html"
    header_icon = "date"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.date = get_object_or_404(
            EventDate.objects.select_related("page"), pk=kwargs["date_id"]
        )
        self.page = self.date.page.specific
        self.summary = staff.date_summary(self.date)

    def get_breadcrumbs_items(self):
        label = f"{self.get_page_title()} — {when(self.date.start)}"
        return super().get_breadcrumbs_items() + [{"url": "", "label": label}]

    def get_page_subtitle(self):
        return f"{self.page.title} — {when(self.date.start)}"

    def get_success_url(self):
        return reverse("events_staff:dates", args=[self.page.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            page=self.page,
            summary=self.summary,
            action_url=self.request.path,
            cancel_url=self.get_success_url(),
            submit_label=self.submit_label,
            destructive=self.destructive,
            explanation=self.explanation(),
        )
        return context

    def form_valid(self, form):
        try:
            text = self.act(form.cleaned_data)
        except OrderError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, text)
        return redirect(self.get_success_url())


class CancelDateView(DateActionView):
    form_class = CancelDateForm
    submit_label = gettext_lazy("Annuler cette date")
    destructive = True

    def get_page_title(self):
        return _("Annuler une date")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "summary": self.summary}

    def explanation(self):
        return [
            _("Les inscriptions à cette date s'arrêtent : ses places sont ramenées à 0."),
            _(
                "Chaque commande est annulée et ce qui a été payé est remboursé en entier "
                "par Stripe."
            ),
            _(
                "Chaque personne inscrite reçoit, dans sa langue, l'avis d'annulation avec "
                "votre message ; les personnes en liste d'attente aussi."
            ),
            _("Les autres dates de l'activité ne changent pas."),
        ]

    def act(self, data):
        outcome = staff.cancel_date(self.date, user=self.request.user, message=data["message"])
        text = _(
            "Date du %(date)s annulée : %(orders)s commande(s) annulée(s), %(amount)s "
            "remboursés, %(emailed)s personne(s) avisée(s)."
        ) % {
            "date": when(self.date.start),
            "orders": outcome.orders,
            "amount": cad(outcome.refunded),
            "emailed": outcome.emailed,
        }
        if outcome.failed:
            text += " " + _("À vérifier : %(codes)s.") % {"codes": ", ".join(outcome.failed)}
        now = timezone.now()
        if not self.page.dates.filter(end__gt=now, capacity__gt=0).exists():
            text += " " + _(
                "Il ne reste aucune date à venir : pensez à passer l'activité au statut "
                "« Annulée »."
            )
        return text


class PostponeDateView(DateActionView):
    form_class = PostponeDateForm
    submit_label = gettext_lazy("Reporter cette date")
    destructive = False

    def get_page_title(self):
        return _("Reporter une date")

    def explanation(self):
        return [
            _("Les inscriptions sont gardées ; rien n'est remboursé."),
            _(
                "Si vous indiquez la nouvelle date, elle remplace l'ancienne sur le site ; "
                "sinon, la date reste affichée telle quelle."
            ),
            _(
                "Chaque personne inscrite reçoit, dans sa langue, votre message, la nouvelle "
                "date (ou « à venir ») et le lien vers sa commande, où elle peut encore annuler."
            ),
        ]

    def act(self, data):
        outcome = staff.postpone_date(
            self.date,
            user=self.request.user,
            message=data["message"],
            new_start=data.get("new_start"),
            new_end=data.get("new_end"),
        )
        self.date.refresh_from_db()
        if data.get("new_start"):
            text = _("Date reportée au %(date)s : %(emailed)s personne(s) avisée(s).") % {
                "date": when(self.date.start),
                "emailed": outcome.emailed,
            }
        else:
            text = _(
                "Date reportée (nouvelle date à venir) : %(emailed)s personne(s) avisée(s). "
                "Pensez à passer l'activité au statut « Reportée » si toutes ses dates le sont."
            ) % {"emailed": outcome.emailed}
        return text


# --- attendees of one date: list, exports, sign-in sheet, message, check-in ---------------------

VIEW_ATTENDEES = "events.view_attendee"
CHECK_IN = "events.change_attendee"


class DateMixin(ActivityBreadcrumbsMixin):
    """A view about one date; `permission` is the one the user needs."""

    permission = VIEW_ATTENDEES
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.date = get_object_or_404(
            EventDate.objects.select_related("page"), pk=kwargs["date_id"]
        )
        self.page = self.date.page.specific

    def get_breadcrumbs_items(self):
        label = f"{self.get_page_title()} — {when(self.date.start)}"
        return super().get_breadcrumbs_items() + [{"url": "", "label": label}]

    def get_page_subtitle(self):
        return f"{self.page.title} — {when(self.date.start)}"

    def date_links(self):
        user, pk = self.request.user, self.date.pk
        links = [(_("Participant·es"), reverse("events_staff:attendees", args=[pk]))]
        if user.has_perm(CHECK_IN):
            links.append((_("Accueil (entrées)"), reverse("events_staff:checkin", args=[pk])))
        links += [
            (_("Feuille d'émargement"), reverse("events_staff:sign_in_sheet", args=[pk])),
            (_("Exporter (CSV)"), reverse("events_staff:export", args=[pk, "csv"])),
            (_("Exporter (Excel)"), reverse("events_staff:export", args=[pk, "xlsx"])),
        ]
        if user.has_perm(CHECK_IN):
            links.append(
                (_("Écrire aux participant·es"), reverse("events_staff:message", args=[pk]))
            )
        return links

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(page=self.page, date=self.date, date_links=self.date_links())
        return context


def attendee_row(attendee, questions):
    order = attendee.order_line.order
    answers = checkin.answers_of(attendee)
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
    }


class AttendeesView(DateMixin, WagtailAdminTemplateMixin, TemplateView):
    """Everyone registered on one date, with their answers and the date's counts."""

    template_name = "events/admin/attendees.html"

    def get_page_title(self):
        return _("Participant·es")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attendees = checkin.date_attendees(self.date)
        questions = checkin.questions_of(attendees)
        context.update(
            counts=checkin.date_counts(self.date),
            questions=questions,
            rows=[attendee_row(a, questions) for a in attendees],
        )
        return context


def export_cell(value):
    """Text a spreadsheet will not run as a formula (CSV/formula injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else ""
    if hasattr(value, "astimezone"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    value = str(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        value = "'" + value
    return value


def export_table(date):
    attendees = checkin.date_attendees(date)
    questions = checkin.questions_of(attendees)
    header = [
        _("Code du billet"),
        _("Nom"),
        _("Acheteur·euse"),
        _("Courriel"),
        _("Commande"),
        _("Type de billet"),
        *questions,
        _("Arrivée"),
        _("Annulé"),
    ]
    rows = []
    for attendee in attendees:
        row = attendee_row(attendee, questions)
        rows.append(
            [
                row["code"],
                row["name"],
                row["buyer"],
                row["email"],
                row["order"],
                row["ticket_type"],
                *row["answers"],
                row["checked_in_at"],
                row["cancelled"],
            ]
        )
    return header, rows


class ExportView(DateMixin, View):
    def get(self, request, *args, **kwargs):
        if kwargs["fmt"] not in ("csv", "xlsx"):
            raise Http404
        header, rows = export_table(self.date)
        start = timezone.localtime(self.date.start).strftime("%Y-%m-%d-%Hh%M")
        name = f"{self.page.slug}-{start}"
        if kwargs["fmt"] == "xlsx":
            return self.xlsx(name, header, rows)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response.write("\ufeff")  # Excel reads the accents right with a BOM
        writer = csv.writer(response)
        writer.writerow(export_cell(v) for v in header)
        for row in rows:
            writer.writerow(export_cell(v) for v in row)
        return response

    def xlsx(self, name, header, rows):
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=_("Participant·es")[:31])
        sheet.append([export_cell(v) for v in header])
        for row in rows:
            sheet.append([export_cell(v) for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response


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


class DateMessageForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Objet"), max_length=150)
    message = forms.CharField(
        label=gettext_lazy("Message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=staff.MESSAGE_MAX_LENGTH,
        help_text=gettext_lazy(
            "Envoyé tel quel, par courriel, à chaque commande qui a des participant·es à "
            "cette date (une fois par commande)."
        ),
    )
    confirm = forms.BooleanField(
        required=True,
        error_messages={"required": gettext_lazy("Cochez la case pour confirmer l'envoi.")},
    )

    def __init__(self, *args, recipients, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = ngettext(
            "Je confirme : %(orders)s courriel sera envoyé (%(people)s participant·es).",
            "Je confirme : %(orders)s courriels seront envoyés (%(people)s participant·es).",
            recipients,
        ) % {"orders": recipients, "people": people}


class DateMessageView(DateMixin, WagtailAdminTemplateMixin, FormView):
    template_name = "events/admin/date_action.html"
    form_class = DateMessageForm
    permission = CHECK_IN

    def get_page_title(self):
        return _("Écrire aux participant·es")

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.recipients = checkin.message_orders(self.date).count()
        self.people = checkin.expected(self.date).count()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "recipients": self.recipients, "people": self.people}

    def get_success_url(self):
        return reverse("events_staff:attendees", args=[self.date.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            summary=None,
            action_url=self.request.path,
            cancel_url=self.get_success_url(),
            cancel_label=_("Retour aux participant·es"),
            submit_label=_("Envoyer"),
            destructive=False,
            explanation=[
                ngettext(
                    "%(orders)s personne recevra ce message (une par commande).",
                    "%(orders)s personnes recevront ce message (une par commande).",
                    self.recipients,
                )
                % {"orders": self.recipients},
                _("Le même objet et le même message ne sont jamais envoyés deux fois."),
            ],
        )
        return context

    def form_valid(self, form):
        queued = checkin.message_attendees(
            self.date,
            subject=form.cleaned_data["subject"],
            message=form.cleaned_data["message"],
            user=self.request.user,
        )
        messages.success(
            self.request,
            ngettext(
                "Message envoyé à %(n)s personne.", "Message envoyé à %(n)s personnes.", queued
            )
            % {"n": queued},
        )
        return redirect(self.get_success_url())


CHECKIN_SESSION_KEY = "events_checkin_result"


class CheckInView(DateMixin, WagtailAdminTemplateMixin, TemplateView):
    """The door, on a phone: type or scan a code, or search a name. POST, redirect, GET."""

    template_name = "events/admin/checkin.html"
    permission = CHECK_IN
    header_icon = "tick"

    def get_page_title(self):
        return _("Accueil (entrées)")

    def here(self, query=""):
        url = reverse("events_staff:checkin", args=[self.date.pk])
        return f"{url}?{urlencode({'q': query})}" if query else url

    def post(self, request, *args, **kwargs):
        if "undo" in request.POST:
            attendee = get_object_or_404(
                Attendee.objects.select_related("order_line__order"),
                pk=request.POST.get("undo"),
                date=self.date,
            )
            done = checkin.undo_check_in(attendee, request.user)
            stored = {"status": "undone" if done else "not_in", "attendee": attendee.pk}
        else:
            result = checkin.check_in(self.date, request.POST.get("code", ""), user=request.user)
            stored = {
                "status": result.status,
                "attendee": result.attendee.pk if result.attendee else None,
                "at": result.at.isoformat() if result.at else None,
                "code": request.POST.get("code", "").strip()[:64],
            }
        request.session[CHECKIN_SESSION_KEY] = {**stored, "date": self.date.pk}
        return redirect(self.here(request.POST.get("q", "")))

    def result(self):
        stored = self.request.session.pop(CHECKIN_SESSION_KEY, None)
        if not stored or stored.get("date") != self.date.pk:
            return None
        attendee = (
            checkin._attendees().filter(pk=stored["attendee"]).first()
            if stored.get("attendee")
            else None
        )
        at = stored.get("at")
        at = timezone.localtime(datetime.fromisoformat(at)) if at else None
        name = checkin.attendee_name(attendee) if attendee else ""
        status = stored["status"]
        texts = {
            "ok": ("ok", "✓", _("Valide — %(name)s")),
            "already": ("warning", "⚠", _("Déjà entré·e à %(time)s — %(name)s")),
            "wrong_date": ("warning", "⚠", _("Mauvaise date : ce billet est pour le %(date)s")),
            "cancelled": ("error", "✗", _("Billet annulé — %(name)s")),
            "unknown": ("error", "✗", _("Code inconnu : %(code)s")),
            "undone": ("info", "↺", _("Entrée annulée — %(name)s")),
            "not_in": ("info", "i", _("%(name)s n'était pas entré·e.")),
        }
        tone, icon, text = texts[status]
        right_date = ""
        if status == "wrong_date" and attendee:
            right_date = when(attendee.date.start)
            if attendee.date.page_id != self.date.page_id:
                right_date += f" ({attendee.date.page.title})"
        return {
            "status": status,
            "tone": tone,
            "icon": icon,
            "text": text
            % {
                "name": name,
                "time": date_format(at, "TIME_FORMAT") if at else "",
                "date": right_date,
                "code": stored.get("code", ""),
            },
            "attendee": attendee,
            "ticket_type": attendee.ticket_type.label if attendee else "",
            "can_undo": status in ("ok", "already") and attendee is not None,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:100]
        found = checkin.search(self.date, query) if query else []
        context.update(
            result=self.result(),
            query=query,
            found=[(checkin.attendee_name(a), a) for a in found],
            counts=checkin.counts(self.date),
            action_url=self.here(),
            counts_url=reverse("events_staff:checkin_counts", args=[self.date.pk]),
        )
        return context


class CheckInCountsView(DateMixin, View):
    permission = CHECK_IN

    def get(self, request, *args, **kwargs):
        return JsonResponse(checkin.counts(self.date))


# --- the next dates, for the door and ticketing teams (the admin menu's "Billetterie") ---------

UPCOMING_DAYS = 60


def _sum_of_places(entries):
    """A subquery: the places of `entries` (waiting-list entries of the outer date)."""
    return Coalesce(
        Subquery(
            entries.filter(date=OuterRef("pk"))
            .order_by()
            .values("date")
            .annotate(n=Sum("places"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def upcoming_dates(now, until=None):
    """Dates not yet over, with their door and waiting-list counts as annotations: one query
    whatever the number of dates (places taken come from `orders.availability`, one more)."""
    dates = EventDate.objects.filter(end__gt=now)
    if until is not None:
        dates = dates.filter(start__lt=until)
    expected = Attendee.objects.filter(
        date=OuterRef("pk"),
        cancelled_at__isnull=True,
        order_line__order__state__in=checkin.CONFIRMED,
    )
    waiting = WaitingListEntry.objects.filter(
        state__in=[WaitingListEntry.State.WAITING, WaitingListEntry.State.OFFERED]
    )
    checked_in = (
        expected.filter(checked_in_at__isnull=False)
        .order_by()
        .values("date")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        dates.select_related("page")
        .annotate(
            checked_in=Coalesce(Subquery(checked_in, output_field=IntegerField()), 0),
            waiting=_sum_of_places(waiting),
        )
        .order_by("start", "pk")
    )


class UpcomingDatesView(WagtailAdminTemplateMixin, TemplateView):
    """The next dates of every activity, today's first, with the way in to each date's
    attendees, door and sign-in sheet. For whoever may see attendees."""

    template_name = "events/admin/upcoming_dates.html"
    header_icon = "group"
    page_title = gettext_lazy("Prochaines dates")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW_ATTENDEES):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        show_all = self.request.GET.get("toutes") == "1"
        until = None if show_all else now + timedelta(days=UPCOMING_DAYS)
        dates = list(upcoming_dates(now, until))
        used = availability.usage([d.quota_id for d in dates], now)
        today = timezone.localdate(now)
        user = self.request.user
        can_check_in = user.has_perm(CHECK_IN)
        can_manage = can_manage_dates(user)
        rows = []
        for date in dates:
            is_today = timezone.localtime(date.start).date() <= today
            rows.append(
                {
                    "date": date,
                    "title": date.page.title,
                    "today": is_today,
                    "taken": used[date.quota_id].taken if date.quota_id else 0,
                    "capacity": date.capacity,
                    "checked_in": date.checked_in,
                    "waiting": date.waiting,
                    "attendees_url": reverse("events_staff:attendees", args=[date.pk]),
                    "checkin_url": (
                        reverse("events_staff:checkin", args=[date.pk]) if can_check_in else ""
                    ),
                    "sign_in_sheet_url": reverse("events_staff:sign_in_sheet", args=[date.pk]),
                    "manage_url": (
                        reverse("events_staff:dates", args=[date.page_id]) + f"#date-{date.pk}"
                        if can_manage
                        else ""
                    ),
                }
            )
        rows.sort(key=lambda row: not row["today"])  # stable: by start within each group
        more = not show_all and EventDate.objects.filter(end__gt=now, start__gte=until).exists()
        context.update(
            rows=rows,
            show_all=show_all,
            days=UPCOMING_DAYS,
            all_url=f"{reverse('events_staff:upcoming')}?toutes=1" if more else "",
            window_url=reverse("events_staff:upcoming") if show_all else "",
        )
        return context


class UpcomingDatesMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(VIEW_ATTENDEES)


@hooks.register("register_admin_menu_item")
def register_upcoming_dates_menu_item():
    return UpcomingDatesMenuItem(
        gettext_lazy("Accueil et participants"),
        reverse("events_staff:upcoming"),
        name="upcoming-dates",
        icon_name="group",
        order=240,
    )


# --- hooks --------------------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def register_date_urls():
    patterns = [
        path("prochaines-dates/", UpcomingDatesView.as_view(), name="upcoming"),
        path("<int:page_id>/dates/", ActivityDatesView.as_view(), name="dates"),
        path("date/<int:date_id>/annuler/", CancelDateView.as_view(), name="cancel"),
        path("date/<int:date_id>/reporter/", PostponeDateView.as_view(), name="postpone"),
        path("date/<int:date_id>/participants/", AttendeesView.as_view(), name="attendees"),
        path(
            "date/<int:date_id>/export.<str:fmt>",
            ExportView.as_view(),
            name="export",
        ),
        path("date/<int:date_id>/emargement/", SignInSheetView.as_view(), name="sign_in_sheet"),
        path("date/<int:date_id>/message/", DateMessageView.as_view(), name="message"),
        path("date/<int:date_id>/accueil/", CheckInView.as_view(), name="checkin"),
        path(
            "date/<int:date_id>/accueil/compteurs/",
            CheckInCountsView.as_view(),
            name="checkin_counts",
        ),
    ]
    return [path("activites/", include((patterns, "events_staff")))]


def dates_button(page, user, priority):
    if not issubclass(page.specific_class or object, EventPage) or not can_manage_dates(user):
        return None
    return Button(
        _("Gérer les dates"),
        reverse("events_staff:dates", args=[page.pk]),
        icon_name="date",
        priority=priority,
    )


@hooks.register("register_page_header_buttons")
def page_header_dates_button(page, user, view_name, next_url=None):
    if button := dates_button(page, user, priority=40):
        yield button


@hooks.register("register_page_listing_more_buttons")
def page_listing_dates_button(page, user, next_url=None):
    if button := dates_button(page, user, priority=45):
        yield button


@hooks.register("construct_homepage_panels")
def add_upcoming_dates_panel(request, panels):
    from .admin.panels import UpcomingDatesPanel

    if UpcomingDatesPanel.is_shown(request):
        panels.append(UpcomingDatesPanel(request))
