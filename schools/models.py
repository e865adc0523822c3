"""School workshop bookings: a teacher's request, handled by staff, sold through orders.

A request (`WorkshopBooking`) is made on the public `WorkshopRequestPage`. Staff propose a date,
an animator and a price; the school confirms through a link sent by email; the booking then
becomes an order of kind WORKSHOP (the booking itself is the purchasable), paid by card through
the usual Stripe checkout or by invoice. An invoice has a gapless number taken from a counter
row locked for the year (`InvoiceCounter`), a PDF kept as it was sent, and the payments staff
record by cheque or transfer (`InvoicePayment`), at most one of which is live at a time.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from orders.purchasable import Purchasable
from orders.taxes import TaxCategory

MIN_GROUP_SIZE = 5
MAX_GROUP_SIZE = 120
PROPOSAL_VALID_DAYS = 21


def new_token():
    return secrets.token_urlsafe(24)


class Level(models.TextChoices):
    PRIMARY_1 = "primaire-1", _("Primaire, 1er cycle")
    PRIMARY_2 = "primaire-2", _("Primaire, 2e cycle")
    PRIMARY_3 = "primaire-3", _("Primaire, 3e cycle")
    SECONDARY_1 = "secondaire-1", _("Secondaire 1")
    SECONDARY_2 = "secondaire-2", _("Secondaire 2")
    SECONDARY_3 = "secondaire-3", _("Secondaire 3")
    SECONDARY_4 = "secondaire-4", _("Secondaire 4")
    SECONDARY_5 = "secondaire-5", _("Secondaire 5")
    CEGEP = "cegep", _("Cégep")
    ADULTS = "adultes", _("Adultes (formation générale, francisation)")


class BookingStatus(models.TextChoices):
    NEW = "new", _("Nouvelle demande")
    PROPOSED = "proposed", _("Date proposée")
    CONFIRMED = "confirmed", _("Confirmée")
    INVOICED = "invoiced", _("Facturée")
    PAID = "paid", _("Payée")
    CANCELLED = "cancelled", _("Annulée")


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Carte de crédit (en ligne)")
    INVOICE = "invoice", _("Facture (chèque ou virement)")


class WorkshopRequestPage(Page):
    """The public "Demande d'animation" form. The fields are fixed: staff handle what it
    collects as a booking (schools.WorkshopBooking), not as a free-form submission."""

    introduction = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    thank_you = models.TextField(
        _("message de remerciement"),
        blank=True,
        help_text=_("Affiché après l'envoi de la demande."),
    )

    content_panels = Page.content_panels + [FieldPanel("introduction"), FieldPanel("thank_you")]
    parent_page_types = ["home.HomePage", "home.StandardPage"]
    subpage_types = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("demande d'animation")
        verbose_name_plural = _("demandes d'animation")

    def serve(self, request, *args, **kwargs):
        from .views import request_page

        return request_page(request, self)


class WorkshopBooking(Purchasable, models.Model):
    # What the school asked for (the public form).
    status = models.CharField(
        _("état"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.NEW
    )
    school = models.CharField(_("école"), max_length=200)
    school_board = models.CharField(_("centre de services scolaire"), max_length=200, blank=True)
    contact_name = models.CharField(_("personne-ressource"), max_length=200)
    email = models.EmailField(_("courriel"))
    phone = models.CharField(_("téléphone"), max_length=40)
    level = models.CharField(_("niveau"), max_length=16, choices=Level.choices)
    group_size = models.PositiveSmallIntegerField(
        _("nombre d'élèves"),
        validators=[MinValueValidator(MIN_GROUP_SIZE), MaxValueValidator(MAX_GROUP_SIZE)],
    )
    preferred_date_1 = models.DateField(_("date souhaitée 1"))
    preferred_date_2 = models.DateField(_("date souhaitée 2"))
    preferred_date_3 = models.DateField(_("date souhaitée 3"), null=True, blank=True)
    themes = models.ManyToManyField(
        "events.Theme", verbose_name=_("thèmes"), blank=True, related_name="workshop_bookings"
    )
    message = models.TextField(_("message"), blank=True)
    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now)
    consent_at = models.DateTimeField(_("consentement le"), null=True, blank=True)

    # What staff propose.
    proposed_start = models.DateTimeField(_("date et heure proposées"), null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("durée (minutes)"), default=75, validators=[MinValueValidator(15)]
    )
    animator = models.CharField(_("animateur ou animatrice"), max_length=200, blank=True)
    price = models.DecimalField(
        _("prix"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    tax_status = models.CharField(
        _("catégorie de taxes"),
        max_length=12,
        choices=TaxCategory.choices,
        default=TaxCategory.EXEMPT,
        help_text=_(
            "Une animation éducative offerte par un organisme sans but lucratif est "
            "généralement exonérée."
        ),
    )
    token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    proposed_at = models.DateTimeField(_("proposée le"), null=True, blank=True)
    proposal_expires_at = models.DateTimeField(
        _("proposition valide jusqu'au"), null=True, blank=True
    )

    # What the school chose when confirming.
    confirmed_at = models.DateTimeField(_("confirmée le"), null=True, blank=True)
    payment_method = models.CharField(
        _("mode de paiement"), max_length=10, choices=PaymentMethod.choices, blank=True
    )
    purchase_order_number = models.CharField(
        _("n° de bon de commande"),
        max_length=60,
        blank=True,
        help_text=_("Celui du centre de services scolaire, repris sur la facture."),
    )
    order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("commande"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workshop_booking",
    )
    paid_at = models.DateTimeField(_("payée le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    internal_note = models.TextField(_("note interne"), blank=True)

    class Meta:
        verbose_name = _("animation scolaire")
        verbose_name_plural = _("animations scolaires")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["email"])]
        permissions = [
            ("reverse_invoicepayment", _("Peut annuler un paiement enregistré")),
        ]

    def __str__(self):
        return f"{self.school} ({self.get_level_display()})"

    @property
    def reference(self):
        return f"A-{self.pk:05d}" if self.pk else ""

    @property
    def preferred_dates(self):
        return [
            d for d in (self.preferred_date_1, self.preferred_date_2, self.preferred_date_3) if d
        ]

    @property
    def proposed_end(self):
        if self.proposed_start is None:
            return None
        return self.proposed_start + timedelta(minutes=self.duration_minutes)

    def invoice_or_none(self):
        return Invoice.objects.filter(booking=self).first()

    def proposal_is_open(self, now=None):
        now = now or timezone.now()
        return (
            self.status == BookingStatus.PROPOSED
            and self.proposal_expires_at is not None
            and now < self.proposal_expires_at
        )

    # --- what orders needs (orders/purchasable.py) -----------------------------------------

    def describe(self, language, option):
        with translation.override(language):
            when = date_format(timezone.localtime(self.proposed_start), "DATETIME_FORMAT")
            return gettext("Animation scolaire %(ref)s — %(school)s, %(when)s") % {
                "ref": self.reference,
                "school": self.school,
                "when": when,
            }

    def price_for(self, requested, option):
        return self.price

    def tax_category(self):
        return self.tax_status

    def quotas(self, option):
        return []

    def display_name(self):
        return self.describe(translation.get_language() or "fr", None)

    def receipt_links(self, line, cancellable=False):
        from django.urls import reverse

        invoice = Invoice.objects.filter(booking=self).first()
        if invoice is None:
            return []
        order = line.order
        url = reverse("schools:invoice", kwargs={"code": order.code, "token": order.token})
        return [(gettext("Facture %(number)s (PDF)") % {"number": invoice.number}, url, None)]

    def confirmation_extras(self, line, language):
        return None

    def fulfil(self, line):
        WorkshopBooking.objects.filter(pk=self.pk).update(
            status=BookingStatus.PAID, paid_at=timezone.now()
        )

    def release(self, line):
        WorkshopBooking.objects.filter(pk=self.pk).exclude(status=BookingStatus.CANCELLED).update(
            status=BookingStatus.CANCELLED, cancelled_at=timezone.now()
        )


class InvoiceCounter(models.Model):
    """The last invoice number given in a year. Its row is locked (select_for_update) while a
    number is taken, in the transaction that creates the invoice: a rolled-back invoice gives
    its number back, so numbers never repeat and never skip."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("compteur de factures")
        verbose_name_plural = _("compteurs de factures")

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class Invoice(models.Model):
    """A numbered invoice for one order: a school workshop's (`booking`), or the order of a
    school group registered for a public activity that editors open to payment by invoice
    (no booking: who is billed is kept on the invoice itself)."""

    number = models.CharField(_("numéro"), max_length=20, unique=True)
    booking = models.OneToOneField(
        WorkshopBooking,
        on_delete=models.PROTECT,
        related_name="invoice",
        verbose_name=_("animation"),
        null=True,
        blank=True,
    )
    # Who is billed, for an invoice without a booking (a workshop's come from its booking).
    school = models.CharField(_("école"), max_length=200, blank=True)
    school_board = models.CharField(_("centre de services scolaire"), max_length=200, blank=True)
    contact_name = models.CharField(_("personne-ressource"), max_length=200, blank=True)
    billing_email = models.EmailField(_("courriel de facturation"), blank=True)
    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES, blank=True)
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="invoice", verbose_name=_("commande")
    )
    issued_at = models.DateTimeField(_("émise le"), default=timezone.now)
    due_date = models.DateField(_("échéance"))
    payment_terms_days = models.PositiveSmallIntegerField(_("modalités (jours)"), default=30)
    purchase_order_number = models.CharField(_("n° de bon de commande"), max_length=60, blank=True)
    # The PDF exactly as it was sent (a copy kept).
    pdf = models.BinaryField(editable=False)
    reminders_sent = models.PositiveSmallIntegerField(_("rappels envoyés"), default=0)
    last_reminder_at = models.DateTimeField(_("dernier rappel"), null=True, blank=True)

    class Meta:
        verbose_name = _("facture")
        verbose_name_plural = _("factures")
        ordering = ["-issued_at", "-pk"]

    def __str__(self):
        return self.number

    @property
    def filename(self):
        return f"facture-{self.number}.pdf"

    # Who is billed, and how to write to them: the booking's school for a workshop, else
    # what the registration form asked.

    @property
    def billed_school(self):
        return self.booking.school if self.booking_id else self.school

    @property
    def billed_school_board(self):
        return self.booking.school_board if self.booking_id else self.school_board

    @property
    def billed_contact(self):
        return self.booking.contact_name if self.booking_id else self.contact_name

    @property
    def email(self):
        return self.booking.email if self.booking_id else self.billing_email

    @property
    def billed_language(self):
        return self.booking.language if self.booking_id else (self.language or "fr")


class InvoicePayment(models.Model):
    """A cheque or transfer received for an invoice, recorded by staff. It stays when it is
    reversed (by an administrator): who recorded it and who reversed it are kept."""

    class Method(models.TextChoices):
        CHEQUE = "cheque", _("Chèque")
        TRANSFER = "transfer", _("Virement")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    payment = models.OneToOneField(
        "orders.Payment", on_delete=models.PROTECT, related_name="invoice_payment"
    )
    method = models.CharField(_("mode"), max_length=10, choices=Method.choices)
    reference = models.CharField(_("référence"), max_length=100)
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    received_on = models.DateField(_("reçu le"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("enregistré par"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("enregistré le"), default=timezone.now)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paiement annulé par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reversed_at = models.DateTimeField(_("paiement annulé le"), null=True, blank=True)
    reversal_reason = models.CharField(
        _("motif de l'annulation du paiement"), max_length=300, blank=True
    )

    class Meta:
        verbose_name = _("paiement de facture")
        verbose_name_plural = _("paiements de factures")
        ordering = ["recorded_at", "pk"]
        constraints = [
            # An invoice cannot be paid twice: one live (not reversed) payment at most.
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(reversed_at__isnull=True),
                name="schools_one_live_payment_per_invoice",
            )
        ]

    def __str__(self):
        return f"{self.invoice.number} {self.amount} {self.get_method_display()}"
