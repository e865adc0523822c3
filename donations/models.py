"""Gifts: the donation page people give through, the charity's settings, each gift and its
receipts.

A gift is bought like anything else through `orders` (the page is the purchasable, the amount
the donor's); when its order is paid, `fulfil` records the `Donation` and, if the organisation
is a registered charity, issues its official receipt (`donations.receipts`).
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Page

from cesiq_site.validation import AT_LEAST_ONE_DOLLAR
from orders.money import format_cad, quantize
from orders.purchasable import NotAvailable, Purchasable
from orders.taxes import TaxCategory

# The CRA's business number of a registered charity: 9 digits, "RR", 4 digits.
CRA_NUMBER = RegexValidator(
    r"^\d{9} ?RR ?\d{4}$",
    _("Un numéro d'enregistrement d'organisme de bienfaisance ressemble à 123456789 RR0001."),
)


@register_setting(icon="pick")
class CharitySettings(BaseGenericSetting):
    """Whether gifts get official receipts for income tax purposes, and what those carry."""

    registered_charity = models.BooleanField(
        _("organisme de bienfaisance enregistré"),
        default=False,
        help_text=_(
            "Cochez seulement si l'organisme est enregistré auprès de l'Agence du revenu du "
            "Canada : les dons reçoivent alors un reçu officiel aux fins de l'impôt. Sinon, "
            "le donateur reçoit un remerciement qui n'est pas un reçu fiscal."
        ),
    )
    legal_name = models.CharField(
        _("nom de l'organisme (tel qu'enregistré)"),
        max_length=200,
        default="Carrefour d'éducation à la solidarité internationale de Québec",
    )
    address = models.TextField(_("adresse de l'organisme"), blank=True)
    registration_number = models.CharField(
        _("numéro d'enregistrement (ARC)"),
        max_length=20,
        blank=True,
        validators=[CRA_NUMBER],
    )
    signer_name = models.CharField(
        _("nom de la personne autorisée à signer"), max_length=200, blank=True
    )
    signer_title = models.CharField(_("titre de la personne autorisée"), max_length=200, blank=True)
    signer_title_en = models.CharField(
        _("titre en anglais"),
        max_length=200,
        blank=True,
        help_text=_("Sur les reçus des dons faits en anglais ; à défaut, le titre en français."),
    )
    place_of_issue = models.CharField(_("lieu de délivrance"), max_length=100, default="Québec")

    panels = [
        FieldPanel("registered_charity"),
        FieldPanel("legal_name"),
        FieldPanel("address"),
        FieldPanel("registration_number"),
        FieldRowPanel(
            [FieldPanel("signer_name"), FieldPanel("signer_title"), FieldPanel("signer_title_en")]
        ),
        FieldPanel("place_of_issue"),
    ]

    class Meta:
        verbose_name = _("dons et reçus fiscaux")

    def clean(self):
        if self.registered_charity:
            missing = {
                name: _("Obligatoire pour délivrer des reçus officiels.")
                for name in ("address", "registration_number", "signer_name", "place_of_issue")
                if not str(getattr(self, name)).strip()
            }
            if missing:
                raise ValidationError(missing)

    @property
    def issues_receipts(self):
        return self.registered_charity and bool(self.registration_number)


def parse_amounts(text):
    """ "25, 50, 100" → [Decimal('25.00'), …]; ValueError on anything else."""
    amounts = []
    for part in str(text or "").replace(";", ",").split(","):
        part = part.strip().replace("$", "").replace("\u00a0", "").replace(" ", "")
        if not part:
            continue
        try:
            amount = quantize(Decimal(part.replace(",", ".")))
        except (InvalidOperation, ValueError) as exc:
            raise ValueError(part) from exc
        if amount <= 0:
            raise ValueError(part)
        amounts.append(amount)
    return amounts


class DonationPage(Purchasable, Page):
    """ "Faire un don": suggested amounts or one's own, in memory or in honour of someone."""

    introduction = models.TextField(_("introduction"), blank=True)
    body = RichTextField(_("texte"), blank=True)
    suggested_amounts = models.CharField(
        _("montants suggérés"),
        max_length=200,
        default="25, 50, 100, 250",
        help_text=_("En dollars, séparés par des virgules (ex. 25, 50, 100)."),
    )
    minimum_amount = models.DecimalField(
        _("don minimum"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("5.00"),
        validators=[AT_LEAST_ONE_DOLLAR],
    )
    maximum_amount = models.DecimalField(
        _("don maximum en ligne"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("10000.00"),
        help_text=_("Au-delà, le donateur est invité à communiquer avec l'équipe."),
    )
    allow_tribute = models.BooleanField(
        _("proposer « en mémoire de » et « en l'honneur de »"), default=True
    )
    designation = models.CharField(
        _("affectation"),
        max_length=120,
        blank=True,
        help_text=_(
            "Ce que financent les dons de cette page (ex. « Fonds d'urgence Haïti »), repris "
            "sur la commande et le reçu : « Don — Fonds d'urgence Haïti ». Vide : « Don »."
        ),
    )
    thank_you = models.TextField(
        _("mot de remerciement"),
        blank=True,
        help_text=_("Repris dans le courriel envoyé au donateur."),
    )

    content_panels = Page.content_panels + [
        FieldPanel("introduction"),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("suggested_amounts"),
                FieldRowPanel([FieldPanel("minimum_amount"), FieldPanel("maximum_amount")]),
                FieldPanel("allow_tribute"),
            ],
            heading=_("Montants"),
        ),
        FieldPanel("designation"),
        FieldPanel("thank_you"),
    ]

    template = "donations/donation_page.html"

    class Meta:
        verbose_name = _("page de don")
        verbose_name_plural = _("pages de don")

    def clean(self):
        super().clean()
        errors = {}
        try:
            amounts = parse_amounts(self.suggested_amounts)
        except ValueError as exc:
            errors["suggested_amounts"] = _("« %(value)s » n'est pas un montant.") % {
                "value": exc.args[0]
            }
        else:
            if self.minimum_amount and self.maximum_amount:
                outside = [
                    a for a in amounts if not self.minimum_amount <= a <= self.maximum_amount
                ]
                if outside:
                    errors["suggested_amounts"] = _(
                        "Les montants suggérés doivent être entre le minimum et le maximum."
                    )
        if (
            self.minimum_amount
            and self.maximum_amount
            and self.maximum_amount < self.minimum_amount
        ):
            errors["maximum_amount"] = _("Le maximum doit être au moins égal au minimum.")
        if errors:
            raise ValidationError(errors)

    def amounts(self):
        try:
            return parse_amounts(self.suggested_amounts)
        except ValueError:
            return []

    def serve(self, request, *args, **kwargs):
        from .views import donate

        return donate(request, self)

    # --- Purchasable -------------------------------------------------------------------------

    def describe(self, language, option):
        """The order line: « Don », or « Don — » what the page's gifts fund (its title, often
        « Faire un don », would repeat the word)."""
        designation = self.translation_in(language).designation
        with translation.override(language):
            if designation:
                return str(_("Don — %(designation)s") % {"designation": designation})
            return str(_("Don"))

    def translation_in(self, language):
        """This page in `language`, or itself (not `localized`: Wagtail's own property, which
        rich text links to this page ask for)."""
        from wagtail.models import Locale

        locale = Locale.objects.filter(language_code=language).first()
        page = self.get_translation_or_none(locale) if locale else None
        return page or self

    def price_for(self, requested, option):
        from .forms import amount_error

        error = amount_error(requested, self.minimum_amount, self.maximum_amount)
        if error:
            raise NotAvailable(error)
        return quantize(Decimal(requested))

    def tax_category(self):
        # A gift is not a supply: no GST or QST.
        return TaxCategory.EXEMPT

    def quotas(self, option):
        return []

    def discountable(self):
        # A gift added to an order is what the donor chose: no discount code reduces it.
        return False

    def check_sale(self, quantity, option, now):
        if quantity != 1:
            raise NotAvailable(_("Un don se fait un à la fois."))
        if not self.live:
            raise NotAvailable(_("Cette page de don n'accepte plus de dons."))

    def display_name(self):
        return self.title

    def fulfil(self, line):
        from .receipts import record_gift

        record_gift(line)

    def release(self, line):
        from .receipts import gift_cancelled

        gift_cancelled(line, reason=_("Commande annulée"))

    def give_back(self, line, quantity):
        from .receipts import gift_cancelled

        gift_cancelled(line, reason=_("Don remboursé"))

    def confirmation_extras(self, line, language):
        from .receipts import confirmation_extras

        return confirmation_extras(line, language)

    def cancellation_notice(self, line):
        """A gift added to an order is given back with it, and its official receipt annulled
        (receipts.gift_cancelled): said before the buyer confirms."""
        amount = format_cad(line.unit_price * line.units_left, translation.get_language() or "fr")
        donation = Donation.objects.filter(order_line=line).first()
        number = donation.receipt_number if donation else ""
        if number:
            return _(
                "Votre don de %(amount)s vous sera remboursé avec la commande, et son reçu "
                "officiel n° %(number)s sera annulé : ne le joignez pas à votre déclaration de "
                "revenus."
            ) % {"amount": amount, "number": number}
        return _("Votre don de %(amount)s vous sera remboursé avec la commande.") % {
            "amount": amount
        }


class Tribute(models.TextChoices):
    NONE = "", _("Aucune")
    MEMORY = "memory", _("En mémoire de")
    HONOUR = "honour", _("En l'honneur de")


class Donation(models.Model):
    """One gift, recorded when its order is paid: who gave, how much, and for whom."""

    order_line = models.OneToOneField(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="donation"
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        related_name="donations",
        verbose_name=_("commande"),
    )
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    # What the donor received in return (a dinner ticket, a gift): not part of the eligible
    # amount (CRA: split receipting).
    advantage = models.DecimalField(
        _("valeur de l'avantage"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    received_at = models.DateTimeField(_("reçu le"), default=timezone.now)
    donor_name = models.CharField(_("nom du donateur"), max_length=200)
    donor_email = models.EmailField(_("courriel"))
    street_address = models.CharField(_("adresse"), max_length=200)
    city = models.CharField(_("ville"), max_length=100)
    province = models.CharField(_("province"), max_length=2)
    postal_code = models.CharField(_("code postal"), max_length=10)
    tribute = models.CharField(
        _("dédicace"), max_length=8, choices=Tribute.choices, blank=True, default=""
    )
    tribute_name = models.CharField(_("au nom de"), max_length=200, blank=True)
    language = models.CharField(_("langue"), max_length=8, default="fr")
    refunded = models.BooleanField(_("remboursé"), default=False)

    class Meta:
        verbose_name = _("don")
        verbose_name_plural = _("dons")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["donor_email", "received_at"])]

    def __str__(self):
        return f"{self.donor_name} — {format_cad(self.amount)}"

    @property
    def eligible_amount(self):
        return max(self.amount - self.advantage, Decimal("0.00"))

    @property
    def address_lines(self):
        """As the donor's receipt writes them, in the donor's language."""
        from cesiq_site.postal import city_line

        return [
            self.street_address,
            city_line(self.city, self.province, self.postal_code, self.language),
        ]

    @property
    def current_receipt(self):
        return next((r for r in self.receipts.all() if r.status == Receipt.Status.ISSUED), None)

    @property
    def receipt_number(self):
        receipt = self.current_receipt
        return receipt.number if receipt else ""


class ReceiptCounter(models.Model):
    """The next serial number of official receipts: one row, locked by whoever takes a number,
    so that numbers never repeat nor skip (a rolled-back gift gives its number back with its
    transaction)."""

    name = models.CharField(max_length=20, unique=True, default="official")
    next_number = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("compteur de reçus")

    def __str__(self):
        return f"{self.name}: {self.next_number}"


class Receipt(models.Model):
    """An official donation receipt as issued: every mention the CRA requires is frozen in
    `data` when it is issued, and the PDF is made from `data` alone (so the copy kept is the
    one sent). A receipt is never changed: a correction voids it and issues a new one that
    names it."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Délivré")
        VOID = "void", _("Annulé")

    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="receipts")
    serial = models.PositiveIntegerField(_("numéro de série"), unique=True)
    status = models.CharField(
        _("état"), max_length=8, choices=Status.choices, default=Status.ISSUED
    )
    issued_at = models.DateTimeField(_("délivré le"), default=timezone.now)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("remplace le reçu"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    voided_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    void_reason = models.CharField(_("motif de l'annulation"), max_length=300, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict)
    pdf = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("reçu officiel")
        verbose_name_plural = _("reçus officiels")
        ordering = ["serial"]

    def __str__(self):
        return self.number

    @property
    def number(self):
        return format_serial(self.serial)


def format_serial(serial):
    return f"R-{serial:06d}"
