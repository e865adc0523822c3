from django import forms
from django.utils.translation import gettext_lazy as _

from cesiq_site.antispam import SpamProtectedForm
from cesiq_site.validation import guard_text_fields

from .services import CONSENT_TEXT


class SignupForm(SpamProtectedForm):
    """The newsletter sign-up: an address and a separate, unchecked consent box."""

    spam_purpose = "newsletter"

    email = forms.EmailField(
        # Not "Votre courriel": this form sits in every page's footer, beside the page's own
        # forms, and each field must say what it is for (WCAG 2.4.6).
        label=_("Courriel pour l'infolettre"),
        max_length=254,
        error_messages={
            "required": _("Entrez votre adresse courriel."),
            "invalid": _("Entrez une adresse courriel valide, comme nom@exemple.org."),
            "max_length": _("Une adresse courriel compte au plus 254 caractères."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent = forms.BooleanField(
        label=CONSENT_TEXT,
        required=True,
        error_messages={
            "required": _("Cochez la case pour confirmer que vous voulez recevoir l'infolettre.")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        guard_text_fields(self)


class ConfirmForm(forms.Form):
    """The button on the confirmation page (a link alone confirms nothing: mail scanners
    follow links)."""
