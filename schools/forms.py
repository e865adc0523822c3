"""The public workshop request form ("Demande d'animation")."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

from cesiq_site.antispam import SpamProtectionMixin
from cesiq_site.collation import natural
from cesiq_site.validation import (
    CONSENT_REQUIRED,
    ListedIdsField,
    guard_text_fields,
    phone_number,
)

from .calendar import no_class
from .models import MAX_GROUP_SIZE, MIN_GROUP_SIZE, Level

# « 418 555-0199 », « +1 (418) 555.0199 poste 12 », « 4185550199 x12 ».
EMAIL_INVALID = _("Indiquez un courriel valide, comme nom@exemple.ca.")
# The limits are in the sentences (a lazy translation cannot be formatted at import).
GROUP_SIZE_MESSAGE = _("Indiquez un nombre d'élèves entre 5 et 120.")
DATE_INVALID = _("Indiquez une date valide, comme 2027-03-15.")
# How far ahead a date may be asked for: staff plan a school year at most.
MAX_DAYS_AHEAD = 548


def date_field(label, required=True):
    return forms.DateField(
        label=label,
        required=required,
        help_text=_("Un jour de classe, du lundi au vendredi."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Indiquez au moins deux dates souhaitées."),
            "invalid": DATE_INVALID,
        },
    )


class WorkshopRequestForm(SpamProtectionMixin, forms.Form):
    """Spam-protected (cesiq_site/antispam.py): a honeypot and a signed time trap, checked in
    clean(); the view counts each POST against the "form" rate-limit scope."""

    spam_purpose = "workshop_request"

    school = forms.CharField(
        label=_("École"),
        max_length=200,
        error_messages={"required": _("Indiquez le nom de l'école.")},
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    school_board = forms.CharField(
        label=_("Centre de services scolaire"),
        max_length=200,
        required=False,
        help_text=_("Ou la commission scolaire, s'il y a lieu."),
    )
    contact_name = forms.CharField(
        label=_("Personne-ressource"),
        max_length=200,
        error_messages={"required": _("Indiquez le nom de la personne-ressource.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Courriel"),
        max_length=254,
        help_text=_("Pour vous envoyer la confirmation et notre proposition."),
        error_messages={"required": _("Indiquez votre courriel."), "invalid": EMAIL_INVALID},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=40,
        error_messages={"required": _("Indiquez un numéro de téléphone.")},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    level = forms.ChoiceField(
        label=_("Niveau"),
        choices=[("", _("Choisissez un niveau")), *Level.choices],
        error_messages={
            "required": _("Choisissez le niveau du groupe."),
            "invalid_choice": _("Choisissez le niveau du groupe."),
        },
    )
    group_size = forms.IntegerField(
        label=_("Nombre d'élèves"),
        min_value=MIN_GROUP_SIZE,
        max_value=MAX_GROUP_SIZE,
        help_text=_("Entre 5 et 120."),
        error_messages={
            "required": GROUP_SIZE_MESSAGE,
            "invalid": GROUP_SIZE_MESSAGE,
            "min_value": GROUP_SIZE_MESSAGE,
            "max_value": GROUP_SIZE_MESSAGE,
        },
    )
    preferred_date_1 = date_field(_("Première date souhaitée"))
    preferred_date_2 = date_field(_("Deuxième date souhaitée"))
    preferred_date_3 = date_field(_("Troisième date souhaitée (facultatif)"), required=False)
    themes = ListedIdsField(
        label=_("Thèmes qui vous intéressent"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choisissez des thèmes de la liste.")},
    )
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Besoins particuliers, accessibilité, projet de classe… (2 000 caractères au plus)"
        ),
        error_messages={"max_length": _("Le message doit faire au plus 2 000 caractères.")},
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que le CÉSIQ conserve ces renseignements pour organiser l'animation, "
            "comme le décrit sa politique de confidentialité."
        ),
        error_messages={"required": CONSENT_REQUIRED},
    )

    def __init__(self, *args, now=None, **kwargs):
        super().__init__(*args, **kwargs)
        from events.models import Theme

        self.now = now or timezone.now()
        self.fields["themes"].queryset = Theme.objects.filter(
            locale=Locale.get_active(), live=True
        ).order_by(natural("name"))
        today = timezone.localdate(self.now)
        for name in ("preferred_date_1", "preferred_date_2", "preferred_date_3"):
            self.fields[name].widget.attrs.update(
                min=(today + timedelta(days=1)).isoformat(),
                max=(today + timedelta(days=MAX_DAYS_AHEAD)).isoformat(),
            )
        guard_text_fields(self)

    def clean_phone(self):
        return phone_number(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        today = timezone.localdate(self.now)
        seen = set()
        for name in ("preferred_date_1", "preferred_date_2", "preferred_date_3"):
            value = data.get(name)
            if value is None:
                continue
            if value <= today:
                self.add_error(name, _("Choisissez une date à venir."))
            elif value > today + timedelta(days=MAX_DAYS_AHEAD):
                self.add_error(name, _("Choisissez une date dans les 18 prochains mois."))
            elif reason := no_class(value):  # the workshop is given in class
                self.add_error(name, reason)
            elif value in seen:
                self.add_error(name, _("Choisissez des dates différentes."))
            seen.add(value)
        return data

    def booking_data(self):
        """The cleaned data that goes on the booking itself."""
        data = self.cleaned_data
        return {
            name: data[name].strip() if isinstance(data[name], str) else data[name]
            for name in (
                "school",
                "school_board",
                "contact_name",
                "email",
                "phone",
                "level",
                "group_size",
                "preferred_date_1",
                "preferred_date_2",
                "preferred_date_3",
                "message",
            )
        }


class ConfirmForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Mode de paiement"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez un mode de paiement."),
            "invalid_choice": _("Choisissez un mode de paiement."),
        },
    )
    purchase_order_number = forms.CharField(
        label=_("Numéro de bon de commande (facultatif)"),
        max_length=60,
        required=False,
        help_text=_(
            "Si votre centre de services scolaire en exige un, il figurera sur la facture."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import PaymentMethod

        self.fields["method"].choices = PaymentMethod.choices
        guard_text_fields(self)
