"""The registration form: which date, how many of each ticket, who registers."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from cesiq_site import form_renderer
from cesiq_site.validation import (
    CONSENT_REQUIRED,
    AmountField,
    guard_text_fields,
    id_or_none,
    printable_or_empty,
)
from orders.money import format_cad

from .models import TicketKind
from .waiting_list import max_places

# Messages that say what to do (the error summary lists them as links to their fields).
DATE_REQUIRED = _("Choisissez une date.")
DATE_GONE = _("Cette date n'est plus proposée : choisissez-en une autre.")
NAME_REQUIRED = _("Indiquez votre nom.")
EMAIL_REQUIRED = _("Indiquez votre courriel.")
EMAIL_INVALID = _("Indiquez un courriel valide, comme nom@exemple.ca.")
NO_TICKET = _("Choisissez au moins un billet.")

# The most one may give for a pay-what-you-can ticket online (a larger gift is a donation).
MAX_CONTRIBUTION = Decimal("10000.00")


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
        error_messages={"required": DATE_REQUIRED, "invalid_choice": DATE_GONE},
    )


def question_field(question, required=None):
    """The form field for one of an activity's questions."""
    from .models import QuestionKind

    required = question.required if required is None else required
    if question.kind == QuestionKind.CHECKBOX:
        return forms.BooleanField(label=question.shown_label, required=required)
    if question.kind == QuestionKind.CHOICE:
        return forms.ChoiceField(
            label=question.shown_label,
            required=required,
            choices=[("", "—")] + question.choice_pairs(),
        )
    return forms.CharField(label=question.shown_label, required=required, max_length=500)


class RegistrationForm(forms.Form):
    # Its inputs written without a template each (the page every buyer loads).
    default_renderer = form_renderer.renderer

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
        self.add_invoice_fields(page)
        self.add_gift_fields(page)
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
                # Naming the ticket, not Django's « supérieure ou égale à 0 » or « entier ».
                error_messages={
                    "min_value": gettext("Indiquez 0 billet « %(ticket)s » ou plus.")
                    % {"ticket": ticket.label},
                    "invalid": gettext("Indiquez un nombre de billets « %(ticket)s » entier.")
                    % {"ticket": ticket.label},
                    "max_value": gettext("Au plus %(max)s billets « %(name)s » par commande.")
                    % {"max": ticket.max_per_order, "name": ticket.label},
                },
                # The attendee blocks' script names each person's ticket type from it.
                widget=forms.NumberInput(
                    attrs={"inputmode": "numeric", "data-ticket": ticket.label}
                ),
            )
            if ticket.kind == TicketKind.PAY_WHAT_YOU_CAN:
                # Said as the sale itself says it (TicketType.price_for), not Django's
                # « greater than or equal to 5.00 ».
                minimum = gettext(
                    "La contribution minimale pour « %(name)s » est de %(price)s."
                ) % {
                    "name": ticket.label,
                    "price": format_cad(ticket.price, translation.get_language() or "fr"),
                }
                maximum = gettext(
                    "La contribution maximale pour « %(name)s » est de %(price)s."
                ) % {
                    "name": ticket.label,
                    "price": format_cad(MAX_CONTRIBUTION, translation.get_language() or "fr"),
                }
                self.fields[f"amount_{ticket.pk}"] = AmountField(
                    label=_("Votre contribution pour « %(name)s » ($)") % {"name": ticket.label},
                    min_value=ticket.price,
                    max_value=MAX_CONTRIBUTION,
                    initial=ticket.suggested_price or ticket.price,
                    required=False,
                    error_messages={"min_value": minimum, "max_value": maximum},
                )
        # In the order the page shows them (the error summary lists their errors so): the
        # date, the tickets, the questions and the people, then the rest as declared.
        tickets = [name for name in self.fields if name.startswith(("quantity_", "amount_"))]
        people = [name for name in self.fields if name.startswith(("question_", "attendee_"))]
        self.order_fields(["date", *tickets, *people])
        guard_text_fields(self)

    def add_group_and_question_fields(self, page):
        from .models import Audience

        self.is_school = page.source.audience == Audience.SCHOOL
        if self.is_school:
            self.fields["school"] = forms.CharField(label=_("École"), max_length=200)
            self.fields["grade"] = forms.CharField(
                label=_("Niveau scolaire"), max_length=100, help_text=_("Par exemple : 5e année")
            )
        self.questions = [q for q in page.source.questions.all() if not q.per_attendee]
        for question in self.questions:
            self.fields[f"question_{question.pk}"] = question_field(question)
        self.add_attendee_fields(page)

    # --- paying by invoice (a school group, on an activity whose editors allow it) ----------

    PAY_CARD = "card"
    PAY_INVOICE = "invoice"
    INVOICE_FIELDS = ("invoice_school", "invoice_school_board", "invoice_po", "invoice_email")

    def add_invoice_fields(self, page):
        self.offers_invoice = page.offers_invoice()
        if not self.offers_invoice:
            return
        self.fields["payment"] = forms.ChoiceField(
            label=_("Paiement"),
            choices=[
                (self.PAY_CARD, _("Payer par carte maintenant (Stripe)")),
                (self.PAY_INVOICE, _("Payer sur facture (groupes scolaires)")),
            ],
            initial=self.PAY_CARD,
            widget=forms.RadioSelect,
            # Nothing chosen (a form sent without it) is the card, as before the choice existed.
            required=False,
        )
        if not self.is_school:
            self.fields["invoice_school"] = forms.CharField(
                label=_("École"), max_length=200, required=False
            )
        self.fields["invoice_school_board"] = forms.CharField(
            label=_("Centre de services scolaire"), max_length=200, required=False
        )
        self.fields["invoice_po"] = forms.CharField(
            label=_("N° de bon de commande (facultatif)"),
            max_length=60,
            required=False,
            help_text=_("Il figurera sur la facture."),
        )
        self.fields["invoice_email"] = forms.EmailField(
            label=_("Courriel de facturation"),
            max_length=254,
            required=False,
            help_text=_("La facture y est envoyée (le secrétariat de l'école, par exemple)."),
            error_messages={"invalid": EMAIL_INVALID},
            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        )

    def invoice_field_names(self):
        return [name for name in self.INVOICE_FIELDS if name in self.fields]

    def invoice_fields(self):
        return [self[name] for name in self.invoice_field_names()]

    @property
    def pays_by_invoice(self):
        return self.offers_invoice and self.cleaned_data.get("payment") == self.PAY_INVOICE

    def clean_invoice(self, data):
        """The school's billing details, required only when the invoice is chosen."""
        if data.get("payment") != self.PAY_INVOICE:
            return
        school_field = "school" if self.is_school else "invoice_school"
        if not (data.get(school_field) or "").strip() and school_field not in self.errors:
            self.add_error(school_field, _("Indiquez le nom de l'école à facturer."))
        if not data.get("invoice_email") and "invoice_email" not in self.errors:
            self.add_error("invoice_email", _("Indiquez le courriel où envoyer la facture."))

    def invoice(self):
        """What `events.services.register` needs to bill the order, or None (card)."""
        if not self.pays_by_invoice:
            return None
        data = self.cleaned_data
        return {
            "school": data["school"] if self.is_school else data["invoice_school"],
            "school_board": data.get("invoice_school_board", ""),
            "email": data["invoice_email"],
            "purchase_order_number": data.get("invoice_po", ""),
        }

    # --- a gift added to the order (orders.gift), on an activity with something to pay -----

    def add_gift_fields(self, page):
        from orders import gift

        self.gift_offer = None
        self.gift = None
        if any(t.kind != TicketKind.FREE for t in page.public_ticket_types()):
            gift.add_fields(self)

    def gift_fields(self):
        from orders import gift

        return gift.fields_of(self) if self.gift_offer else []

    def gift_selection(self):
        from orders import gift

        return gift.selection(self, donor_name=self.cleaned_data["buyer_name"])

    # --- one block per ticket: the person's name and the questions asked of each -----------

    # At most this many blocks on the page (an activity may allow 200 places per order: a
    # school group gives no names).
    MAX_ATTENDEE_BLOCKS = 30

    def add_attendee_fields(self, page):
        """Fields `attendee_<n>_name` and `attendee_<n>_question_<pk>` for n = 1, 2…

        Without JavaScript the form shows as many blocks as tickets were asked for in the data
        sent (one before any): asking for three tickets without their required names brings
        the form back with three blocks and an error on each empty one, nothing reserved. The
        page's script shows the blocks as the quantities change, before sending."""
        from .models import AttendeeNames

        source = page.source
        self.names_mode = source.attendee_names
        self.attendee_questions = [q for q in source.questions.all() if q.per_attendee]
        self.asks_attendees = self.names_mode != AttendeeNames.OFF or bool(self.attendee_questions)
        self.attendee_blocks = []
        if not self.asks_attendees:
            self.shown_blocks = 0
            return
        cap = min(source.max_places_per_order, self.MAX_ATTENDEE_BLOCKS)
        self.shown_blocks = min(max(self.wanted_from_data(), 1), cap)
        for n in range(1, cap + 1):
            shown = n <= self.shown_blocks
            block = {"number": n, "shown": shown, "fields": []}
            if self.names_mode != AttendeeNames.OFF:
                name = f"attendee_{n}_name"
                self.fields[name] = forms.CharField(
                    label=_("Nom"),
                    max_length=200,
                    required=shown and self.names_mode == AttendeeNames.REQUIRED,
                    error_messages={
                        "required": _("Indiquez le nom de la personne %(n)s.") % {"n": n}
                    },
                )
                block["fields"].append(name)
            for question in self.attendee_questions:
                name = f"attendee_{n}_question_{question.pk}"
                self.fields[name] = question_field(question, required=shown and question.required)
                block["fields"].append(name)
            block["stars"] = [
                self.names_mode == AttendeeNames.REQUIRED
                if name.endswith("_name")
                else self.question_required(name)
                for name in block["fields"]
            ]
            for name, star in zip(block["fields"], block["stars"], strict=True):
                attrs = self.fields[name].widget.attrs
                if star:
                    attrs["data-required"] = "true"
                if not shown:
                    attrs["disabled"] = True
            self.attendee_blocks.append(block)

    def question_required(self, name):
        pk = int(name.rsplit("_", 1)[1])
        return any(q.required for q in self.attendee_questions if q.pk == pk)

    def wanted_from_data(self):
        """How many tickets the data sent asks for (0 when unbound or unreadable)."""
        if not self.is_bound:
            return 0
        total = 0
        for key, value in self.data.items():
            if key.startswith("quantity_"):
                try:
                    total += max(int(str(value).strip() or 0), 0)
                except (TypeError, ValueError):
                    continue
        return total

    def attendee_rows(self):
        """The blocks for the template, with their bound fields and, when the activity has
        several ticket types and the form came back, the type of each person's ticket (the
        people are handed the tickets in the form's order: `services.selections_with_names`)."""
        types = self.block_ticket_types()
        return [
            {
                **block,
                "ticket_label": types[index] if index < len(types) else "",
                "fields": [
                    {"field": self[name], "star": star}
                    for name, star in zip(block["fields"], block["stars"], strict=True)
                ],
            }
            for index, block in enumerate(self.attendee_blocks)
        ]

    def block_ticket_types(self):
        """[ticket type label] for each ticket asked for, in order; [] with one type only."""
        if len(self.ticket_types) < 2 or not self.is_bound:
            return []
        labels = []
        for ticket in self.ticket_types:
            count = id_or_none(self.data.get(f"quantity_{ticket.pk}")) or 0
            labels += [ticket.label] * min(count, len(self.attendee_blocks))
        return labels

    def attendees(self, wanted):
        """[{"name", "answers"}] for the first `wanted` tickets, answers keyed in French."""
        people = []
        data = self.cleaned_data
        for n in range(1, min(wanted, len(self.attendee_blocks)) + 1):
            answers = {}
            for question in self.attendee_questions:
                value = data.get(f"attendee_{n}_question_{question.pk}")
                if value not in (None, "", False):
                    answers[question.label] = "oui" if value is True else value
            name = (data.get(f"attendee_{n}_name") or "").strip()[:200]
            people.append({"name": name, "answers": answers})
        return people

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
        return [person["name"] for person in self.attendees(self.wanted)]

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
        if self.offers_invoice:
            self.clean_invoice(data)
        if self.gift_offer is not None:
            from orders import gift

            gift.clean(self, data)
            if self.gift is not None and data.get("payment") == self.PAY_INVOICE:
                # A gift is receipted when received: it goes with a card payment only.
                self.add_error(
                    "gift_amount",
                    _(
                        "Un don s'ajoute seulement à un paiement par carte. Payez sur facture "
                        "sans don, ou faites votre don à part."
                    ),
                )
        self.selections = []
        for ticket in self.ticket_types:
            quantity = data.get(f"quantity_{ticket.pk}") or 0
            if quantity:
                amount = data.get(f"amount_{ticket.pk}")
                self.selections.append((ticket, quantity, Decimal(amount) if amount else None))
        # Said with the other mistakes of the same sending (an empty form learns at once that
        # it needs a ticket too), unless a quantity or an amount is itself wrong.
        tickets_wrong = any(name.startswith(("quantity_", "amount_")) for name in self.errors)
        if not self.selections and not tickets_wrong:
            raise self.tickets_error(NO_TICKET, "no_ticket")
        wanted = sum(q for _t, q, _a in self.selections)
        self.wanted = wanted
        cap = self.page.source.max_places_per_order
        if wanted > cap and not self.errors:
            raise self.tickets_error(
                _("Au plus %(max)s places par inscription ; vous en demandez %(wanted)s.")
                % {"max": cap, "wanted": wanted},
                "too_many_places",
            )
        if self.offer and wanted > self.offer.places:
            raise self.tickets_error(
                ngettext(
                    "Votre offre de la liste d'attente est d'une place.",
                    "Votre offre de la liste d'attente est de %(places)s places au plus.",
                    self.offer.places,
                )
                % {"places": self.offer.places},
                "offer_places",
            )
        people = min(wanted, len(self.attendee_blocks))
        if self.asks_attendees and not self.errors and people > self.blocks_seen():
            # Fewer places left than asked: said before asking for the names of people who
            # could not come (the sale counts again, under the date's lock).
            self.check_places_left(data.get("date"), wanted)
            # Without JavaScript the form showed fewer people than tickets asked for: the
            # buyer could not name them (names may be optional). It comes back with a block
            # for each, nothing reserved; the page's script keeps the count as it shows them.
            raise forms.ValidationError(
                _(
                    "Vous demandez %(wanted)s billets : indiquez ci-dessous qui vient avec "
                    "chacun, puis confirmez."
                )
                % {"wanted": wanted},
                code="attendees_not_shown",
            )
        return data

    def check_places_left(self, date_id, wanted):
        from orders.availability import too_few_left, usage

        date = self.dates.get(date_id) if self.offer is None else None
        if date is None:
            return
        found = usage([date.quota_id]).get(date.quota_id)
        left = max(found.left, 0) if found else 0
        if wanted > left:
            raise self.tickets_error(too_few_left(self.page.title, left), "not_enough_places")

    def blocks_seen(self):
        """How many people's blocks the page that sent the form showed (its hidden field
        `attendee_blocks_shown`); unknown (no limit) when it did not say."""
        try:
            return int(self.data.get("attendee_blocks_shown", ""))
        except (TypeError, ValueError):
            return self.MAX_ATTENDEE_BLOCKS

    # The error summary links these non-field errors to the first quantity field.
    TICKETS_ERROR_ID = "tickets-error"

    @property
    def names_step(self):
        """The form came back only to ask who comes with each ticket (without JavaScript):
        a step of the registration, said as one, not as « Il y a un problème »."""
        errors = self.errors.as_data()
        return list(errors) == [forms.forms.NON_FIELD_ERRORS] and [
            error.code for error in errors[forms.forms.NON_FIELD_ERRORS]
        ] == ["attendees_not_shown"]

    def names_step_message(self):
        return self.non_field_errors()[0]

    @property
    def error_summary_targets(self):
        first = f"quantity_{self.ticket_types[0].pk}" if self.ticket_types else None
        return dict.fromkeys(
            ("no_ticket", "too_many_places", "offer_places", "not_enough_places"), first
        )

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
        places = self.fields["places"]
        # One message, saying the range (it said Django's « inférieure ou égale à 10 » twice:
        # the class's bound and this page's).
        between = _("Indiquez un nombre de places entre 1 et %(max)s.") % {"max": most}
        places.max_value = most
        places.validators = [
            v for v in places.validators if not isinstance(v, MaxValueValidator | MinValueValidator)
        ] + [MinValueValidator(1, message=between), MaxValueValidator(most, message=between)]
        places.error_messages["invalid"] = between
        places.widget.attrs["max"] = most
        guard_text_fields(self)

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                _("Envoi refusé : le champ « Ne pas remplir », réservé aux robots, est rempli.")
            )
        date, places = self.dates.get(data.get("date")), data.get("places")
        if date is not None and places and date.capacity and places > date.capacity:
            # Waiting for more places than the date has would wait for ever.
            self.add_error(
                "places",
                ngettext_lazy(
                    "Cette date compte %(capacity)s place en tout.",
                    "Cette date compte %(capacity)s places en tout.",
                    "capacity",
                )
                % {"capacity": date.capacity},
            )
        return data
