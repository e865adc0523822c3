"""Spam protection for the public forms (contact, school workshop request, newsletter), with
nothing loaded from a third party: a honeypot, a signed time trap and the rate limits.

- The honeypot is a text box a person never sees nor reaches: it sits off-screen inside an
  `aria-hidden` wrapper, out of the tab order (`tabindex="-1"`), with autocomplete off, and
  its label tells anyone who still meets it to leave it empty. Robots that fill every field
  fill it; the form is then refused.
- The time trap is the moment the form was shown, signed with django.core.signing in a hidden
  field. A form sent less than `SPAM_MIN_SECONDS` (3 s) after it was shown was not typed by a
  person; a stamp older than `SPAM_MAX_AGE_SECONDS` (24 h), or one whose signature does not
  match (forged, or made for another form), is refused too. Forms shown on cached pages
  carry an older stamp, never a younger one, so the page cache cannot make a person "too
  fast"; the maximum age is far above the cache's lifetime.
- The rate limits (cesiq_site/ratelimit.py) count every POST per client in the scope "posts",
  and the forms accepted in "contact", "newsletter" and "form" (`ratelimit.DEFAULT_LIMITS`).

A refused form shows a clear, translated message and saves nothing: the checks run in the
form's `clean()`, so `is_valid()` is False and views save only valid forms. After a refusal
because the stamp was forged or too old, the re-rendered form carries a fresh stamp, so the
person can send it again.

Use: subclass `SpamProtectedForm`, or mix `SpamProtectionMixin` into any form class (the
Wagtail form builder's generated forms included), and call `ratelimit.check(request, "posts")`
at the top of the POST branch of the view and `ratelimit.check(request, scope)` once the form
is valid.
"""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

HONEYPOT_FIELD = "site_web"
TIME_FIELD = "form_started"

TOO_FAST_MESSAGE = _(
    "Le formulaire a été envoyé trop vite après son affichage. Attendez quelques secondes, "
    "puis envoyez-le de nouveau."
)
EXPIRED_MESSAGE = _(
    "Ce formulaire a expiré ou n'est pas valide. Vérifiez vos réponses, puis envoyez-le de nouveau."
)
HONEYPOT_MESSAGE = _(
    "Votre envoi a été refusé parce qu'il ressemble à un envoi automatique. Rien n'a été "
    "enregistré."
)


def now():
    """The clock the time trap reads (tests replace it)."""
    return time.time()


def min_seconds():
    return float(getattr(settings, "SPAM_MIN_SECONDS", 3))


def max_age_seconds():
    return float(getattr(settings, "SPAM_MAX_AGE_SECONDS", 24 * 3600))


def _signer(purpose):
    return signing.Signer(salt=f"cesiq.antispam.{purpose}")


def stamp(purpose, at=None):
    """The signed moment a form for `purpose` is shown."""
    moment = int(now() if at is None else at)
    return _signer(purpose).sign(str(moment))


def check_stamp(value, purpose):
    """None when `value` was shown long enough ago and not too long ago; else the reason:
    "too_fast" or "expired" (forged, malformed, made for another purpose, or too old)."""
    try:
        moment = int(_signer(purpose).unsign(str(value or "")))
    except (signing.BadSignature, ValueError):
        return "expired"
    elapsed = now() - moment
    if elapsed < 0 or elapsed > max_age_seconds():
        # A stamp from the future was not made by this clock: forged.
        return "expired"
    if elapsed < min_seconds():
        return "too_fast"
    return None


class HoneypotInput(forms.TextInput):
    """A text box people never see: rendered off-screen in an aria-hidden wrapper with its
    own label. It counts as a hidden field, so form templates render it without a label row
    (its label is inside its own template)."""

    template_name = "antispam/honeypot.html"
    is_hidden = True

    def __init__(self, attrs=None):
        base = {"tabindex": "-1", "autocomplete": "off"}
        super().__init__({**base, **(attrs or {})})


class SpamProtectionMixin:
    """Adds the honeypot and the time trap to a form; refuses spam in `clean()`.

    `spam_purpose` names the form (it is part of the signature, so a stamp made for one form
    does not serve another)."""

    spam_purpose = "form"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            label=_("Ne remplissez pas ce champ"),
            required=False,
            widget=HoneypotInput(),
        )
        self.fields[TIME_FIELD] = forms.CharField(
            required=False,
            widget=forms.HiddenInput(),
            initial=stamp(self.spam_purpose),
        )
        self.spam_reason = None

    def clean(self):
        cleaned = super().clean()
        if self.data.get(self.add_prefix(HONEYPOT_FIELD)):
            self.spam_reason = "honeypot"
            raise forms.ValidationError(HONEYPOT_MESSAGE, code="spam_honeypot")
        reason = check_stamp(self.data.get(self.add_prefix(TIME_FIELD)), self.spam_purpose)
        if reason == "too_fast":
            self.spam_reason = reason
            raise forms.ValidationError(TOO_FAST_MESSAGE, code="spam_too_fast")
        if reason == "expired":
            self.spam_reason = reason
            self._renew_stamp()
            raise forms.ValidationError(EXPIRED_MESSAGE, code="spam_expired")
        return cleaned

    def _renew_stamp(self):
        """The form will be shown again: give it a fresh stamp instead of the refused one."""
        data = self.data.copy()
        data[self.add_prefix(TIME_FIELD)] = stamp(self.spam_purpose)
        self.data = data

    @property
    def spam_fields(self):
        return {HONEYPOT_FIELD, TIME_FIELD}


class SpamProtectedForm(SpamProtectionMixin, forms.Form):
    """A plain form with the honeypot and the time trap."""
