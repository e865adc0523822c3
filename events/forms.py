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

    def __init__(self, *args, page, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        now = timezone.now()
        self.dates = {d.pk: d for d in page.upcoming_dates}
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
        return data
