"""Members: categories with a yearly fee (snippets, the purchasable), the membership page people
join and renew through, members and the periods they paid for.

A membership is bought like anything else through `orders` (the category is the purchasable);
when its order is paid, `fulfil` records the member (found by email address) and a period of one
year, which starts the day after the current one ends when renewing before expiry.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from cesiq_site.validation import AT_LEAST_ONE_DOLLAR
from orders.models import CODE_ALPHABET
from orders.money import format_cad
from orders.purchasable import NotAvailable, Purchasable
from orders.taxes import TaxCategory

MEMBER_CODE_LENGTH = 10


def new_member_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(MEMBER_CODE_LENGTH))


class MemberKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individuelle")
    ORGANISATION = "organisation", _("Organisation")


class MembershipCategory(Purchasable, models.Model):
    """A kind of membership and its yearly fee (individual, student, member organisation…)."""

    name = models.CharField(_("nom"), max_length=100)
    name_en = models.CharField(_("nom en anglais"), max_length=100, blank=True)
    kind = models.CharField(
        _("type de membre"),
        max_length=12,
        choices=MemberKind.choices,
        default=MemberKind.INDIVIDUAL,
    )
    yearly_fee = models.DecimalField(
        _("cotisation annuelle"),
        max_digits=8,
        decimal_places=2,
        validators=[AT_LEAST_ONE_DOLLAR],
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    description_en = models.CharField(_("description en anglais"), max_length=300, blank=True)
    active = models.BooleanField(_("offerte"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("name_en")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("yearly_fee")]),
        FieldPanel("description"),
        FieldPanel("description_en"),
        FieldRowPanel([FieldPanel("active"), FieldPanel("sort_order")]),
    ]

    class Meta:
        verbose_name = _("catégorie de membre")
        verbose_name_plural = _("catégories de membres")
        ordering = ["sort_order", "yearly_fee"]

    def __str__(self):
        return self.name

    @property
    def label(self):
        if translation.get_language() == "en" and self.name_en:
            return self.name_en
        return self.name

    @property
    def summary(self):
        if translation.get_language() == "en" and self.description_en:
            return self.description_en
        return self.description

    # --- Purchasable -------------------------------------------------------------------------

    def describe(self, language, option):
        with translation.override(language):
            return str(_("Adhésion annuelle — %(category)s") % {"category": self.label})

    def price_for(self, requested, option):
        return self.yearly_fee

    def tax_category(self):
        # Membership in a non-profit public service body: exempt (Excise Tax Act, Sch. V,
        # Part VI, s. 17; QST Act s. 174), as long as members get no significant benefits.
        return TaxCategory.EXEMPT

    def quotas(self, option):
        return []

    def check_sale(self, quantity, option, now):
        if quantity != 1:
            raise NotAvailable(_("Une adhésion à la fois."))
        if not self.active:
            raise NotAvailable(_("Cette catégorie de membre n'est plus offerte."))

    def display_name(self):
        return self.label

    def fulfil(self, line):
        from .services import record_membership

        record_membership(line)

    def release(self, line):
        from .services import membership_cancelled

        membership_cancelled(line)

    def give_back(self, line, quantity):
        from .services import membership_cancelled

        membership_cancelled(line)


class MembershipPage(Page):
    """ "Devenir membre": the categories and their fees, one form to join or renew."""

    introduction = models.TextField(_("introduction"), blank=True)
    body = RichTextField(_("texte"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction"), FieldPanel("body")]
    template = "memberships/membership_page.html"

    class Meta:
        verbose_name = _("page d'adhésion")
        verbose_name_plural = _("pages d'adhésion")

    def serve(self, request, *args, **kwargs):
        from .views import join

        return join(request, self)


class Member(models.Model):
    """A person or an organisation that is or was a member, found by its email address."""

    kind = models.CharField(_("type"), max_length=12, choices=MemberKind.choices)
    name = models.CharField(_("nom"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    email = models.EmailField(_("courriel"), unique=True)
    code = models.CharField(
        _("code de membre"), max_length=16, unique=True, default=new_member_code, editable=False
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("compte"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    created_at = models.DateTimeField(_("membre depuis"), default=timezone.now)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        ordering = ["name"]

    def __str__(self):
        return self.organisation or self.name

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def current_period(self, today=None):
        today = today or timezone.localdate()
        return (
            self.periods.filter(cancelled=False, start__lte=today, end__gte=today)
            .order_by("-end")
            .first()
        )

    def last_period(self):
        return self.periods.filter(cancelled=False).order_by("-end").first()

    def is_active(self, today=None):
        return self.current_period(today) is not None

    @property
    def status(self):
        period = self.last_period()
        today = timezone.localdate()
        if period is None:
            return str(_("Aucune adhésion"))
        if period.start > today:
            return str(_("À venir"))
        if period.end >= today:
            return str(
                _("Active jusqu'au %(date)s") % {"date": date_format(period.end, "DATE_FORMAT")}
            )
        return str(
            _("Expirée depuis le %(date)s") % {"date": date_format(period.end, "DATE_FORMAT")}
        )

    @property
    def active_until(self):
        period = self.last_period()
        return period.end if period else None

    @property
    def category_name(self):
        period = self.last_period()
        return period.category.name if period else ""


class MembershipPeriod(models.Model):
    """One paid year of membership."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="periods")
    category = models.ForeignKey(
        MembershipCategory, verbose_name=_("catégorie"), on_delete=models.PROTECT
    )
    start = models.DateField(_("début"))
    end = models.DateField(_("fin"))
    order_line = models.OneToOneField(
        "orders.OrderLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="membership_period",
    )
    amount = models.DecimalField(_("montant"), max_digits=8, decimal_places=2)
    cancelled = models.BooleanField(_("annulée"), default=False)
    reminder_sent_at = models.DateTimeField(_("rappel envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("période d'adhésion")
        verbose_name_plural = _("périodes d'adhésion")
        ordering = ["-end"]
        indexes = [models.Index(fields=["end", "cancelled"])]

    def __str__(self):
        return f"{self.member} {self.start}–{self.end} ({format_cad(self.amount)})"


def one_year_from(start):
    """The last day of a year of membership starting on `start` (29 February → 28 February)."""
    try:
        same_day_next_year = start.replace(year=start.year + 1)
    except ValueError:
        same_day_next_year = start.replace(year=start.year + 1, day=28) + timedelta(days=1)
    return same_day_next_year - timedelta(days=1)
