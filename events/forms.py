"""The registration form: which date, how many of each ticket, who registers."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cesiq_site.validation import guard_text_fields, printable_or_empty

from .models import TicketKind
from .waiting_list import max_places

# Messages that say what to do (the error summary lists them as links to their fields).
DATE_REQUIRED = _("Choisissez une date.")
NAME_REQUIRED = _("Indiquez votre nom.")
EMAIL_REQUIRED = _("Indiquez votre courriel.")
EMAIL_INVALID = _("Indiquez un courriel valide, comme nom@exemple.ca.")
CONSENT_REQUIRED = _("Cochez la case pour accepter que le CÉSIQ conserve ces renseignements.")
NO_TICKET = _("Choisissez au moins un billet.")


def name_field():
    # autocomplete tokens (WCAG 1.3.5): browsers and assistive tools fill them in.
    return forms.CharField(
        label=_("Votre nom"),
        max_length=200,
        error_messages={"required": NAME_REQUIRED},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


def email_field(help_text):
    return forms.EmailField(
        label=_("Votre courriel"),
        help_text=help_text,
        max_length=254,  # the column's size (RFC 5321)
        error_messages={"required": EMAIL_REQUIRED, "invalid": EMAIL_INVALID},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def date_field():
    return forms.TypedChoiceField(
        label=_("Date"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": DATE_REQUIRED},
    )


class RegistrationForm(forms.Form):
    date = date_field()
    buyer_name = name_field()
    buyer_email = email_field(_("Pour vous envoyer la confirmation et vos billets."))
    discount_code = forms.CharField(label=_("Code de rabais"), max_length=40, required=False)
    consent = forms.BooleanField(
        label=_(
            "J'accepte que le CÉSIQ conserve ces renseignements pour gérer mon inscription, "
            "comme le décrit sa politique de confidentialité."
        ),
        error_messages={"required": CONSENT_REQUIRED},
    )
    # Spam trap: hidden from people, filled in by naive robots.
    website = forms.CharField(required=False, label=_("Ne pas remplir"))

    offre = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, page, offer=None, member=False, member_code="", **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        self.offer = offer
        # A member sees the member price; a member code typed in the code box is no discount.
        self.member = member
        self.member_code = member_code
        self.tickets_message = None
        now = timezone.now()
        self.dates = {d.pk: d for d in page.bookable_dates}
        if offer is not None:
            # Places offered from the waiting list: that date only, that many places.
            self.dates = {offer.date_id: offer.date} if offer.date.on_sale(now) else {}
            self.fields["offre"].initial = offer.token
        self.fields["date"].choices = [(d.pk, str(d)) for d in self.dates.values()]
        if len(self.fields["date"].choices) == 1:
            self.fields["date"].initial = self.fields["date"].choices[0][0]
        self.add_group_and_question_fields(page)
        code = (self.data.get("discount_code") if self.is_bound else None) or self.initial.get(
            "discount_code", ""
        )
        # Read before validation (it decides which fields exist): only a plausible code counts.
        code = printable_or_empty(code, self.fields["discount_code"].max_length)
        self.ticket_types = page.public_ticket_types(
            discount_code="" if code == member_code else code, member=member
        )
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
        guard_text_fields(self)

    def add_group_and_question_fields(self, page):
        from .models import Audience, QuestionKind

        self.is_school = page.source.audience == Audience.SCHOOL
        if self.is_school:
            self.fields["school"] = forms.CharField(label=_("École"), max_length=200)
            self.fields["grade"] = forms.CharField(
                label=_("Niveau scolaire"), max_length=100, help_text=_("Par exemple : 5e année")
            )
        self.fields["attendee_names"] = forms.CharField(
            label=_("Noms des participant·es (facultatif)"),
            help_text=_("Un nom par ligne, pour les billets et la liste à l'entrée."),
            widget=forms.Textarea(attrs={"rows": 3}),
            required=False,
        )
        self.questions = list(page.source.questions.all())
        for question in self.questions:
            name = f"question_{question.pk}"
            if question.kind == QuestionKind.CHECKBOX:
                field = forms.BooleanField(label=question.shown_label, required=question.required)
            elif question.kind == QuestionKind.CHOICE:
                field = forms.ChoiceField(
                    label=question.shown_label,
                    required=question.required,
                    choices=[("", "—")] + question.choice_pairs(),
                )
            else:
                field = forms.CharField(
                    label=question.shown_label, required=question.required, max_length=500
                )
            self.fields[name] = field

    def question_fields(self):
        return [self[f"question_{q.pk}"] for q in self.questions]

    def answers(self):
        """Answers keyed by the question in French, as staff read them."""
        data = self.cleaned_data
        answers = {}
        # Stored in French whatever the visitor's language: staff read them as data.
        if self.is_school:
            answers["École"] = data["school"]
            answers["Niveau scolaire"] = data["grade"]
        for question in self.questions:
            value = data.get(f"question_{question.pk}")
            if value not in (None, "", False):
                answers[question.label] = "oui" if value is True else value
        return answers

    def attendee_names(self):
        names = self.cleaned_data.get("attendee_names") or ""
        return [n.strip()[:200] for n in names.splitlines() if n.strip()]

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
        if self.member_code and (data.get("discount_code") or "") == self.member_code:
            data["discount_code"] = ""
        self.selections = []
        for ticket in self.ticket_types:
            quantity = data.get(f"quantity_{ticket.pk}") or 0
            if quantity:
                amount = data.get(f"amount_{ticket.pk}")
                self.selections.append((ticket, quantity, Decimal(amount) if amount else None))
        if not self.selections and not self.errors:
            raise self.tickets_error(NO_TICKET, "no_ticket")
        wanted = sum(q for _t, q, _a in self.selections)
        cap = self.page.source.max_places_per_order
        if wanted > cap and not self.errors:
            raise self.tickets_error(
                _("Au plus %(max)s places par inscription ; vous en demandez %(wanted)s.")
                % {"max": cap, "wanted": wanted},
                "too_many_places",
            )
        if len(self.attendee_names()) > wanted and not self.errors:
            self.add_error(
                "attendee_names",
                _("Vous avez donné plus de noms (%(names)s) que de billets (%(tickets)s).")
                % {"names": len(self.attendee_names()), "tickets": wanted},
            )
        if self.offer and wanted > self.offer.places:
            raise self.tickets_error(
                _("Votre offre de la liste d'attente est de %(places)s place(s) au plus.")
                % {"places": self.offer.places},
                "offer_places",
            )
        return data

    # The error summary links these non-field errors to the first quantity field.
    TICKETS_ERROR_ID = "tickets-error"

    @property
    def error_summary_targets(self):
        first = f"quantity_{self.ticket_types[0].pk}" if self.ticket_types else None
        return dict.fromkeys(("no_ticket", "too_many_places", "offer_places"), first)

    def tickets_error(self, message, code):
        """An error about the tickets as a whole: shown on their fieldset, and every
        quantity field marked invalid and described by it (WCAG 3.3.1), not only a line at
        the top of the form."""
        self.tickets_message = message
        for ticket in self.ticket_types:
            attrs = self.fields[f"quantity_{ticket.pk}"].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = self.TICKETS_ERROR_ID
        return forms.ValidationError(message, code=code)


class WaitingListForm(forms.Form):
    date = date_field()
    places = forms.IntegerField(label=_("Nombre de places"), min_value=1, max_value=10, initial=1)
    name = name_field()
    email = email_field(_("Pour vous prévenir si des places se libèrent."))
    consent = forms.BooleanField(
        label=_(
            "J'accepte que le CÉSIQ conserve ces renseignements pour me prévenir, comme le "
            "décrit sa politique de confidentialité."
        ),
        error_messages={"required": CONSENT_REQUIRED},
    )
    website = forms.CharField(required=False, label=_("Ne pas remplir"))

    def __init__(self, *args, page, **kwargs):
        super().__init__(*args, **kwargs)
        self.dates = {d.pk: d for d in page.bookable_dates}
        self.fields["date"].choices = [(pk, str(d)) for pk, d in self.dates.items()]
        if len(self.dates) == 1:
            self.fields["date"].initial = next(iter(self.dates))
        most = max_places(page)
        self.fields["places"].max_value = most
        self.fields["places"].validators.append(MaxValueValidator(most))
        self.fields["places"].widget.attrs["max"] = most
        guard_text_fields(self)

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                _("Envoi refusé : le champ « Ne pas remplir », réservé aux robots, est rempli.")
            )
        return data
