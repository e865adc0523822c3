"""What staff do to one date, each after a confirmation: cancel it (every registration cancelled
and refunded), postpone it, write to everyone registered. Each calls the same services as the
public site (`events.staff`, `events.checkin`); an OrderError is shown on the form and, the
service being atomic, nothing changes."""

from django import forms
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateTimeInput

from orders.admin.formats import cad
from orders.models import OrderState
from orders.services import OrderError

from .. import checkin, staff
from ..models import Attendee, EventStatus
from .base import DateMixin, when
from .permissions import CHECK_IN, MANAGE_DATES


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
    # What the page said when it was shown (orders, amount): an order placed or cancelled
    # meanwhile made « 1 commande, 50,00 $ » confirm 2 orders and 65,00 $.
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def what_is_said(summary):
        return f"{summary['orders']}:{summary['to_refund']}"

    def __init__(self, *args, summary, **kwargs):
        super().__init__(*args, **kwargs)
        self.already_cancelled = summary["cancelled"]
        self.said_now = self.what_is_said(summary)
        self.fields["seen"].initial = self.said_now
        self.fields["confirm"].label = ngettext(
            "Je confirme : l'inscription de %(orders)s commande à cette date sera annulée "
            "et %(amount)s remboursés.",
            "Je confirme : les inscriptions de %(orders)s commandes à cette date seront "
            "annulées et %(amount)s remboursés.",
            summary["orders"],
        ) % {"orders": summary["orders"], "amount": cad(summary["to_refund"])}

    def clean(self):
        cleaned = super().clean()
        if self.already_cancelled:
            # Sent again from another tab or twice: what it saw is gone, and nothing is to do.
            raise forms.ValidationError(_("Cette date est déjà annulée : rien n'a changé."))
        seen = self.data.get("seen")
        if seen and seen != self.said_now:
            # Shown again with what is true now, to be confirmed again.
            self.data = self.data.copy()
            self.data["seen"] = self.said_now
            self.data.pop("confirm", None)
            raise forms.ValidationError(
                _(
                    "Les inscriptions à cette date ont changé depuis l'affichage de la page : "
                    "vérifiez ce qui sera annulé et remboursé, puis confirmez de nouveau."
                )
            )
        return cleaned


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


class DateActionView(DateMixin, WagtailAdminTemplateMixin, FormView):
    """A confirmation form, then the staff action on POST. Cancelling a date refunds money:
    only who may change orders may do it."""

    permission = MANAGE_DATES
    template_name = "events/admin/date_action.html"
    header_icon = "date"

    @cached_property
    def summary(self):
        return staff.date_summary(self.date)

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
                "Chaque inscription à cette date est annulée et ses billets remboursés par "
                "Stripe, taxes comprises. Une commande qui contient aussi des articles de la "
                "boutique ou une autre date garde ceux-ci ; les articles à remettre à cette "
                "date sont signalés « À traiter »."
            ),
            _(
                "Chaque personne inscrite reçoit l'avis d'annulation dans sa langue, avec votre "
                "message tel que vous l'écrivez ; les personnes en liste d'attente aussi."
            ),
            _("Les autres dates de l'activité ne changent pas."),
        ]

    def act(self, data):
        if self.date.status == EventStatus.CANCELLED:
            # Cancelled meanwhile (another tab, a colleague): nothing more to do.
            raise OrderError(_("Cette date est déjà annulée : rien n'a changé."))
        outcome = staff.cancel_date(self.date, user=self.request.user, message=data["message"])
        text = _(
            "Date du %(date)s annulée : %(orders)s, %(amount)s remboursés ou en cours de "
            "remboursement, %(emailed)s."
        ) % {
            "date": when(self.date.start),
            "orders": (
                ngettext(
                    "inscriptions de %(count)s commande annulées",
                    "inscriptions de %(count)s commandes annulées",
                    outcome.orders,
                )
                % {"count": outcome.orders}
                if outcome.orders
                else _("aucune inscription à annuler")
            ),
            "amount": cad(outcome.refunded),
            "emailed": notified(outcome.emailed),
        }
        if outcome.failed:
            text += " " + _("À vérifier : %(codes)s.") % {"codes": ", ".join(outcome.failed)}
        now = timezone.now()
        if (
            self.page.status != EventStatus.CANCELLED
            and not self.page.dates.filter(end__gt=now, capacity__gt=0).exists()
        ):
            text += " " + _(
                "Il ne reste aucune date à venir : pensez à passer l'activité au statut "
                "« Annulée »."
            )
        return text


class CancelTicketForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif"),
        help_text=gettext_lazy(
            "Envoyé par courriel à la personne qui a payé, et noté dans le journal de la "
            "commande et sur le remboursement."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=staff.REASON_MAX_LENGTH,
    )
    refund = forms.BooleanField(required=False, initial=True)
    confirm = forms.BooleanField(
        required=True,
        label=gettext_lazy("Je confirme l'annulation de ce billet"),
        error_messages={"required": gettext_lazy("Cochez la case pour confirmer l'annulation.")},
    )

    def __init__(self, *args, amount, by_hand=False, **kwargs):
        super().__init__(*args, **kwargs)
        if amount > 0 and by_hand:
            self.fields["refund"].label = _(
                "Rembourser %(amount)s à la main (commande payée par chèque ou virement : "
                "elle sera signalée, à enregistrer dans « Factures »)"
            ) % {"amount": cad(amount)}
        elif amount > 0:
            self.fields["refund"].label = _("Rembourser %(amount)s par Stripe") % {
                "amount": cad(amount)
            }
        if amount > 0:
            self.fields["refund"].help_text = _(
                "Décochez si le billet n'est pas remboursable (selon vos conditions)."
            )
        else:
            del self.fields["refund"]


class CancelTicketView(DateActionView):
    """Cancel one ticket of a confirmed order: void at the door, its place back on sale and
    offered to the waiting list, its share refunded (unless unticked), the buyer told."""

    form_class = CancelTicketForm
    submit_label = gettext_lazy("Annuler ce billet")
    cancel_label = gettext_lazy("Retour aux participant·es")
    destructive = True

    summary = None  # about one ticket, not the whole date

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.attendee = get_object_or_404(
            Attendee.objects.select_related("order_line__order", "ticket_type"),
            pk=kwargs["attendee_id"],
            date=self.date,
        )
        self.amount = staff.ticket_refund(self.attendee)

    def dispatch(self, request, *args, **kwargs):
        # Said at once, not after staff have written a reason (and offered a refund the
        # ticket already had).
        order = self.attendee.order_line.order
        if self.attendee.cancelled_at or order.state == OrderState.CANCELLED:
            messages.error(
                request,
                _("Le billet %(code)s est déjà annulé.") % {"code": self.attendee.ticket_code},
            )
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Annuler un billet")

    def get_success_url(self):
        return reverse("events_staff:attendees", args=[self.date.pk])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "amount": self.amount, "by_hand": self.by_hand}

    @cached_property
    def by_hand(self):
        """Paid by cheque or transfer: a refund is sent by staff, not by Stripe."""
        return staff.paid_by_hand(self.attendee.order_line.order)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_label"] = self.cancel_label
        return context

    def explanation(self):
        attendee, order = self.attendee, self.attendee.order_line.order
        return [
            _("Billet %(code)s — %(ticket)s%(name)s, commande %(order)s (%(buyer)s).")
            % {
                "code": attendee.ticket_code,
                "ticket": attendee.ticket_type.label,
                "name": f" — {attendee.name}" if attendee.name else "",
                "order": order.code,
                "buyer": order.buyer_email,
            },
            _(
                "Le billet ne sera plus valide à l'entrée ; sa place est remise en vente et "
                "offerte à la liste d'attente."
            ),
            _("Les autres billets de la commande restent valables."),
            _("La personne qui a payé reçoit un courriel avec votre motif."),
        ]

    def act(self, data):
        refund, _emailed = staff.cancel_ticket(
            self.attendee,
            user=self.request.user,
            reason=data["reason"],
            # No box when nothing was to refund: should something be by now, refund it.
            refund=data.get("refund", True),
        )
        text = _(
            "Billet %(code)s annulé ; sa place est offerte à la liste d'attente s'il y a "
            "quelqu'un à qui elle suffit, sinon remise en vente."
        ) % {"code": self.attendee.ticket_code}
        if refund:
            text += " " + _("Remboursement de %(amount)s demandé.") % {"amount": cad(refund.amount)}
        elif data.get("refund", True) and self.amount > 0 and self.by_hand:
            text += " " + _(
                "À rembourser à la main : %(amount)s (la commande est signalée ; enregistrez "
                "le remboursement dans « Factures »)."
            ) % {"amount": cad(self.amount)}
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
                "Chaque personne inscrite reçoit l'avis de report dans sa langue, avec votre "
                "message tel que vous l'écrivez, la nouvelle date (ou « à venir ») et le lien "
                "vers sa commande, où elle peut encore annuler."
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
            text = _("Date reportée au %(date)s : %(emailed)s.") % {
                "date": when(self.date.start),
                "emailed": notified(outcome.emailed),
            }
        else:
            text = _(
                "Date reportée (nouvelle date à venir) : %(emailed)s. Pensez à passer "
                "l'activité au statut « Reportée » si toutes ses dates le sont."
            ) % {"emailed": notified(outcome.emailed)}
        return text


def notified(count):
    return ngettext("%(count)s personne avisée", "%(count)s personnes avisées", count) % {
        "count": count
    }


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
        if not queued:
            messages.warning(
                self.request,
                _(
                    "Rien n'est parti : chaque personne a déjà reçu ce message (même objet, "
                    "même texte)."
                )
                if self.recipients
                else _("Rien n'est parti : personne n'est inscrit à cette date."),
            )
            return redirect(self.get_success_url())
        messages.success(
            self.request,
            ngettext(
                "Message envoyé à %(n)s personne.", "Message envoyé à %(n)s personnes.", queued
            )
            % {"n": queued},
        )
        return redirect(self.get_success_url())
