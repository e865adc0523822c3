"""The door, on a phone: type or scan a ticket code, or search a name; a live count."""

import json
from datetime import datetime
from urllib.parse import urlencode

from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .. import checkin
from ..registry import handovers_for
from .base import DateMixin, when
from .permissions import CHECK_IN

CHECKIN_SESSION_KEY = "events_checkin_result"


class CheckInView(DateMixin, WagtailAdminTemplateMixin, TemplateView):
    """The door, on a phone: type or scan a code, or search a name. POST, redirect, GET."""

    template_name = "events/admin/checkin.html"
    permission = CHECK_IN
    header_icon = "tick"

    def get_page_title(self):
        return _("Accueil (entrées)")

    def get_breadcrumbs_items(self):
        """On a phone the last breadcrumb is the only visible title and cannot wrap: it says
        only where one is; the activity and the date are shown in the page, where they wrap."""
        items = super().get_breadcrumbs_items()
        return items[:-1] + [{"url": "", "label": self.get_page_title()}]

    def here(self, query=""):
        url = reverse("events_staff:checkin", args=[self.date.pk])
        return f"{url}?{urlencode({'q': query})}" if query else url

    def post(self, request, *args, **kwargs):
        if "undo" in request.POST:
            attendee = checkin.find_attendee(request.POST.get("undo"), date=self.date)
            if attendee is None:
                raise Http404
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
        attendee = checkin.find_attendee(stored["attendee"]) if stored.get("attendee") else None
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
            when=when(self.date.start),
            # The door page of another day (the list's next date tapped by mistake): said,
            # not refused (a check-in the day before, for a volunteer, stays possible).
            not_today=self.other_day(),
            query=query,
            found=[(checkin.attendee_name(a), a) for a in found],
            counts=checkin.counts(self.date),
            handovers=handovers_for(self.date),
            action_url=self.here(),
            counts_url=reverse("events_staff:checkin_counts", args=[self.date.pk]),
            tickets_url=reverse("events_staff:checkin_tickets", args=[self.date.pk]),
            sync_url=reverse("events_staff:checkin_sync", args=[self.date.pk]),
            conflicts=checkin.conflicts(self.date),
            checkin_texts=self.texts(),
        )
        return context

    def other_day(self):
        """The date's day (« 20 janvier 2027 ») when today is not one of its days (from its
        start's to its end's: a weekend's Saturday too); "" on the day."""
        from django.utils import timezone
        from django.utils.formats import date_format

        today = timezone.localdate()
        if timezone.localdate(self.date.start) <= today <= timezone.localdate(self.date.end):
            return ""
        return date_format(timezone.localtime(self.date.start), "DATE_FORMAT")

    def texts(self):
        """What the page's script says, in the staff member's language."""
        return {
            "ok": _("Valide — %(name)s"),
            "already": _("Déjà entré·e à %(time)s — %(name)s"),
            "cancelled": _("Billet annulé — %(name)s"),
            "unknown": _("Code inconnu : %(code)s"),
            "offline_note": _(
                "Hors ligne : enregistré sur ce téléphone, envoyé au retour du réseau."
            ),
            "offline_pending": _("Hors ligne — %(n)s scan(s) en attente d'envoi."),
            "online_pending": _("%(n)s scan(s) en attente d'envoi…"),
            "synced": _("%(n)s scan(s) hors ligne envoyé(s)."),
            "conflict": _("Conflit : %(name)s était déjà entré·e (autre téléphone)."),
            "sync_refused": _("Envoi refusé : %(error)s"),
            "offline_ready": _(
                "Liste des billets gardée sur ce téléphone (%(n)s billet(s) valide(s)) : "
                "l'accueil marche sans réseau."
            ),
            "no_cache": _(
                "Hors ligne et aucune liste de billets sur ce téléphone : "
                "rechargez la page avec du réseau."
            ),
            "nobody": _("Personne ne correspond à « %(query)s »."),
            "admit": _("Faire entrer"),
            "admit_label": _("Faire entrer %(name)s"),
            "entered_at": _("Entré·e à %(time)s"),
            "needs_network": _(
                "Annuler une entrée demande du réseau : réessayez une fois en ligne."
            ),
            "camera_error": _("Impossible d'ouvrir la caméra : tapez le code."),
        }


class CheckInCountsView(DateMixin, View):
    permission = CHECK_IN

    def get(self, request, *args, **kwargs):
        return JsonResponse(checkin.counts(self.date))


class JsonPermissionMixin:
    """A phone's script asks these, not a person: a refusal is a 403 it can read, not the
    admin's redirect to its dashboard."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            return JsonResponse(
                {"error": _("Vous n'avez pas la permission d'enregistrer des entrées.")},
                status=403,
            )
        return super().dispatch(request, *args, **kwargs)


class CheckInTicketsView(JsonPermissionMixin, DateMixin, View):
    """The date's tickets, for a phone to keep and check people in without signal."""

    permission = CHECK_IN

    def get(self, request, *args, **kwargs):
        response = JsonResponse(checkin.offline_tickets(self.date))
        return response


class CheckInSyncView(JsonPermissionMixin, DateMixin, View):
    """Scans a phone made offline, sent when the signal came back (JSON, with the CSRF token
    in the X-CSRFToken header). Each scan is applied once; a malformed sync changes nothing
    and is answered 400 with the reason."""

    permission = CHECK_IN
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            payload = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError):  # 100,000 nested « [ »
            return JsonResponse({"error": _("Envoi illisible : JSON attendu.")}, status=400)
        try:
            answer = checkin.sync_scans(self.date, payload, user=request.user)
        except checkin.BadScans as error:
            return JsonResponse({"error": str(error)}, status=400)
        return JsonResponse(answer)
