"""The registration form: which date, how many of each ticket, who registers."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import TicketKind


class RegistrationForm(forms.Form):
    date = forms.TypedChoiceField(label=_("Date"), coerce=int, widget=forms.RadioSelect)
    buyer_name = forms.CharField(label=_("Votre nom"), max_length=200)
    buyer_email = forms.EmailField(
        label=_("Votre courriel"), help_text=_("Pour vous envoyer la confirmation et vos billets.")
    )
    discount_code = forms.CharField(label=_("Code de rabais"), max_length=40, required=False)
    consent = forms.BooleanField(
        label=_(
            "J'accepte que le CÉSIQ conserve ces renseignements pour gérer mon inscription, "
            "comme le décrit sa politique de confidentialité."
        ),
    )
    # Spam trap: hidden from people, filled in by naive robots.
    website = forms.CharField(required=False, label=_("Ne pas remplir"))

    offre = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, page, offer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        self.offer = offer
        now = timezone.now()
        self.dates = {d.pk: d for d in page.upcoming_dates}
        if offer is not None:
            # Places offered from the waiting list: that date only, that many places.
            self.dates = {offer.date_id: offer.date}
            self.fields["offre"].initial = offer.token
        self.fields["date"].choices = [(d.pk, str(d)) for d in self.dates.values() if d.start > now]
        if len(self.fields["date"].choices) == 1:
            self.fields["date"].initial = self.fields["date"].choices[0][0]
        self.ticket_types = page.public_ticket_types()
        for ticket in self.ticket_types:
            self.fields[f"quantity_{ticket.pk}"] = forms.IntegerField(
                label=ticket.label,
                min_value=0,
                max_value=ticket.max_per_order,
                initial=0,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            if ticket.kind == TicketKind.PAY_WHAT_YOU_CAN:
                self.fields[f"amount_{ticket.pk}"] = forms.DecimalField(
                    label=_("Votre contribution pour « %(name)s » ($)") % {"name": ticket.label},
                    min_value=ticket.price,
                    max_digits=8,
                    decimal_places=2,
                    initial=ticket.suggested_price or ticket.price,
                    required=False,
                )

    def ticket_rows(self):
        return [
            {
                "ticket": ticket,
                "quantity": self[f"quantity_{ticket.pk}"],
                "amount": self[f"amount_{ticket.pk}"]
                if f"amount_{ticket.pk}" in self.fields
                else None,
            }
            for ticket in self.ticket_types
        ]

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                _("Envoi refusé : le champ « Ne pas remplir », réservé aux robots, est rempli.")
            )
        self.selections = []
        for ticket in self.ticket_types:
            quantity = data.get(f"quantity_{ticket.pk}") or 0
            if quantity:
                amount = data.get(f"amount_{ticket.pk}")
                self.selections.append((ticket, quantity, Decimal(amount) if amount else None))
        if not self.selections and not self.errors:
            raise forms.ValidationError(_("Choisissez au moins un billet."))
        if self.offer and sum(q for _t, q, _a in self.selections) > self.offer.places:
            raise forms.ValidationError(
                _("Votre offre de la liste d'attente est de %(places)s place(s) au plus.")
                % {"places": self.offer.places}
            )
        return data


class WaitingListForm(forms.Form):
    date = forms.TypedChoiceField(label=_("Date"), coerce=int, widget=forms.RadioSelect)
    places = forms.IntegerField(label=_("Nombre de places"), min_value=1, max_value=10, initial=1)
    name = forms.CharField(label=_("Votre nom"), max_length=200)
    email = forms.EmailField(
        label=_("Votre courriel"), help_text=_("Pour vous prévenir si des places se libèrent.")
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que le CÉSIQ conserve ces renseignements pour me prévenir, comme le "
            "décrit sa politique de confidentialité."
        ),
    )
    website = forms.CharField(required=False, label=_("Ne pas remplir"))

    def __init__(self, *args, page, **kwargs):
        super().__init__(*args, **kwargs)
        now = timezone.now()
        self.dates = {d.pk: d for d in page.upcoming_dates if d.start > now}
        self.fields["date"].choices = [(pk, str(d)) for pk, d in self.dates.items()]
        if len(self.dates) == 1:
            self.fields["date"].initial = next(iter(self.dates))

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                _("Envoi refusé : le champ « Ne pas remplir », réservé aux robots, est rempli.")
            )
        return data
