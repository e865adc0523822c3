"""Spam protection of the public request form, in one place so that the view calls one
function. Temporary: replaced by cesiq_site.antispam once it is on main (honeypot, signed time
trap and rate-limit scopes shared by every public form)."""

from django.core import signing
from django.utils.translation import gettext_lazy as _

from cesiq_site import ratelimit

SCOPE = "workshop_request"
ratelimit.DEFAULT_LIMITS.setdefault(SCOPE, (5, 3600))
MIN_SECONDS = 3
MAX_SECONDS = 24 * 3600
SALT = "schools.request.time"

SPAM_MESSAGE = _(
    "Votre demande n'a pas pu être envoyée : elle ressemble à un envoi automatique. "
    "Vérifiez le formulaire et envoyez-le de nouveau."
)


def time_token():
    return signing.TimestampSigner(salt=SALT).sign("form")


def looks_automated(form):
    """True when the hidden field is filled or the form came back too fast or too late."""
    data = form.data
    if data.get("website"):
        return True
    try:
        signing.TimestampSigner(salt=SALT).unsign(data.get("started", ""), max_age=MAX_SECONDS)
    except signing.BadSignature:
        return True
    try:
        signing.TimestampSigner(salt=SALT).unsign(data.get("started", ""), max_age=MIN_SECONDS)
    except signing.SignatureExpired:
        return False  # older than the minimum: a person took their time
    return True


def limited(request):
    """The 429 answer when this client sent too many requests, else None."""
    over = ratelimit.hit(request, SCOPE)
    return ratelimit.too_many(request, over) if over else None
