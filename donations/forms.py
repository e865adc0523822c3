"""The donation form: an amount (suggested or one's own), a dedication, who gives and where
they live (the address an official receipt must carry)."""

from django import forms
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from localflavor.ca.forms import CAProvinceField, CAProvinceSelect

from cesiq_site.postal import PostalCodeField, postal_code_error, province_choices
from cesiq_site.validation import (
    CONSENT_REQUIRED,
    guard_text_fields,
    parse_amount,
    too_many_decimals,
)
from orders.money import format_cad, quantize

from .models import Tribute

OTHER = "autre"


def amount_error(requested, minimum, maximum):
    """Why this amount cannot be given online (translated), or None. Checked on the server
    whatever the browser sent."""
    amount = parse_amount(requested)
    language = get_language() or "fr"
    if amount is None:
        return _("Indiquez le montant de votre don en dollars (par exemple 25 ou 25,50).")
    # Decimals as typed first: « 2.500 » is no 2,50 $ under the minimum (nor 2 500 $).
    if too_many_decimals(amount):
        return _("Le montant ne peut pas avoir plus de deux décimales.")
    if amount < minimum:
        return _("Le don minimum en ligne est de %(min)s.") % {"min": format_cad(minimum, language)}
    if amount > maximum:
        return _(
            "Le don maximum en ligne est de %(max)s. Pour un don plus important, "
            "communiquez avec nous."
        ) % {"max": format_cad(maximum, language)}
    return None


class DonationForm(forms.Form):
    amount = forms.ChoiceField(
        label=gettext_lazy("Montant de votre don"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choisissez un montant ou indiquez le vôtre."),
            "invalid_choice": gettext_lazy("Choisissez un montant proposé ou indiquez le vôtre."),
        },
    )
    other_amount = forms.CharField(
        label=gettext_lazy("Autre montant ($)"),
        required=False,
        max_length=15,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    tribute = forms.ChoiceField(
        label=gettext_lazy("Dédier ce don"),
        choices=Tribute.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Choisissez une dédicace proposée.")},
    )
    tribute_name = forms.CharField(
        label=gettext_lazy("Nom de la personne"), max_length=200, required=False
    )
    donor_name = forms.CharField(
        label=gettext_lazy("Votre nom complet"),
        max_length=200,
        help_text=gettext_lazy("Tel qu'il doit figurer sur le reçu."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    donor_email = forms.EmailField(
        label=gettext_lazy("Votre courriel"),
        max_length=254,
        help_text=gettext_lazy("Pour vous envoyer la confirmation et le reçu."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # autocomplete tokens (WCAG 1.3.5): browsers and assistive tools fill them in.
    street_address = forms.CharField(
        label=gettext_lazy("Adresse"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    city = forms.CharField(
        label=gettext_lazy("Ville"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    province = CAProvinceField(
        label=gettext_lazy("Province ou territoire"),
        widget=CAProvinceSelect(attrs={"autocomplete": "address-level1"}),
        initial="QC",
    )
    postal_code = PostalCodeField(
        label=gettext_lazy("Code postal"),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
        error_messages={"invalid": gettext_lazy("Saisissez un code postal canadien (A1A 1A1).")},
    )
    consent = forms.BooleanField(
        label=gettext_lazy(
            "J'accepte que le CÉSIQ conserve ces renseignements pour traiter mon don et "
            "m'envoyer son reçu, comme le décrit sa politique de confidentialité."
        ),
        error_messages={"required": CONSENT_REQUIRED},
    )
    website = forms.CharField(required=False, label=gettext_lazy("Ne pas remplir"))

    def __init__(self, *args, page, **kwargs):
        super().__init__(*args, **kwargs)
        self.page = page
        language = get_language() or "fr"
        self.fields["amount"].choices = [
            (str(a), format_cad(a, language)) for a in page.amounts()
        ] + [(OTHER, _("Autre montant"))]
        bounds = {
            "min": format_cad(page.minimum_amount, language),
            "max": format_cad(page.maximum_amount, language),
        }
        self.fields["other_amount"].help_text = _("Entre %(min)s et %(max)s.") % bounds
        # Too many characters to be an amount at all: said as the other wrong amounts are.
        self.fields["other_amount"].error_messages["max_length"] = (
            _("Indiquez un montant entre %(min)s et %(max)s.") % bounds
        )
        if not page.allow_tribute:
            del self.fields["tribute"]
            del self.fields["tribute_name"]
        # Named in this request's language, in its alphabetical order.
        self.fields["province"].widget.choices = province_choices()
        guard_text_fields(self)

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                _("Envoi refusé : le champ « Ne pas remplir », réservé aux robots, est rempli.")
            )
        choice = data.get("amount")
        if choice and "other_amount" not in self.errors:  # too long: said once, not twice
            requested = data.get("other_amount") if choice == OTHER else choice
            error = amount_error(requested, self.page.minimum_amount, self.page.maximum_amount)
            if error:
                self.add_error("other_amount" if choice == OTHER else "amount", error)
            else:
                data["gift"] = quantize(parse_amount(requested))
        if (
            data.get("tribute")
            and "tribute_name" not in self.errors  # given, but refused (a control character)
            and not data.get("tribute_name", "").strip()
        ):
            self.add_error(
                "tribute_name", _("Indiquez le nom de la personne à qui vous dédiez ce don.")
            )
        if not data.get("tribute"):
            data["tribute_name"] = ""
        error = postal_code_error(data.get("postal_code"), data.get("province"))
        if error:
            self.add_error("postal_code", error)
        return data

    def details(self):
        """What the order line keeps about the gift (the receipt is made from it)."""
        data = self.cleaned_data
        return {
            "donor_name": data["donor_name"].strip(),
            "street_address": data["street_address"].strip(),
            "city": data["city"].strip(),
            "province": data["province"],
            "postal_code": data["postal_code"],
            "tribute": data.get("tribute", ""),
            "tribute_name": data.get("tribute_name", "").strip(),
        }
