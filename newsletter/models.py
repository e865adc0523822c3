"""The newsletter under Canada's anti-spam law (CASL): who asked for it and confirmed it
(double opt-in), every consent given or withdrawn with the exact words shown, the issues
written as pages and the record of each sending."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from home.blocks import BodyBlock


def new_token():
    return secrets.token_urlsafe(24)


class Subscriber(models.Model):
    """One address on the list (stored in lower case), in one language."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente de confirmation")
        CONFIRMED = "confirmed", _("Confirmé")
        UNSUBSCRIBED = "unsubscribed", _("Désabonné")

    email = models.EmailField(_("courriel"), unique=True)
    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    source = models.CharField(_("provenance"), max_length=40, blank=True)
    confirm_token = models.CharField(max_length=64, unique=True, default=new_token)
    unsubscribe_token = models.CharField(max_length=64, unique=True, default=new_token)
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmé le"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("désabonné le"), null=True, blank=True)

    class Meta:
        verbose_name = _("abonné à l'infolettre")
        verbose_name_plural = _("abonnés à l'infolettre")
        ordering = ["email"]
        indexes = [models.Index(fields=["status", "language"])]

    def __str__(self):
        return self.email


class Consent(models.Model):
    """A consent given, confirmed or withdrawn: when, how, in which words and language."""

    class Action(models.TextChoices):
        REQUESTED = "requested", _("Demande d'inscription")
        CONFIRMED = "confirmed", _("Confirmation par courriel")
        WITHDRAWN = "withdrawn", _("Désabonnement")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="consents")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    at = models.DateTimeField(_("date"), default=timezone.now)
    source = models.CharField(_("provenance"), max_length=40)
    text = models.TextField(_("texte montré"))
    language = models.CharField(_("langue"), max_length=8)
    ip_hash = models.CharField(_("empreinte de l'adresse IP"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("consentement")
        verbose_name_plural = _("consentements")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} — {self.at:%Y-%m-%d %H:%M}"


class NewsletterIssuePage(Page):
    """An issue of the newsletter, written as a page (its web version), sent by staff to the
    confirmed subscribers of the page's language."""

    introduction = models.TextField(_("introduction"), blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("contenu"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction"), FieldPanel("body")]
    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("body"),
    ]
    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("numéro de l'infolettre")
        verbose_name_plural = _("numéros de l'infolettre")

    @property
    def language(self):
        return self.locale.language_code


class NewsletterSending(models.Model):
    """The sending of one issue: who asked, when, how far it went. One per issue page, so that
    nobody receives an issue twice."""

    page = models.OneToOneField(
        NewsletterIssuePage,
        verbose_name=pgettext_lazy("newsletter", "numéro"),
        on_delete=models.PROTECT,
        related_name="sending",
    )
    language = models.CharField(_("langue"), max_length=8)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("envoyé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    queued = models.PositiveIntegerField(_("courriels mis en file"), default=0)
    cursor = models.BigIntegerField(default=0)  # the last subscriber handled (by id)
    # Each batch saves the row: a sending unfinished and untouched for a while has lost its
    # chain of batches (a worker killed outright), and the beat's sweep takes it up again.
    updated_at = models.DateTimeField(_("dernier lot le"), auto_now=True)

    class Meta:
        verbose_name = _("envoi de l'infolettre")
        verbose_name_plural = _("envois de l'infolettre")
        ordering = ["-requested_at"]

    def __str__(self):
        return str(self.page)
