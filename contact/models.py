"""The contact form, built by editors with Wagtail's form builder.

- Spam: honeypot, time trap and rate limit (cesiq_site/antispam.py), nothing from a third
  party; oversized answers are refused with the field's message.
- Who is told: the person gets a confirmation, the recipients a notification, both through
  the outbox (orders/outbox.py). The recipients (`to_address`) are edited only by those with
  the `contact.change_recipients` permission (administrators): editors do not see the field.
- Newsletter: a separate, unchecked box; ticking it starts the double opt-in (newsletter/).
- Personal data: submissions are found, exported, erased and purged for Law 25
  (contact/privacy.py). Only staff with `contact.view_contactsubmission` see them.
"""

from django import forms
from django.db import models, transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import get_language, gettext_lazy
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.forms import FormBuilder
from wagtail.contrib.forms.models import (
    AbstractForm,
    AbstractFormField,
    AbstractFormSubmission,
    validate_to_address,
)
from wagtail.contrib.forms.panels import FormSubmissionsPanel

from cesiq_site import ratelimit
from cesiq_site.antispam import HONEYPOT_FIELD, TIME_FIELD, SpamProtectionMixin
from cesiq_site.validation import guard_text_fields

MULTILINE_MAX_LENGTH = 5000
NEWSLETTER_FIELD = "newsletter"
RECIPIENTS_PERMISSION = "contact.change_recipients"


class ContactFormField(AbstractFormField):
    page = ParentalKey("ContactFormPage", on_delete=models.CASCADE, related_name="form_fields")


class ContactSubmission(AbstractFormSubmission):
    """A message sent through a contact form, with the sender's address for Law 25."""

    email = models.EmailField(blank=True, db_index=True)
    language = models.CharField(max_length=8, blank=True)

    class Meta:
        verbose_name = gettext_lazy("message reçu")
        verbose_name_plural = gettext_lazy("messages reçus")


class ContactFormMixin(SpamProtectionMixin):
    """What every contact form adds to the fields editors chose: the spam protection and
    the refusal of control characters."""

    spam_purpose = "contact"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        guard_text_fields(self)
        for field in self.fields.values():
            if isinstance(field, forms.EmailField):  # worded as on the site's other forms
                field.error_messages["invalid"] = gettext_lazy(
                    "Entrez une adresse courriel valide, comme nom@exemple.org."
                )


class ContactFormBuilder(FormBuilder):
    def create_multiline_field(self, field, options):
        options["max_length"] = MULTILINE_MAX_LENGTH
        return super().create_multiline_field(field, options)


class ContactFormPage(AbstractForm):
    introduction = models.TextField(gettext_lazy("introduction"), blank=True)
    thank_you_text = models.TextField(
        gettext_lazy("message de remerciement"),
        blank=True,
        help_text=gettext_lazy("Montré après l'envoi du formulaire."),
    )
    to_address = models.CharField(
        gettext_lazy("destinataires"),
        max_length=255,
        blank=True,
        validators=[validate_to_address],
        help_text=gettext_lazy(
            "Adresses qui reçoivent chaque message, séparées par des virgules. "
            "Modifiables par les administrateurs seulement."
        ),
    )
    offer_newsletter = models.BooleanField(
        gettext_lazy("proposer l'inscription à l'infolettre"), default=True
    )

    form_builder = ContactFormBuilder
    content_panels = AbstractForm.content_panels + [
        FormSubmissionsPanel(),
        FieldPanel("introduction"),
        InlinePanel("form_fields", label=gettext_lazy("Champs du formulaire")),
        FieldPanel("thank_you_text"),
        FieldPanel("offer_newsletter"),
        MultiFieldPanel(
            [FieldPanel("to_address", permission=RECIPIENTS_PERMISSION)],
            heading=gettext_lazy("Destinataires"),
            permission=RECIPIENTS_PERMISSION,
        ),
    ]
    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = []

    class Meta:
        verbose_name = gettext_lazy("page de formulaire de contact")
        verbose_name_plural = gettext_lazy("pages de formulaire de contact")
        permissions = [
            (
                "change_recipients",
                gettext_lazy("Peut modifier les destinataires des formulaires"),
            )
        ]

    def get_submission_class(self):
        return ContactSubmission

    def get_form_class(self):
        base = super().get_form_class()
        attrs = {}
        if self.offer_newsletter:
            from newsletter.services import CONSENT_TEXT

            attrs[NEWSLETTER_FIELD] = forms.BooleanField(required=False, label=CONSENT_TEXT)
        return type("ContactForm", (ContactFormMixin, base), attrs)

    def email_field_name(self):
        for field in self.get_form_fields():
            if field.field_type == "email":
                return field.clean_name
        return None

    def serve(self, request, *args, **kwargs):
        """The form; once a message is saved, a redirect to the page's thanks (`?envoye=1`):
        reloading it sends nothing again (it sent the message and its emails twice)."""
        if request.method != "POST":
            if request.GET.get("envoye") == "1":
                return self.render_landing_page(request, None, *args, **kwargs)
            return super().serve(request, *args, **kwargs)
        if refused := ratelimit.check(request, "posts"):
            return refused
        form = self.get_form(request.POST, request.FILES, page=self, user=request.user)
        if form.is_valid():
            if refused := ratelimit.check(request, "contact"):
                return refused
            self.accept(form, request)
            return redirect(self.get_url(request) + "?envoye=1")
        context = self.get_context(request)
        context["form"] = form
        return TemplateResponse(request, self.get_template(request), context, status=400)

    def accept(self, form, request):
        """Save the message, queue the confirmation and the notification, and ask for the
        newsletter's confirmation if the box was ticked: one transaction."""
        from newsletter import services as newsletter

        from . import emails

        data = {
            name: value
            for name, value in form.cleaned_data.items()
            if name not in (HONEYPOT_FIELD, TIME_FIELD, NEWSLETTER_FIELD)
        }
        email_name = self.email_field_name()
        email = (data.get(email_name) or "").strip().lower() if email_name else ""
        language = (get_language() or "fr")[:2]
        with transaction.atomic():
            submission = ContactSubmission.objects.create(
                form_data=data, page=self, email=email, language=language
            )
            emails.queue_for(self, submission)
            if email and form.cleaned_data.get(NEWSLETTER_FIELD):
                newsletter.request_subscription(
                    email,
                    language,
                    source="contact",
                    ip_hash=ratelimit.client_key(request),
                )
        return submission

    def process_form_submission(self, form):  # not used by serve(); kept for previews
        raise NotImplementedError("ContactFormPage saves through accept()")
