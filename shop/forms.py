"""Forms of the shop: adding to the cart, changing quantities, checking out."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .cart import MAX_QUANTITY


class AddToCartForm(forms.Form):
    variant = forms.TypedChoiceField(label=_("Format"), coerce=int, widget=forms.RadioSelect)
    quantity = forms.IntegerField(
        label=_("Quantité"),
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        # No `size`: HTML allows it on text inputs only (site.css sets the width).
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("La quantité doit être un nombre entier.")},
    )

    def __init__(self, *args, variants=None, **kwargs):
        super().__init__(*args, **kwargs)
        if variants is not None:
            self.fields["variant"].choices = [(v.pk, v.display_label) for v in variants]
            if len(variants) == 1:
                self.fields["variant"].initial = variants[0].pk


class PickupPlace:
    OFFICE = "office"


class CheckoutForm(forms.Form):
    buyer_name = forms.CharField(label=_("Votre nom"), max_length=200)
    buyer_email = forms.EmailField(
        label=_("Votre courriel"), help_text=_("Pour vous envoyer la confirmation et le reçu.")
    )
    pickup = forms.ChoiceField(
        label=_("Récupération"),
        choices=[(PickupPlace.OFFICE, _("Au bureau du CÉSIQ"))],
        initial=PickupPlace.OFFICE,
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que le CÉSIQ conserve ces renseignements pour gérer ma commande, "
            "comme le décrit sa politique de confidentialité."
        ),
    )
    # Spam trap: hidden from people, filled in by naive robots.
    website = forms.CharField(required=False, label=_("Ne pas remplir"))

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                _("Envoi refusé : le champ « Ne pas remplir », réservé aux robots, est rempli.")
            )
        return data
