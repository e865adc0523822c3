"""The catalogue: filters and sorting read from the query string (a plain GET form, no
JavaScript), pagination, and stock from `orders.availability` — a constant number of queries
whatever the number of products.

Each language lists its own product pages (so names sort in the visitor's language); the
variants, prices and stock are read from the French pages, matched by translation key.
"""

import json

from django import forms
from django.core.paginator import Paginator
from django.db.models import F, Min, OuterRef, Prefetch, Subquery
from django.utils.html import _json_script_escapes
from django.utils.translation import gettext_lazy as _
from wagtail.images import get_image_model
from wagtail.images.models import SourceImageIOError
from wagtail.models import Locale

from cesiq_site import pagecache
from cesiq_site.collation import natural
from orders import availability

from .choices import Certification, Country, ProductCategory

PER_PAGE = 12

SORTS = {
    "nom": ("title", _("Nom (A à Z)")),
    "prix": ("min_price", _("Prix croissant")),
    "-prix": ("-min_price", _("Prix décroissant")),
    "recent": ("-first_published_at", _("Nouveautés")),
}


class CatalogueFilterForm(forms.Form):
    categorie = forms.ChoiceField(
        label=_("Catégorie"), required=False, choices=[("", _("Toutes"))] + ProductCategory.choices
    )
    producteur = forms.ChoiceField(label=_("Producteur ou coopérative"), required=False)
    pays = forms.ChoiceField(label=_("Pays d'origine"), required=False)
    certification = forms.ChoiceField(
        label=_("Certification"),
        required=False,
        choices=[("", _("Toutes"))] + Certification.choices,
    )
    en_stock = forms.BooleanField(label=_("En stock seulement"), required=False)
    tri = forms.ChoiceField(
        label=_("Trier par"),
        required=False,
        choices=[(key, label) for key, (_field, label) in SORTS.items()],
    )

    def __init__(self, *args, producers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.producers = list(producers)
        self.fields["producteur"].choices = [("", _("Tous"))] + [
            (str(p.translation_key), p.name) for p in self.producers
        ]
        countries = {p.country for p in self.producers}
        self.fields["pays"].choices = [("", _("Tous"))] + [
            (code, label) for code, label in Country.choices if code in countries
        ]
        # An old link or a hand-typed address: that filter is ignored, and said so beside it
        # (Django's « Sélectionnez un choix valide. zzz n'en fait pas partie. » echoed it, and
        # every other filter was dropped with it), as on the resources' list.
        for form_field in self.fields.values():
            form_field.error_messages["invalid_choice"] = _(
                "Ce choix n’existe pas : le filtre est ignoré."
            )


def _source_variants(default_locale):
    from .models import ProductVariant

    return ProductVariant.objects.filter(
        page__translation_key=OuterRef("translation_key"), page__locale=default_locale
    )


def filtered_products(index_page, data, producer=None):
    """The live product pages under `index_page` matching the form's cleaned data, sorted,
    each annotated with `min_price` (from the French variants)."""
    from .models import ProductPage

    default = Locale.get_default()
    min_price = Subquery(
        _source_variants(default)
        .values("page__translation_key")
        .annotate(m=Min("price"))
        .values("m")[:1]
    )
    pages = (
        ProductPage.objects.live()
        .public()
        .child_of(index_page)
        .annotate(min_price=min_price)
        .select_related("producer")
    )
    if producer is not None:
        pages = pages.filter(producer__translation_key=producer.translation_key)
    if data.get("categorie"):
        pages = pages.filter(category=data["categorie"])
    if data.get("producteur"):
        pages = pages.filter(producer__translation_key=data["producteur"])
    if data.get("pays"):
        pages = pages.filter(producer__country=data["pays"])
    if data.get("certification"):
        # Certifications are a short list per producer: matched here rather than in SQL,
        # which SQLite's JSON support cannot do portably.
        keys = [
            p.translation_key
            for p in data["producers"]
            if data["certification"] in (p.certifications or [])
        ]
        pages = pages.filter(producer__translation_key__in=keys)
    if data.get("en_stock"):
        pages = pages.filter(translation_key__in=keys_in_stock(pages, default))
    field = SORTS.get(data.get("tri") or "nom", SORTS["nom"])[0]
    if field == "title":
        field = natural("title")  # « Écharpe » among the E's (cesiq_site/collation.py)
    return pages.order_by(field, natural("title"), "pk")


def keys_in_stock(pages, default_locale):
    """Translation keys of these products with at least one unit left (two queries)."""
    from .models import ProductVariant

    variants = list(
        ProductVariant.objects.filter(
            page__locale=default_locale,
            page__translation_key__in=pages.values("translation_key"),
        ).values_list("quota_id", "page__translation_key")
    )
    found = availability.usage([quota for quota, _key in variants])
    return {key for quota, key in variants if quota in found and found[quota].left > 0}


def source_variants(products):
    """{translation key: [French variant]} for these products (any language), in one query."""
    from .models import ProductVariant

    keys = [p.translation_key for p in products]
    variants = (
        ProductVariant.objects.filter(
            page__locale=Locale.get_default(), page__translation_key__in=keys
        )
        .annotate(source_key=F("page__translation_key"))
        .order_by("sort_order", "pk")
    )
    by_key = {}
    for variant in variants:
        by_key.setdefault(variant.source_key, []).append(variant)
    return by_key


def with_stock(products, variants_by_key):
    """Set `product.shop_variants` [(variant, left)] and `product.sold_out` on each product
    from the stock left now (one query for them all)."""
    from .models import stock_left

    left = stock_left([v for variants in variants_by_key.values() for v in variants])
    for product in products:
        product.shop_variants = [
            (variant, left[variant.pk])
            for variant in variants_by_key.get(product.translation_key, [])
        ]
        product.sold_out = all(n <= 0 for _v, n in product.shop_variants)
    return products


def attach_variants(products):
    """Give each product (in any language) its French variants with their stock: two queries
    for the whole page of results. Sets `product.shop_variants` [(variant, left)] and
    `product.sold_out`."""
    products = list(products)
    return with_stock(products, source_variants(products))


def _results(index_page, request, data, producer):
    """The page of results asked for: (paginator, page, {translation key: French variants}),
    the products with their producer, gallery and its renditions read."""
    from .models import ProductImage

    images = ProductImage.objects.select_related("image").prefetch_related(
        Prefetch(
            "image__renditions",
            queryset=get_image_model().get_rendition_model().objects.all(),
        )
    )
    pages = filtered_products(index_page, data, producer=producer).prefetch_related(
        Prefetch("gallery_images", queryset=images)
    )
    paginator = Paginator(pages, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    page_obj.object_list = list(page_obj.object_list)
    return paginator, page_obj, source_variants(page_obj.object_list)


def catalogue(index_page, request, producer=None):
    import copy

    from django.core.paginator import Page

    from cesiq_site.render_cache import shared

    from .models import Producer

    # The same for every visitor until a producer is saved: kept (cesiq_site/render_cache.py);
    # only read (names, countries, certifications).
    producers = shared(
        ("producers", index_page.locale_id),
        lambda: list(
            Producer.objects.filter(locale_id=index_page.locale_id, live=True).order_by(
                natural("name")
            )
        ),
    )
    form = CatalogueFilterForm(request.GET or None, producers=producers)
    form.is_valid()
    data = dict(getattr(form, "cleaned_data", {}))  # the valid filters; the others ignored
    data["producers"] = form.producers
    if data.get("en_stock"):
        # Which products are listed depends on the stock left now: read afresh.
        paginator, page_obj, variants = _results(index_page, request, data, producer)
        products = page_obj.object_list
    else:
        # Which products, in which order, with which prices and pictures only changes with a
        # save (a new content generation): kept for the generation per list, filters and
        # page asked for (cesiq_site/render_cache.py), and only read. The stock left
        # ("Épuisé") is read for every request, and set on copies.
        filters = tuple(
            sorted((name, str(value)) for name, value in data.items() if name != "producers")
        )
        key = (
            "catalogue",
            index_page.pk,
            getattr(producer, "pk", None),
            filters,
            request.GET.get("page"),
        )
        paginator, kept, variants = shared(
            key, lambda: _results(index_page, request, data, producer)
        )
        products = [copy.copy(product) for product in kept.object_list]
        page_obj = Page(products, kept.number, paginator)
    with_stock(products, variants)
    pagecache.stored_only_as(request, "page", page_obj.number)
    if form.errors:
        pagecache.not_to_store(request)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filter_form": form,
        "products": page_obj,
        "paginator": paginator,
        "query_string": query.urlencode(),
    }


AVAILABILITY = {True: "https://schema.org/InStock", False: "https://schema.org/OutOfStock"}


def product_json_ld(page, request, variants):
    """schema.org Product data with one Offer per variant, escaped for a
    <script type="application/ld+json">."""
    url = request.build_absolute_uri(page.url)
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": page.title,
        "description": page.summary,
        "url": url,
        "category": page.get_category_display(),
        "offers": [
            {
                "@type": "Offer",
                "name": variant.display_label,
                "sku": variant.sku,
                "price": str(variant.price),
                "priceCurrency": "CAD",
                "availability": AVAILABILITY[left > 0],
                "url": url,
            }
            for variant, left in variants
        ],
    }
    if variants:
        data["sku"] = variants[0][0].sku
    if page.producer:
        data["brand"] = {"@type": "Brand", "name": page.producer.name}
    gallery = list(page.gallery_images.all()[:1])
    if gallery:
        try:
            rendition = gallery[0].image.get_rendition("fill-800x800|format-jpeg")
        except SourceImageIOError:  # a missing original: the page still renders
            pass
        else:
            data["image"] = request.build_absolute_uri(rendition.url)
    return json.dumps(data, ensure_ascii=False).translate(_json_script_escapes)
