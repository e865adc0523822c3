"""The money core shared by activities and the shop.

An order holds what it buys (its lines) until `expires_at`; payments and refunds are their own
records with their own states, and the amounts an order has received or returned are derived
from them. Every change to an order is written to its log.
"""

import re
import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from .taxes import TaxCategory

# No 0/O, 1/I/L: codes are read aloud on the phone and typed from paper tickets.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 7


def new_order_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_token():
    return secrets.token_urlsafe(24)


class OrderKind(models.TextChoices):
    TICKETS = "tickets", _("Billets")
    SHOP = "shop", _("Boutique")
    # Kinds sold by the apps built on orders (schools, memberships, donations): declared
    # here once so that each app adds its purchasable without a migration of orders.
    WORKSHOP = "workshop", _("Animation scolaire")
    MEMBERSHIP = "membership", _("Adhésion")
    DONATION = "donation", _("Don")


class OrderState(models.TextChoices):
    PENDING = "pending", _("En attente de paiement")
    PAID = "paid", _("Payée")
    EXPIRED = "expired", _("Expirée")
    CANCELLED = "cancelled", _("Annulée")
    REFUNDED = "refunded", _("Remboursée")


# State only moves forward. A payment may land after the hold expired (expired → paid).
ORDER_TRANSITIONS = {
    OrderState.PENDING: {OrderState.PAID, OrderState.EXPIRED, OrderState.CANCELLED},
    OrderState.EXPIRED: {OrderState.PAID, OrderState.CANCELLED},
    OrderState.PAID: {OrderState.REFUNDED, OrderState.CANCELLED},
    OrderState.REFUNDED: {OrderState.CANCELLED},
    OrderState.CANCELLED: set(),
}


class OrderQuerySet(models.QuerySet):
    def holding(self, now=None):
        """Orders whose lines count against capacity and stock: paid (or refunded but not
        cancelled) ones, and pending ones whose hold has not run out. An expired hold stops
        counting by itself."""
        now = now or timezone.now()
        # A refund (a gesture) does not cancel: a refunded order keeps its places.
        return self.filter(
            Q(state__in=[OrderState.PAID, OrderState.REFUNDED])
            | Q(state=OrderState.PENDING, expires_at__gt=now)
        )


def money_sum(queryset, field="amount"):
    """The sum of a money column, in cents: 0.00 for none, and never SQLite's « 74.7300000000000 »
    (its SUM goes through a float; the staff's refund form showed it as typed)."""
    total = queryset.aggregate(total=Sum(field))["total"]
    return (total or Decimal("0")).quantize(Decimal("0.01"))


class Order(models.Model):
    code = models.CharField(_("code"), max_length=12, unique=True, default=new_order_code)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    kind = models.CharField(_("type"), max_length=10, choices=OrderKind.choices)
    state = models.CharField(
        _("état"), max_length=12, choices=OrderState.choices, default=OrderState.PENDING
    )
    buyer_name = models.CharField(_("nom"), max_length=200)
    buyer_email = models.EmailField(_("courriel"))
    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("réservée jusqu'à"))
    paid_at = models.DateTimeField(_("payée le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    # When the buyer's confirmation and the staff notification were written to the outbox.
    # The payment's transaction only marks the order paid and its lines final; a task builds
    # the emails (QR codes, calendar files, templates) after commit, and the outbox sweep
    # builds those of any paid order still without it (broker down, worker killed).
    confirmation_queued_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Totals are computed on the server from the lines and frozen when the order is placed.
    subtotal = models.DecimalField(_("sous-total"), max_digits=10, decimal_places=2)
    discount_amount = models.DecimalField(
        _("rabais"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    gst = models.DecimalField(_("TPS"), max_digits=10, decimal_places=2, default=Decimal("0"))
    qst = models.DecimalField(_("TVQ"), max_digits=10, decimal_places=2, default=Decimal("0"))
    # Harmonized sales tax, charged instead of GST and QST on goods delivered to a
    # participating province (Ontario, the Atlantic provinces).
    hst = models.DecimalField(_("TVH"), max_digits=10, decimal_places=2, default=Decimal("0"))
    # Where the supply is made, which decides the taxes: the buyer's province for goods
    # shipped, Québec for everything picked up or attended here (orders.taxes).
    tax_province = models.CharField(_("province de taxation"), max_length=2, default="QC")
    # Delivery charged on top of the lines (taxed like the goods it carries).
    shipping = models.DecimalField(
        _("livraison"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    total = models.DecimalField(_("total"), max_digits=10, decimal_places=2)
    # What staff kept on purpose: the share of tickets or units taken back without a refund
    # (a no-refund policy). Cancelling the rest of the order refunds the rest, not this.
    kept_amount = models.DecimalField(
        _("gardé sans remboursement"), max_digits=10, decimal_places=2, default=Decimal("0.00")
    )
    currency = models.CharField(max_length=3, default="CAD", editable=False)
    gst_number = models.CharField(_("n° TPS"), max_length=40, blank=True)
    qst_number = models.CharField(_("n° TVQ"), max_length=40, blank=True)
    discount_code = models.ForeignKey(
        "DiscountCode",
        verbose_name=_("code de rabais"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )

    # A keyed hash of the buyer's network address (cesiq_site.ratelimit.client_key), kept only
    # while the order is pending: how many places one client holds unpaid is counted by it.
    client_key = models.CharField(max_length=32, blank=True, default="", editable=False)
    # The form that placed it, as a hash (orders.views.submission_of): the same form sent
    # twice (a double click, a page sent again) finds this order instead of placing another.
    submission = models.CharField(max_length=64, blank=True, default="", editable=False)

    # Set when something needs a person to look at it (amount mismatch, late payment…).
    attention = models.CharField(_("à vérifier"), max_length=200, blank=True)
    internal_note = models.TextField(_("note interne"), blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("commande")
        verbose_name_plural = _("commandes")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "expires_at"]),
            models.Index(fields=["buyer_email"]),
            models.Index(fields=["client_key", "state"]),
            # The sweep's question: paid orders whose confirmation is not written yet.
            models.Index(
                fields=["paid_at"],
                name="orders_confirmation_due",
                condition=models.Q(paid_at__isnull=False, confirmation_queued_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["submission"],
                condition=~models.Q(submission=""),
                name="orders_one_order_per_submission",
            ),
        ]

    def __str__(self):
        return self.code

    def get_absolute_url(self):
        return reverse("orders:detail", kwargs={"code": self.code, "token": self.token})

    @classmethod
    def from_db(cls, db, field_names, values):
        order = super().from_db(db, field_names, values)
        # What counted places when the order was read: the page cache tells a change that can
        # only take places from one that may give some back (cesiq_site.apps.order_change).
        order.counted_as = (order.__dict__.get("state"), order.__dict__.get("expires_at"))
        return order

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None:
            self.counted_as = (self.__dict__.get("state"), self.__dict__.get("expires_at"))

    def can_become(self, state):
        return state in ORDER_TRANSITIONS[OrderState(self.state)]

    @property
    def state_label(self):
        """« Confirmée » for a free order (nothing was paid), else its state's name."""
        if self.state == OrderState.PAID and not self.total:
            return gettext("Confirmée")
        return self.get_state_display()

    @property
    def hold_is_active(self):
        return self.state == OrderState.PENDING and self.expires_at > timezone.now()

    @property
    def paid_amount(self):
        return money_sum(self.payments.filter(state=PaymentState.PAID))

    @property
    def refunded_amount(self):
        return money_sum(self.refunds.filter(state=RefundState.SUCCEEDED))

    @property
    def disputed_amount(self):
        """Money taken back by the buyer's bank through a dispute that was lost (and not won
        back on appeal, or not yet)."""
        return money_sum(self.disputes.filter(status__in=Dispute.MONEY_TAKEN))

    @property
    def balance(self):
        """What the buyer has paid and not been given back (by a refund or a lost dispute)."""
        return self.paid_amount - self.refunded_amount - self.disputed_amount

    @property
    def refundable_on_cancel(self):
        """What cancelling the order gives back: the balance, less what staff kept."""
        return max(self.balance - self.kept_amount, Decimal("0.00"))

    @property
    def is_fully_refunded(self):
        return self.paid_amount > 0 and self.balance <= 0

    @property
    def taxable(self):
        return self.gst > 0 or self.qst > 0 or self.hst > 0

    @property
    def hst_label(self):
        """The HST line's label (`taxes.hst_label`), from the tax categories of its lines."""
        from .taxes import hst_label

        categories = {line.tax_category for line in self.lines.all()}
        return hst_label(
            self.tax_province,
            books=TaxCategory.GST_ONLY in categories,
            others=TaxCategory.TAXABLE in categories or TaxCategory.GST_ONLY not in categories,
        )

    @property
    def _lines_prefetched(self):
        return "lines" in getattr(self, "_prefetched_objects_cache", {})

    def lines_with_types(self):
        """The lines with their content types: those the caller prefetched (the receipt page,
        the confirmation), else read now."""
        if self._lines_prefetched:
            return self.lines.all()
        return self.lines.select_related("content_type")

    def sells(self, model):
        """Whether a line of this order sells a `model` (a product variant, a workshop): what
        the receipt's sections ask before they look for their own rows. No query when the
        lines are prefetched."""
        content_type = ContentType.objects.get_for_model(model)
        if self._lines_prefetched:
            return any(line.content_type_id == content_type.pk for line in self.lines.all())
        return self.lines.filter(content_type=content_type).exists()


class Quota(models.Model):
    """A number of places or units that can be sold: the places of an activity date, a ticket
    type's share of a date, the stock of a shop variant.

    A purchasable declares which quotas one unit of it consumes; each order line is linked to
    the quotas it takes (`OrderLine.quotas`). What is taken is counted, never decremented, by
    `orders.availability` alone: lines of paid orders, lines of pending orders whose hold runs,
    and live holds. The row itself is the lock that buyers of the same places queue on.
    """

    name = models.CharField(_("nom"), max_length=300, blank=True)
    size = models.PositiveIntegerField(_("taille"))

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")

    def __str__(self):
        return self.name or f"quota {self.pk}"


class QuotaHold(models.Model):
    """Places kept aside outside any order for a while, such as places offered to the first
    person on a waiting list. A hold stops counting when it runs out or is released."""

    quota = models.ForeignKey(Quota, on_delete=models.CASCADE, related_name="holds")
    quantity = models.PositiveIntegerField(_("quantité"))
    expires_at = models.DateTimeField(_("jusqu'au"))
    released_at = models.DateTimeField(_("libérée le"), null=True, blank=True)
    reason = models.CharField(_("motif"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("place retenue")
        verbose_name_plural = _("places retenues")
        indexes = [models.Index(fields=["quota", "expires_at"])]

    def __str__(self):
        return f"{self.quantity} × {self.quota}"

    def release(self, now=None):
        if self.released_at is None:
            self.released_at = now or timezone.now()
            self.save(update_fields=["released_at"])


class OrderLine(models.Model):
    """One thing bought, as it was described and priced when the order was placed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    description = models.CharField(_("description"), max_length=300)
    unit_price = models.DecimalField(_("prix unitaire"), max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantité"))
    tax_category = models.CharField(
        _("catégorie de taxes"), max_length=12, choices=TaxCategory.choices
    )
    # Descriptive data the item's app keeps with the line (attendee names, answers to its
    # questions). Nothing that decides what is counted: that is `quotas`.
    details = models.JSONField(default=dict, blank=True)
    # The places or stock this line takes, one unit of each per unit bought.
    quotas = models.ManyToManyField(Quota, related_name="order_lines", blank=True)
    # The part of the order's discount that falls on this line (for taxes and refunds).
    discount = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"))
    fulfilled = models.BooleanField(_("confirmée"), default=False)
    # Units of a paid line given back (refunded per line): they stop counting against the
    # line's quotas, so stock or places return.
    returned_quantity = models.PositiveIntegerField(_("unités retournées"), default=0)

    class Meta:
        verbose_name = _("ligne de commande")
        verbose_name_plural = _("lignes de commande")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.quantity} × {self.description}"

    @property
    def units_left(self):
        """Units still held: the quantity bought, less those cancelled or returned."""
        return self.quantity - self.returned_quantity

    @property
    def gross(self):
        return self.unit_price * self.quantity

    @property
    def net(self):
        return self.gross - self.discount


class PaymentState(models.TextChoices):
    CREATED = "created", _("Créé")
    PENDING = "pending", _("En traitement")
    PAID = "paid", _("Reçu")
    FAILED = "failed", _("Échoué")
    CANCELLED = "cancelled", _("Abandonné")


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("moyen"), max_length=20, default="stripe")
    state = models.CharField(
        _("état"), max_length=12, choices=PaymentState.choices, default=PaymentState.CREATED
    )
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="CAD")
    idempotency_key = models.CharField(max_length=100, unique=True)
    stripe_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("paiement")
        verbose_name_plural = _("paiements")
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.order.code} {self.amount} {self.state}"


class RefundState(models.TextChoices):
    PENDING = "pending", _("En cours")
    SUCCEEDED = "succeeded", _("Remboursé")
    FAILED = "failed", _("Échoué")


class Refund(models.Model):
    class Source(models.TextChoices):
        STAFF = "staff", _("Équipe")
        BUYER = "buyer", _("Acheteur ou acheteuse")
        AUTOMATIC = "automatic", _("Automatique")
        DASHBOARD = "dashboard", _("Tableau de bord Stripe")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    # The sales taxes the amount gives back, for the returns (orders.reports.taxes_by_month):
    # a returned line's own taxes, all those not yet given back when everything left is
    # refunded, otherwise the amount's share of the order's (orders.services.refund_taxes).
    gst = models.DecimalField(_("TPS"), max_digits=10, decimal_places=2, default=Decimal("0"))
    qst = models.DecimalField(_("TVQ"), max_digits=10, decimal_places=2, default=Decimal("0"))
    hst = models.DecimalField(_("TVH"), max_digits=10, decimal_places=2, default=Decimal("0"))
    reason = models.CharField(_("motif"), max_length=300)
    source = models.CharField(_("origine"), max_length=12, choices=Source.choices)
    state = models.CharField(
        _("état"), max_length=12, choices=RefundState.choices, default=RefundState.PENDING
    )
    idempotency_key = models.CharField(max_length=100, unique=True)
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # Stripe's own word for it (pending, requires_action, succeeded, failed, canceled).
    stripe_status = models.CharField(_("état chez Stripe"), max_length=20, blank=True)
    failure_reason = models.CharField(_("raison de l'échec"), max_length=100, blank=True)
    settled_at = models.DateTimeField(_("réglé le"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("remboursement")
        verbose_name_plural = _("remboursements")
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.order.code} −{self.amount}"


class Dispute(models.Model):
    """A buyer's bank contesting a payment (a chargeback). Staff decide what happens to the
    order; a lost dispute means the money is gone."""

    class Status(models.TextChoices):
        WARNING_NEEDS_RESPONSE = "warning_needs_response", _("Demande de renseignements")
        WARNING_UNDER_REVIEW = "warning_under_review", _("Renseignements à l'étude")
        WARNING_CLOSED = "warning_closed", _("Demande de renseignements close")
        NEEDS_RESPONSE = "needs_response", _("Réponse attendue")
        UNDER_REVIEW = "under_review", _("À l'étude")
        WON = "won", _("Gagné")
        LOST = "lost", _("Perdu")
        # A lost dispute appealed (Stripe's API since 2025): the money stays with the bank
        # until the appeal is decided, won or lost.
        APPEAL_NEEDS_RESPONSE = "appeal_needs_response", _("Appel : réponse attendue")
        APPEAL_UNDER_REVIEW = "appeal_under_review", _("Appel à l'étude")
        # Stopped before it became a chargeback (Visa's Rapid Dispute Resolution): the bank
        # takes nothing back; the card network may have had the payment refunded instead.
        PREVENTED = "prevented", _("Évité")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="disputes")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=255, unique=True)
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="CAD")
    reason = models.CharField(_("motif"), max_length=60, blank=True)
    status = models.CharField(_("état"), max_length=30, choices=Status.choices)
    created_at = models.DateTimeField(_("ouvert le"), default=timezone.now)
    closed_at = models.DateTimeField(_("clos le"), null=True, blank=True)

    class Meta:
        verbose_name = _("litige")
        verbose_name_plural = _("litiges")
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.order.code} {self.amount} {self.status}"

    #: The statuses after which nothing moves, but for a lost dispute appealed.
    CLOSED = (Status.WON, Status.LOST, Status.WARNING_CLOSED, Status.PREVENTED)
    #: The money is with the buyer's bank: lost, or lost and appealed (not yet won back).
    MONEY_TAKEN = (Status.LOST, Status.APPEAL_NEEDS_RESPONSE, Status.APPEAL_UNDER_REVIEW)

    @property
    def is_open(self):
        return self.status not in self.CLOSED


class StripeEvent(models.Model):
    """A webhook event received. The webhook records it, "received" with its payload, and
    queues it; the worker applies it in one transaction with the row's new status, so that a
    replay changes nothing. An event about a payment not known yet (events arrive in any
    order) is kept as "deferred" with its payload, and applied once the payment is known."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Reçu, à appliquer")
        APPLIED = "applied", _("Appliqué")
        IGNORED = "ignored", _("Ignoré")
        DEFERRED = "deferred", _("En attente du paiement")

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED)
    outcome = models.CharField(max_length=100, blank=True)
    api_version = models.CharField(max_length=40, blank=True)
    payment_intent = models.CharField(max_length=255, blank=True, db_index=True)
    payload = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("événement Stripe")
        verbose_name_plural = _("événements Stripe")
        indexes = [
            # The sweep's and the health check's question (events still to apply), on the few
            # rows that are not applied or ignored.
            models.Index(
                fields=["status", "received_at"],
                condition=models.Q(status__in=["received", "deferred"]),
                name="orders_stripeevent_waiting",
            ),
        ]

    def __str__(self):
        return f"{self.type} {self.event_id}"


CODE_SHAPE = re.compile(r"[A-Z0-9][A-Z0-9_-]*")


class DiscountCode(models.Model):
    class Kind(models.TextChoices):
        PERCENT = "percent", _("Pourcentage")
        FIXED = "fixed", _("Montant fixe")

    class Scope(models.TextChoices):
        BOTH = "both", _("Activités et boutique")
        TICKETS = "tickets", _("Activités seulement")
        SHOP = "shop", _("Boutique seulement")

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Sans distinction de casse."),
        error_messages={"unique": _("Ce code existe déjà : choisissez-en un autre.")},
    )
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices)
    value = models.DecimalField(
        _("valeur"),
        max_digits=8,
        decimal_places=2,
        help_text=_("Pourcentage (ex. 15) ou montant en dollars (ex. 5,00)."),
    )
    scope = models.CharField(_("s'applique à"), max_length=8, choices=Scope.choices)
    valid_from = models.DateTimeField(_("valide à partir du"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valide jusqu'au"), null=True, blank=True)
    max_uses = models.PositiveIntegerField(
        _("utilisations permises"), null=True, blank=True, help_text=_("Vide : illimité.")
    )
    active = models.BooleanField(_("actif"), default=True)

    class Meta:
        verbose_name = _("code de rabais")
        verbose_name_plural = _("codes de rabais")
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="discount_value_positive"),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)

    def clean(self):
        from django.core.exceptions import ValidationError

        self.code = self.code.strip().upper()
        errors = {}
        if self.code and not CODE_SHAPE.fullmatch(self.code):
            # What buyers type must find it: « ete solidaire » did not find « ÉTÉ SOLIDAIRE ».
            errors["code"] = _(
                "Un code ne contient que des lettres sans accents, des chiffres et des tirets, "
                "sans espace (par exemple ETE-2027)."
            )
        if self.value is not None and self.value <= 0:
            errors["value"] = _("La valeur doit être plus grande que 0.")
        elif self.kind == self.Kind.PERCENT and self.value and self.value > 100:
            errors["value"] = _("Un pourcentage ne peut pas dépasser 100.")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            errors["valid_until"] = _("La fin doit venir après le début.")
        if self.max_uses == 0:
            # A code nobody could ever use.
            errors["max_uses"] = _("Au moins 1 utilisation ; laissez vide pour un code illimité.")
        if errors:
            raise ValidationError(errors)

    def reduction(self, language=None):
        """What it takes off, as the buyer or staff read it: « 10 % », « 5,00 $ » (« 10% »,
        « $5.00 » in English)."""
        from django.utils.translation import get_language

        from .money import format_cad

        french = (language or get_language() or "fr").startswith("fr")
        if self.kind == self.Kind.PERCENT:
            number = format(self.value.normalize(), "f")
            return f"{number.replace('.', ',')}\u00a0%" if french else f"{number}%"
        return format_cad(self.value, "fr" if french else "en")

    @property
    def times_used(self):
        """Uses are the orders that hold the code (paid, or pending and not expired), so an
        abandoned cart gives its use back without any job having to run."""
        return self.orders.holding().count()


class OrderLogEntry(models.Model):
    """Who did what to an order, and when: the audit log staff read."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="log_entries")
    action = models.CharField(_("action"), max_length=60)
    message = models.CharField(_("détail"), max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal des commandes")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.order.code} {self.action}"


class OutboxEmail(models.Model):
    """An email to send, written in the same transaction as the change that causes it.

    `key` makes queuing idempotent: the same business event cannot queue the same email twice.
    A worker claims the row (`claim_token`, `claimed_until`) before sending it, so that no
    other worker sends it while the lease runs; `message_id` is the same on every attempt, so
    that a copy sent twice (a worker killed between the server's acceptance and the mark) can
    be recognised.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("À envoyer")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec")

    key = models.CharField(max_length=200, unique=True)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    to = models.EmailField(_("destinataire"))
    language = models.CharField(max_length=8)
    subject = models.CharField(_("objet"), max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    # Extra headers sent with it, such as List-Unsubscribe for the newsletter.
    headers = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("courriel")
        verbose_name_plural = _("courriels")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self):
        return f"{self.subject} → {self.to}"


@register_setting(icon="form")
class OrderSettings(BaseGenericSetting):
    """Taxes and notifications for every order, editable by administrators."""

    taxes_enabled = models.BooleanField(
        _("percevoir la TPS et la TVQ"),
        default=False,
        help_text=_(
            "À cocher seulement si le CÉSIQ est inscrit aux fichiers de la TPS et de la TVQ."
        ),
    )
    gst_number = models.CharField(_("numéro de TPS"), max_length=40, blank=True)
    qst_number = models.CharField(_("numéro de TVQ"), max_length=40, blank=True)
    staff_notification_emails = models.CharField(
        _("avis de nouvelles commandes et de stock bas à"),
        max_length=500,
        blank=True,
        help_text=_(
            "Adresses séparées par des virgules. Elles reçoivent un avis de chaque nouvelle "
            "commande, et l'alerte de stock bas de la boutique."
        ),
    )
    # Law 25: read by `orders.privacy`, whose purge asks every app for what is past it.
    personal_data_retention_months = models.PositiveSmallIntegerField(
        _("conservation des renseignements personnels (mois)"),
        default=24,
        # Ten years at most: kept longer, it is no longer a retention period (Law 25).
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_(
            "Nombre de mois après la fin de ce qui a été vendu (une activité, par exemple) au "
            "bout duquel les noms, réponses et coordonnées des personnes sont effacés. Les "
            "montants restent pour la comptabilité."
        ),
    )

    # Read by the funders' report (reports/), whose years run from this month to the next
    # year's month before it: April, the Québec government's fiscal year, by default.
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("premier mois de l'exercice financier"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_(
            "De 1 (janvier) à 12 (décembre). Le rapport aux bailleurs de fonds compte les "
            "activités par exercice à partir de ce mois-ci."
        ),
    )

    class Meta:
        verbose_name = _("commandes et taxes")

    def clean(self):
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        if self.taxes_enabled and not (self.gst_number and self.qst_number):
            raise ValidationError(
                _("Les numéros de TPS et de TVQ sont obligatoires quand les taxes sont perçues.")
            )
        # Printed on every receipt and invoice: the shapes the two agencies give, written
        # the way they write them (« 123456789 RT 0001 », « 1234567890 TQ 0001 »).
        errors = {}
        for field, digits, letters, example in (
            ("gst_number", 9, "RT", "123456789 RT 0001"),
            ("qst_number", 10, "TQ", "1234567890 TQ 0001"),
        ):
            typed = getattr(self, field).strip()
            if not typed:
                continue
            found = re.fullmatch(
                rf"(\d{{{digits}}})\s*{letters}\s*(\d{{4}})", typed.replace("-", " "), re.I
            )
            if found:
                setattr(self, field, f"{found[1]} {letters} {found[2]}")
            else:
                errors[field] = _(
                    "Indiquez le numéro comme il est inscrit, par exemple %(example)s."
                ) % {"example": example}
        for address in self.notification_addresses():
            try:
                validate_email(address)
            except ValidationError:
                errors["staff_notification_emails"] = _(
                    "« %(address)s » n'est pas une adresse de courriel."
                ) % {"address": address}
                break
        if errors:
            raise ValidationError(errors)

    def notification_addresses(self):
        return [a.strip() for a in self.staff_notification_emails.split(",") if a.strip()]
