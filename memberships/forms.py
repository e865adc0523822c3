"""Joining or renewing: a category, who the member is, consent."""

from django import forms
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from cesiq_site.validation import CONSENT_REQUIRED, guard_text_fields
from orders.money import format_cad

from .models import MemberKind


class JoinForm(forms.Form):
    category = forms.TypedChoiceField(
        label=gettext_lazy("Catégorie"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choisissez une catégorie de membre."),
            "invalid_choice": gettext_lazy("Choisissez une catégorie de membre proposée."),
        },
    )
    # autocomplete tokens (WCAG 1.3.5): browsers and assistive tools fill them in.
    name = forms.CharField(
        label=gettext_lazy("Votre nom"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    organisation = forms.CharField(
        label=gettext_lazy("Nom de l'organisation"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
        # Said before the consent: an organisation member is listed in the public directory
        # of the network (network/services.py) under this name.
        help_text=gettext_lazy(
            "Pour une adhésion d'organisation. Ce nom sera publié dans le répertoire du réseau "
            "sur le site ; l'équipe peut le compléter ou le corriger."
        ),
    )
    email = forms.EmailField(
        label=gettext_lazy("Votre courriel"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=gettext_lazy(
            "Pour renouveler, utilisez l'adresse de votre adhésion : l'année s'ajoute à la "
            "précédente."
        ),
    )
    consent = forms.BooleanField(
        label=gettext_lazy(
            "J'accepte que le CÉSIQ conserve ces renseignements pour gérer mon adhésion, "
            "comme le décrit sa politique de confidentialité."
        ),
        error_messages={"required": CONSENT_REQUIRED},
    )
    website = forms.CharField(required=False, label=gettext_lazy("Ne pas remplir"))

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = {c.pk: c for c in categories}
        language = get_language() or "fr"
        self.fields["category"].choices = [
            (
                c.pk,
                _("%(name)s — %(fee)s par année")
                % {"name": c.label, "fee": format_cad(c.yearly_fee, language)},
            )
            for c in categories
        ]
        guard_text_fields(self)

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                _("Envoi refusé : le champ « Ne pas remplir », réservé aux robots, est rempli.")
            )
        category = self.categories.get(data.get("category"))
        data["category_obj"] = category
        if (
            category
            and category.kind == MemberKind.ORGANISATION
            and not data.get("organisation", "").strip()
        ):
            self.add_error(
                "organisation", _("Indiquez le nom de l'organisation pour cette catégorie.")
            )
        return data
