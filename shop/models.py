"""The fair-trade shop: producers, product pages and their variants.

A variant's stock is an `orders.Quota` kept the size editors give it, exactly like an activity
date's places: nothing is ever decremented, units sold are the lines of paid orders, and a
pending order holds its units until its hold runs out (see `orders.availability`).
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Locale, Orderable, Page, PreviewableMixin, TranslatableMixin
from wagtail.search import index

from cesiq_site.postal import Province  # noqa: F401 — the shop's provinces, named here too
from cesiq_site.routing import LocalizedRoutesMixin
from cesiq_site.validation import AT_LEAST_ONE_CENT, NOT_NEGATIVE
from home.blocks import BodyBlock
from home.snippets import EditorialSnippet, revisions_relation, workflow_states_relation
from orders import availability
from orders.models import Quota
from orders.purchasable import NotAvailable, Purchasable
from orders.taxes import TaxCategory

from .choices import Certification, Country, ProductCategory
from .taxes import default_tax_category


class CertificationsField(models.JSONField):
    """A list of `Certification` codes, edited as checkboxes."""

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            label=self.verbose_name,
            choices=Certification.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


class Producer(EditorialSnippet, PreviewableMixin, TranslatableMixin):
    """A co-operative or producer organisation the shop buys from. Its page in the shop and
    the catalogue's producer filter show only published producers (home/snippets.py); a
    product whose producer is not published names it without a link to its page."""

    name = models.CharField(_("nom"), max_length=150)
    slug = models.SlugField(
        _("identifiant"), max_length=80, help_text=_("Le même dans toutes les langues.")
    )
    country = models.CharField(_("pays"), max_length=2, choices=Country.choices)
    region = models.CharField(_("région"), max_length=100, blank=True)
    story = models.TextField(_("histoire"), blank=True)
    certifications = CertificationsField(_("certifications"), default=list, blank=True)
    website = models.URLField(_("site web"), blank=True)
    _revisions = revisions_relation("producer")
    workflow_states = workflow_states_relation("producer")

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldRowPanel([FieldPanel("country"), FieldPanel("region")]),
        FieldPanel("story"),
        FieldPanel("certifications"),
        FieldPanel("website"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("producteur")
        verbose_name_plural = _("producteurs")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_preview_template(self, request, mode_name):
        return "shop/producer_preview.html"

    def get_preview_context(self, request, mode_name):
        return {**super().get_preview_context(request, mode_name), "producer": self}

    def certification_labels(self):
        known = dict(Certification.choices)
        return [known[code] for code in self.certifications or [] if code in known]


class ProductIndexPage(LocalizedRoutesMixin, RoutablePageMixin, Page):
    """ "Boutique équitable": the catalogue, with filters and sorting that need no JavaScript,
    and a page per producer listing its products."""

    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    subpage_types = ["shop.ProductPage"]
    parent_page_types = ["home.HomePage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("boutique")

    def get_context(self, request, *args, **kwargs):
        from .catalogue import catalogue

        context = super().get_context(request, *args, **kwargs)
        context.update(catalogue(self, request))
        return context

    @path("producteurs/<slug:slug>/", name="producer")
    @path("producers/<slug:slug>/", name="producer__en")
    def producer_view(self, request, slug):
        from django.http import Http404
        from django.template.response import TemplateResponse

        from .catalogue import catalogue

        published = Producer.objects.filter(slug=slug, live=True)
        producer = published.filter(locale_id=self.locale_id).first()
        if producer is None:
            producer = published.filter(locale=Locale.get_default()).first()
        if producer is None:
            raise Http404
        context = self.get_context(request)
        context.update(catalogue(self, request, producer=producer))
        context["producer"] = producer
        return TemplateResponse(request, "shop/producer.html", context)


class ProductPageForm(WagtailAdminPageForm):
    """A format already saved keeps its stock as it is here: units received, broken or
    counted go through Boutique › Stock, with their reason, and never below what orders take
    (shop/stock.py `adjust`). Typed in the page, a stock fell under the units a pending order
    held, and nothing said who changed it or why. A new format gets its first stock here."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        formset = self.formsets.get("variants")
        forms_ = formset.forms if formset is not None else ()
        # The stock as it is now, not as the revision being edited had it (an older one,
        # reverted to, put back its stock on publishing).
        stock = dict(
            ProductVariant.objects.filter(
                pk__in=[f.instance.pk for f in forms_ if f.instance.pk]
            ).values_list("pk", "stock")
        )
        for form in forms_:
            if form.instance.pk in stock:
                form.initial["stock"] = stock[form.instance.pk]
                form.fields["stock"].disabled = True
                form.fields["stock"].help_text = _(
                    "Se modifie dans Boutique › Stock, avec son motif (unités reçues, "
                    "abîmées, comptées)."
                )

    def clean(self):
        """A format that was sold stays: deleted, its orders kept lines of nothing (receipts,
        returns, the sales report lost the article)."""
        cleaned = super().clean()
        formset = self.formsets.get("variants")
        if self.instance.pk and formset is not None and formset.is_valid():
            kept = [
                form.instance.pk
                for form in formset.forms
                if form.instance.pk and not formset._should_delete_form(form)
            ]
            gone = ProductVariant.objects.filter(page=self.instance).exclude(pk__in=kept)
            sold = gone.filter(quota__order_lines__isnull=False).distinct()
            if sold:
                raise forms.ValidationError(
                    [
                        _(
                            "Le format « %(label)s » a été vendu : il ne peut pas être retiré. "
                            "Remettez-le ; pour ne plus le vendre, retirez son stock dans "
                            "Boutique › Stock."
                        )
                        % {"label": variant.label}
                        for variant in sold
                    ]
                )
        return cleaned


class ProductPage(Page):
    base_form_class = ProductPageForm

    summary = models.TextField(_("résumé"), max_length=400)
    body = StreamField(BodyBlock(), verbose_name=_("description"), blank=True)
    category = models.CharField(_("catégorie"), max_length=20, choices=ProductCategory.choices)
    producer = models.ForeignKey(
        Producer,
        verbose_name=_("producteur ou coopérative"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
    )
    tax_category = models.CharField(
        _("taxes"),
        max_length=12,
        choices=TaxCategory.choices,
        blank=True,
        help_text=_(
            "Vide : la règle de la catégorie (café, thé, sucre et épices détaxés ; chocolat "
            "et artisanat taxables ; livres imprimés : TPS seulement). Sur la page en français."
        ),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("category"), FieldPanel("producer")])],
            heading=_("Catégorie et provenance"),
        ),
        InlinePanel("gallery_images", heading=_("Images"), label=_("Image")),
        InlinePanel(
            "variants",
            heading=_("Formats et stock"),
            label=_("Format"),
            help_text=_(
                "Sur la page en français seulement : la traduction vend les mêmes formats et "
                "le même stock."
            ),
        ),
        FieldPanel("tax_category"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("category"),
    ]
    parent_page_types = ["shop.ProductIndexPage"]
    subpage_types = []
    # A translation or a duplicate must not bring the variants along: their SKUs are unique
    # and their stock belongs to the French page, which every language sells.
    exclude_fields_in_copy = ["variants"]

    class Meta:
        verbose_name = _("produit")
        verbose_name_plural = _("produits")

    @cached_property
    def source(self):
        """The French page, which holds the variants and their stock."""
        default = Locale.get_default()
        if self.locale_id == default.pk:
            return self
        return self.get_translation_or_none(default) or self

    def effective_tax_category(self):
        source = self.source
        return source.tax_category or default_tax_category(source.category)

    def get_context(self, request, *args, **kwargs):
        from .catalogue import product_json_ld
        from .forms import AddToCartForm

        context = super().get_context(request, *args, **kwargs)
        # The gallery is read three times (the page, its JSON-LD, its sharing image): once.
        models.prefetch_related_objects(
            [self],
            models.Prefetch("gallery_images", ProductImage.objects.select_related("image")),
        )
        variants = list(self.source.variants.all())
        left = stock_left(variants)
        context["variants"] = [(variant, left[variant.pk]) for variant in variants]
        context["sold_out"] = bool(variants) and all(left[v.pk] <= 0 for v in variants)
        context["add_form"] = AddToCartForm(variants=[v for v in variants if left[v.pk] > 0])
        context["json_ld"] = product_json_ld(self, request, context["variants"])
        context["gallery"] = list(self.gallery_images.all())
        return context


def stock_left(variants, now=None):
    """{variant id: units left, never below zero} for these variants, in one query."""
    found = availability.usage([v.quota_id for v in variants], now)
    return {v.pk: max(found[v.quota_id].left, 0) if v.quota_id in found else 0 for v in variants}


class ProductImage(Orderable):
    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="gallery_images")
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("image"), on_delete=models.CASCADE, related_name="+"
    )
    caption = models.CharField(_("légende"), max_length=250, blank=True)
    alt = models.CharField(
        _("texte de remplacement"),
        max_length=250,
        blank=True,
        help_text=_("Ce que montre l'image, pour qui ne la voit pas. Vide : image décorative."),
    )

    panels = [FieldPanel("image"), FieldPanel("alt"), FieldPanel("caption")]

    class Meta(Orderable.Meta):
        ordering = ["sort_order", "pk"]  # rows added by code have no sort_order


class ProductVariant(Purchasable, Orderable):
    """A format of a product (250 g, 1 kg…) with its own SKU, price and stock."""

    page = ParentalKey(ProductPage, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("code d'article (SKU)"), max_length=40, unique=True)
    label = models.CharField(_("format"), max_length=80, help_text=_("Par exemple : 250 g"))
    label_en = models.CharField(_("format en anglais"), max_length=80, blank=True)
    price = models.DecimalField(
        _("prix"),
        max_digits=8,
        decimal_places=2,
        validators=[AT_LEAST_ONE_CENT],
    )
    stock = models.PositiveIntegerField(
        _("stock"),
        default=0,
        help_text=_(
            "Unités mises en vente en tout. Les ventes sont comptées, jamais soustraites : "
            "pour ajouter 10 unités reçues, augmentez ce nombre de 10."
        ),
    )
    weight_grams = models.PositiveIntegerField(_("poids (g)"), null=True, blank=True)
    low_stock_threshold = models.PositiveIntegerField(_("seuil de stock bas"), default=5)
    # Staff are told once when what is left falls under the threshold; cleared when stock is
    # added back above it.
    low_stock_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)
    quota = models.OneToOneField(
        Quota,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="product_variant",
    )

    panels = [
        FieldRowPanel([FieldPanel("sku"), FieldPanel("label"), FieldPanel("label_en")]),
        FieldRowPanel([FieldPanel("price"), FieldPanel("stock"), FieldPanel("weight_grams")]),
        FieldPanel("low_stock_threshold"),
    ]

    class Meta(Orderable.Meta):
        # The order editors gave them, then the order they were made: variants added without
        # an order (by code, the demo's seed) were listed now one way, now the other.
        ordering = ["sort_order", "pk"]
        verbose_name = _("format")
        verbose_name_plural = _("formats")

    def __str__(self):
        return f"{self.page.title} — {self.label}"

    def clean(self):
        # « miel-250 » beside « MIEL-250 »: one code to the staff who read it on a label. A
        # code saved before this rule, unchanged, does not lock its page.
        unchanged = self.pk and ProductVariant.objects.filter(pk=self.pk, sku=self.sku).exists()
        other = (
            ProductVariant.objects.filter(sku__iexact=self.sku)
            .exclude(pk=self.pk)
            .select_related("page")
            .first()
            if self.sku and not unchanged
            else None
        )
        if other is not None:
            raise ValidationError(
                {
                    "sku": _(
                        "Ce code d'article est déjà celui de « %(other)s » (%(sku)s) : "
                        "choisissez-en un autre."
                    )
                    % {"other": other, "sku": other.sku}
                }
            )

    def save(self, *args, **kwargs):
        name = f"{self.page.title} — {self.label} ({self.sku})"[:300]
        availability.keep_own_quota(self, self.stock, name)
        super().save(*args, **kwargs)

    @property
    def display_label(self):
        """The format in the active language."""
        if translation.get_language() == "en" and self.label_en:
            return self.label_en
        return self.label

    def left(self, now=None):
        return availability.left(self.quota_id, now)

    # --- the purchasable interface: a variant has no option ----------------------------------

    def describe(self, language, option):
        with translation.override(language):
            return f"{self.page.localized.title} — {self.display_label}"

    def price_for(self, requested, option):
        return self.price

    def tax_category(self):
        return self.page.effective_tax_category()

    def quotas(self, option):
        if option is not None:
            raise NotAvailable(gettext("Ce produit n'a pas d'option à choisir."))
        return [self.quota]

    def check_sale(self, quantity, option, now):
        if not self.page.live:
            raise NotAvailable(
                gettext("« %(item)s » n'est plus en vente.") % {"item": self.display_name()}
            )

    def display_name(self):
        return f"{self.page.localized.title} — {self.display_label}"

    def is_goods(self):
        return True

    def fulfil(self, line):
        """A paid line: staff hear once when what is left falls to the threshold."""
        from .stock import check_low_stock

        check_low_stock(self)

    def release(self, line):
        from .stock import check_low_stock

        check_low_stock(self, alert=False)

    def give_back(self, line, quantity):
        from .stock import check_low_stock

        check_low_stock(self, alert=False)

    def staff_notice_extras(self, line):
        """What to prepare and how it leaves, once per order (on its first product line)."""
        from .fulfilment import staff_notice

        return staff_notice(line)


def pickup_address():
    """The CÉSIQ office's address, from the site settings."""
    from wagtail.models import Site

    from home.models import SiteSettings

    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        return ""
    found = SiteSettings.for_site(site)
    parts = [line.strip() for line in found.street_address.splitlines() if line.strip()]
    city = " ".join(
        part
        for part in (
            found.address_locality and f"{found.address_locality} (Québec)",
            found.postal_code,
        )
        if part
    )
    # « 125, rue de la Solidarité, Québec (Québec) G1K 3A1 », as the footer says it.
    return ", ".join(parts + ([city] if city else []))


# --- delivery, fulfilment and stock keeping ------------------------------------------------------


@register_setting(icon="tag")
class ShopSettings(BaseGenericSetting):
    """Pickup hours and shipping rates, editable by administrators."""

    pickup_hours = models.TextField(
        _("heures de cueillette au bureau"),
        blank=True,
        default="Du mardi au jeudi, de 10 h à 16 h",
    )
    pickup_hours_en = models.TextField(
        _("heures de cueillette (anglais)"),
        blank=True,
        default="Tuesday to Thursday, 10 a.m. to 4 p.m.",
    )
    shipping_quebec = models.DecimalField(
        _("livraison au Québec"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("12.00"),
        validators=[NOT_NEGATIVE],
    )
    shipping_east = models.DecimalField(
        _("livraison en Ontario et dans les provinces de l'Atlantique"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("16.00"),
        validators=[NOT_NEGATIVE],
    )
    shipping_west = models.DecimalField(
        _("livraison dans l'Ouest (Manitoba à la Colombie-Britannique)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[NOT_NEGATIVE],
    )
    shipping_north = models.DecimalField(
        _("livraison dans les territoires"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("35.00"),
        validators=[NOT_NEGATIVE],
    )
    free_shipping_from = models.DecimalField(
        _("livraison gratuite à partir de"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        default=Decimal("75.00"),
        help_text=_("Montant des produits après rabais, avant taxes. Vide : jamais gratuite."),
        validators=[NOT_NEGATIVE],
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("pickup_hours"), FieldPanel("pickup_hours_en")],
            heading=_("Cueillette"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("shipping_quebec"),
                FieldPanel("shipping_east"),
                FieldPanel("shipping_west"),
                FieldPanel("shipping_north"),
                FieldPanel("free_shipping_from"),
            ],
            heading=_("Livraison au Canada (tarifs fixes par zone)"),
        ),
    ]

    class Meta:
        verbose_name = _("boutique")


class DeliveryMethod(models.TextChoices):
    OFFICE = "office", _("Cueillette au bureau du CÉSIQ")
    ACTIVITY = "activity", _("Cueillette à une activité")
    SHIPPING = "shipping", _("Livraison par la poste")


class FulfilmentStatus(models.TextChoices):
    """Where a paid shop order is in its preparation. Pending or cancelled orders are told
    by the order's own state."""

    NEW = "new", _("À préparer")
    PREPARING = "preparing", _("En préparation")
    READY = "ready", _("Prête à récupérer")
    SHIPPED = "shipped", _("Expédiée")
    HANDED_OVER = "handed_over", _("Remise")


# Forward only; "ready" is for pickups, "shipped" for parcels.
FULFILMENT_TRANSITIONS = {
    FulfilmentStatus.NEW: {FulfilmentStatus.PREPARING},
    FulfilmentStatus.PREPARING: {FulfilmentStatus.READY, FulfilmentStatus.SHIPPED},
    FulfilmentStatus.READY: {FulfilmentStatus.HANDED_OVER},
    FulfilmentStatus.SHIPPED: {FulfilmentStatus.HANDED_OVER},
    FulfilmentStatus.HANDED_OVER: set(),
}


class Fulfilment(models.Model):
    """How a shop order reaches its buyer, and how far it has gone."""

    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, related_name="fulfilment"
    )
    method = models.CharField(_("mode"), max_length=10, choices=DeliveryMethod.choices)
    # Pickup at an activity: the date where staff hand the order over at the door.
    pickup_date = models.ForeignKey(
        "events.EventDate",
        verbose_name=_("activité de cueillette"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shop_pickups",
    )
    # Shipping address (shipping only).
    recipient = models.CharField(_("destinataire"), max_length=200, blank=True)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    address_2 = models.CharField(_("appartement, bureau"), max_length=100, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=2, choices=Province.choices, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=7, blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)

    status = models.CharField(
        _("préparation"),
        max_length=12,
        choices=FulfilmentStatus.choices,
        default=FulfilmentStatus.NEW,
    )
    carrier = models.CharField(_("transporteur"), max_length=40, blank=True)
    tracking_number = models.CharField(_("numéro de suivi"), max_length=60, blank=True)
    updated_at = models.DateTimeField(_("mise à jour"), auto_now=True)

    class Meta:
        verbose_name = _("préparation de commande")
        verbose_name_plural = _("préparations de commande")
        indexes = [models.Index(fields=["status"])]

    def __str__(self):
        return f"{self.order} — {self.get_status_display()}"

    @property
    def city_line(self):
        """The address's last line as the reader of the page or email writes it."""
        from cesiq_site.postal import city_line

        return city_line(self.city, self.province, self.postal_code)

    def can_become(self, status):
        return status in FULFILMENT_TRANSITIONS[FulfilmentStatus(self.status)]


class StockAdjustment(models.Model):
    """A change of a variant's stock made by staff (units received, broken, counted), with
    its reason: the stock's log. Sales are not adjustments: they are order lines."""

    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="adjustments"
    )
    delta = models.IntegerField(_("variation"))
    stock_after = models.PositiveIntegerField(_("stock après"))
    reason = models.CharField(_("motif"), max_length=300)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("par"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("ajustement de stock")
        verbose_name_plural = _("ajustements de stock")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.variant} {self.delta:+d}"
