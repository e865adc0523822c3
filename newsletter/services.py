"""The newsletter's rules: ask (double opt-in), confirm, unsubscribe, send an issue in batches.

Every email goes through the outbox (orders/outbox.py) in the same transaction as the change
that causes it; each carries the sender's identity and postal address and, for issues, a
one-click unsubscribe (List-Unsubscribe and List-Unsubscribe-Post, RFC 8058).
"""

from datetime import timedelta
from html import unescape

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.outbox import queue_email

from .models import Consent, NewsletterSending, Subscriber, new_token

# The words next to the consent box, recorded with every consent as shown.
CONSENT_TEXT = gettext_lazy(
    "Je veux recevoir l'infolettre du CÉSIQ par courriel (activités, campagnes, nouvelles). "
    "Je peux me désabonner en tout temps."
)
CONFIRMATION_DAYS = 7
BATCH_SIZE = 200


def site_url():
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def sender():
    """Who sends: name, postal address, email (CASL), from the default site's settings."""
    from wagtail.models import Site

    from home.models import SiteSettings

    site = Site.objects.filter(is_default_site=True).first()
    return SiteSettings.for_site(site) if site else SiteSettings()


def _url(name, token, language):
    with translation.override(language):
        return site_url() + reverse(name, args=[token])


def confirm_url(subscriber):
    return _url("newsletter:confirm", subscriber.confirm_token, subscriber.language)


def unsubscribe_url(subscriber):
    return _url("newsletter:unsubscribe", subscriber.unsubscribe_token, subscriber.language)


def unsubscribe_headers(subscriber):
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscriber)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _record(subscriber, action, source, text, language, ip_hash=""):
    return Consent.objects.create(
        subscriber=subscriber,
        action=action,
        source=source,
        text=str(text),
        language=language,
        ip_hash=ip_hash or "",
    )


def request_subscription(email, language, *, source, consent_text=CONSENT_TEXT, ip_hash=""):
    """Someone ticked the consent box: record it and email them a confirmation link. Nothing
    is sent to a confirmed address (the page says the same either way, so it tells nobody who
    is on the list); a pending one gets its link again, at most once a day."""
    email = email.strip().lower()
    now = timezone.now()
    with transaction.atomic():
        subscriber, created = Subscriber.objects.select_for_update().get_or_create(
            email=email, defaults={"language": language, "source": source}
        )
        with translation.override(language):
            text = str(consent_text)
        if subscriber.status == Subscriber.Status.CONFIRMED:
            return subscriber
        if subscriber.status == Subscriber.Status.UNSUBSCRIBED or (
            not created and now - subscriber.requested_at > timedelta(days=CONFIRMATION_DAYS)
        ):
            subscriber.confirm_token = new_token()
        subscriber.status = Subscriber.Status.PENDING
        subscriber.language = language
        subscriber.source = source
        subscriber.requested_at = now
        subscriber.save()
        _record(subscriber, Consent.Action.REQUESTED, source, text, language, ip_hash)
        queue_email(
            key=f"newsletter:confirm:{subscriber.pk}:{subscriber.confirm_token}:{now:%Y-%m-%d}",
            to=subscriber.email,
            language=language,
            template="newsletter/email/confirm",
            subject=lambda: _("Confirmez votre inscription à l'infolettre du CÉSIQ"),
            context={
                "confirm_url": confirm_url(subscriber),
                "days": CONFIRMATION_DAYS,
                "sender": sender(),
                "site_url": site_url(),
            },
        )
    return subscriber


class LinkError(Exception):
    """An unknown, expired or already used link: `reason` is "unknown", "expired" or "used"."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def find_pending(token):
    subscriber = Subscriber.objects.filter(confirm_token=token).first()
    if subscriber is None:
        raise LinkError("unknown")
    if subscriber.status == Subscriber.Status.CONFIRMED:
        raise LinkError("used")
    if subscriber.status != Subscriber.Status.PENDING:
        raise LinkError("unknown")
    if timezone.now() - subscriber.requested_at > timedelta(days=CONFIRMATION_DAYS):
        raise LinkError("expired")
    return subscriber


def confirm(token, *, text, ip_hash=""):
    """The person clicked the link and pressed "confirm": they are on the list."""
    with transaction.atomic():
        subscriber = find_pending(token)
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.status != Subscriber.Status.PENDING:
            raise LinkError("used")
        subscriber.status = Subscriber.Status.CONFIRMED
        subscriber.confirmed_at = timezone.now()
        subscriber.save(update_fields=["status", "confirmed_at"])
        _record(
            subscriber,
            Consent.Action.CONFIRMED,
            "email_link",
            text,
            translation.get_language() or subscriber.language,
            ip_hash,
        )
    return subscriber


def unsubscribe(token, *, source, text=""):
    """Off the list at once. Returns the subscriber, or None for an unknown link; a second
    time changes nothing."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(unsubscribe_token=token).first()
        if subscriber is None:
            return None
        if subscriber.status != Subscriber.Status.UNSUBSCRIBED:
            subscriber.status = Subscriber.Status.UNSUBSCRIBED
            subscriber.unsubscribed_at = timezone.now()
            subscriber.save(update_fields=["status", "unsubscribed_at"])
            _record(subscriber, Consent.Action.WITHDRAWN, source, text, subscriber.language)
    return subscriber


# --- Sending an issue ---------------------------------------------------------------------


def confirmed_subscribers(language):
    return Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED, language=language)


class AlreadySent(Exception):
    pass


def start_sending(page, *, user):
    """Record the sending of `page` and queue its first batch after commit. An issue is sent
    once: asking again raises AlreadySent."""
    from . import tasks

    with transaction.atomic():
        sending, created = NewsletterSending.objects.get_or_create(
            page=page, defaults={"language": page.language, "requested_by": user}
        )
        if not created:
            raise AlreadySent()
        transaction.on_commit(lambda: tasks.dispatch_batch(sending.pk), robust=True)
    return sending


def render_issue(page):
    """The issue's content as HTML and as text, in its language, once per batch."""
    from django.template.loader import render_to_string

    with translation.override(page.language):
        html = render_to_string("newsletter/email/_issue_body.html", {"page": page})
    text = "\n\n".join(
        " ".join(unescape(line).split()) for line in strip_tags(html).split("\n\n") if line.strip()
    )
    return html, text


def send_next_batch(sending_id, batch_size=None):
    """Queue the issue for the next `batch_size` confirmed subscribers of its language, each
    once (the outbox key names the issue and the subscriber, so running this twice, or after a
    crash between two batches, queues nothing new). Returns True when more remain."""
    batch_size = batch_size or getattr(settings, "NEWSLETTER_BATCH_SIZE", BATCH_SIZE)
    from orders.models import OutboxEmail

    with transaction.atomic():
        sending = NewsletterSending.objects.select_for_update().get(pk=sending_id)
        if sending.finished_at:
            return False
        page = sending.page.specific
        batch = list(
            confirmed_subscribers(sending.language)
            .filter(pk__gt=sending.cursor)
            .order_by("pk")[:batch_size]
        )
        html, text = render_issue(page) if batch else ("", "")
        sent_to = set(
            OutboxEmail.objects.filter(key__in=[issue_key(page, s) for s in batch]).values_list(
                "key", flat=True
            )
        )
        for subscriber in batch:
            key = issue_key(page, subscriber)
            if key in sent_to:
                continue
            queue_email(
                key=key,
                to=subscriber.email,
                language=subscriber.language,
                template="newsletter/email/issue",
                subject=lambda page=page: page.title,
                context={
                    "page": page,
                    "issue_html": html,
                    "issue_text": text,
                    "web_url": site_url() + page.url if page.url else "",
                    "unsubscribe_url": unsubscribe_url(subscriber),
                    "sender": sender(),
                    "site_url": site_url(),
                },
                headers=unsubscribe_headers(subscriber),
            )
            sending.queued += 1
        if batch:
            sending.cursor = batch[-1].pk
        more = len(batch) == batch_size
        if not more:
            sending.finished_at = timezone.now()
        sending.save()
    return more


def issue_key(page, subscriber):
    return f"newsletter:issue:{page.pk}:{subscriber.pk}"
