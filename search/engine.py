"""One search over the site's pages, activities and products, in the visitor's language.

PostgreSQL: Wagtail's database search backend, whose index is built and queried with the
`cesiq_french` text search configuration (French stemming after `unaccent`, created by
search/migrations/0001): "climat" finds "climatique", "femme" finds "femmes", "equitable"
finds "équitable". Other databases (SQLite in the demo): every query word, accent-folded and
lightly stemmed, must appear in a page's title, promote-tab description or summary
(`search.text`), which is enough for a small site and needs no index.

Results come in kinds: activities, pages and products, plus the kinds other apps register
(`register_kind`: news and campaigns, each dated; the organisations of the network, which are
snippets, not pages: such a kind says which of its items a language shows and how one is
titled and linked). Upcoming activities come first (soonest
first), then pages, the registered kinds and products by relevance, then past activities
(latest first). Only the page of results shown is
loaded; everything before that is ids and one aggregate query.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import CharField, F, Func, Max, Min, Q, TextField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField
from wagtail.models import Locale, Page, get_page_models
from wagtail.rich_text import get_text_for_indexing
from wagtail.search.backends import get_search_backend

from . import text

ACTIVITIES, PAGES, PRODUCTS = "activites", "pages", "produits"
KIND_LABELS = {
    ACTIVITIES: (_("Activité"), _("Activités")),
    PAGES: (_("Page"), _("Pages")),
    PRODUCTS: (_("Produit"), _("Produits")),
}
KINDS = list(KIND_LABELS)


@dataclass(frozen=True)
class Kind:
    """A kind of page another app shows as its own kind of result, labelled and filterable
    (`?type=<key>`), with the date its `date_field` holds."""

    key: str
    singular: str
    plural: str
    model: str  # "app_label.ModelName"
    date_field: str | None = None
    # A kind that is not a page (a snippet) gives both: `items(locale)`, the queryset of what
    # that language shows; `describe(item, locale)`, its (title, url, [texts for the excerpt]).
    items: object = None
    describe: object = None

    def get_model(self):
        return apps.get_model(self.model)

    @property
    def is_page(self):
        return self.items is None


REGISTERED = {}  # key -> Kind, in registration order


def register_kind(kind):
    """Called from an app's AppConfig.ready(). Its results come after the pages, before the
    products; registering again (tests, autoreload) replaces."""
    REGISTERED[kind.key] = kind
    KIND_LABELS[kind.key] = (kind.singular, kind.plural)
    if kind.key not in KINDS:
        KINDS.insert(KINDS.index(PRODUCTS), kind.key)


def _registered_models():
    """{page model: kind key} of the registered kinds that are pages."""
    return {kind.get_model(): key for key, kind in REGISTERED.items() if kind.is_page}


def _item_kinds():
    return [kind for kind in REGISTERED.values() if not kind.is_page]


def _event_model():
    from events.models import EventPage

    return EventPage


def _product_model():
    from shop.models import ProductPage

    return ProductPage


def uses_full_text():
    return connection.vendor == "postgresql"


class Fold(Func):
    """cesiq_fold(text): the SQLite function registered in SearchConfig.ready()."""

    function = "cesiq_fold"
    output_field = TextField()


def _text_fields(model):
    """Plain text fields a model declares as searchable (StreamFields left out)."""
    from wagtail.search import index

    names = ["title", "search_description"] if issubclass(model, Page) else []
    for search_field in model.search_fields:
        if not isinstance(search_field, index.SearchField):
            continue
        model_field = next(
            (f for f in model._meta.concrete_fields if f.name == search_field.field_name), None
        )
        # A method or a related lookup is not a column: left out.
        if isinstance(model_field, (CharField, TextField)) and model_field.name not in names:
            names.append(model_field.name)
    return names


def _fallback_ids(model, base, stems):
    """Ids of `base` (a queryset of `model`) where every stem is in one of its text fields,
    title (or first field, a snippet's name) matches first."""
    fields = _text_fields(model)
    queryset = base.annotate(**{f"_f_{name}": Fold(F(name)) for name in fields})
    for stem in stems:
        match = Q()
        for name in fields:
            match |= Q(**{f"_f_{name}__contains": stem})
        queryset = queryset.filter(match)
    rows = list(queryset.values_list("pk", f"_f_{fields[0]}"))
    return [pk for pk, title in rows if any(s in title for s in stems)] + [
        pk for pk, title in rows if not any(s in title for s in stems)
    ]


def _live(model, locale):
    return model.objects.live().public().filter(locale=locale, depth__gt=1)


def _full_text_ids(query, locale):
    """{kind: [page id, best first]} from one query on Wagtail's search index.

    `results.get_queryset()` is the ranked queryset Wagtail's PostgreSQL backend builds;
    reading only ids and content types from it keeps a search over 1,000 pages fast (no page
    object is built for a result that is not shown)."""
    from django.contrib.contenttypes.models import ContentType

    Event, Product = _event_model(), _product_model()
    kind_of = {
        ContentType.objects.get_for_model(Event).pk: ACTIVITIES,
        ContentType.objects.get_for_model(Product).pk: PRODUCTS,
    }
    for model, key in _registered_models().items():
        kind_of[ContentType.objects.get_for_model(model).pk] = key
    results = _live(Page, locale).search(query, operator="and")
    found = {kind: [] for kind in KINDS}
    keys = {}
    rows = results.get_queryset().values_list("pk", "content_type_id", "translation_key")
    for pk, content_type, key in rows:
        kind = kind_of.get(content_type, PAGES)
        found[kind].append(pk)
        if kind == ACTIVITIES:
            keys[pk] = key
    for kind in _item_kinds():
        # The same index holds the snippets: ranked there, kept if this language shows them.
        ranked = get_search_backend().search(query, kind.get_model(), operator="and")
        ranked = list(ranked.get_queryset().values_list("pk", flat=True))
        shown = set(kind.items(locale).filter(pk__in=ranked).values_list("pk", flat=True))
        found[kind.key] = [pk for pk in ranked if pk in shown]
    return found, keys


def _fallback_kind_ids(kind, stems, locale):
    Event, Product = _event_model(), _product_model()
    if kind == ACTIVITIES:
        return _fallback_ids(Event, _live(Event, locale), stems)
    if kind == PRODUCTS:
        return _fallback_ids(Product, _live(Product, locale), stems)
    if kind in REGISTERED:
        registered = REGISTERED[kind]
        model = registered.get_model()
        if not registered.is_page:
            return _fallback_ids(model, registered.items(locale), stems)
        return _fallback_ids(model, _live(model, locale), stems)
    ids = []
    own = (Event, Product, *_registered_models())
    for model in get_page_models():
        if model in own or model is Page or model._meta.abstract:
            continue
        ids += _fallback_ids(model, _live(model, locale).exact_type(model), stems)
    return ids


def matching_ids(query, locale):
    """({kind: ids of the live, public pages of that kind in `locale` matching `query`, best
    first}, {activity id: its translation key})."""
    if uses_full_text():
        return _full_text_ids(query, locale)
    stems = text.terms(query)
    found = {kind: _fallback_kind_ids(kind, stems, locale) if stems else [] for kind in KINDS}
    Event = _event_model()
    keys = dict(Event.objects.filter(pk__in=found[ACTIVITIES]).values_list("pk", "translation_key"))
    return found, keys


@dataclass
class Hit:
    """One result as the template shows it: a page, or an item of a kind that is not a page
    (with its own title and url)."""

    kind: str
    page: Page | None
    excerpt: str = ""
    title: str = ""
    url: str = ""
    when: datetime | date | None = None
    upcoming: bool = False
    price: object = None
    free: bool = False
    sold_out: bool = False

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind][0]


@dataclass
class Outcome:
    """The ids of every match in display order, with their kind, and the counts per kind."""

    ordered: list = field(default_factory=list)  # [(kind, page id)]
    counts: dict = field(default_factory=dict)
    activity_times: dict = field(default_factory=dict)  # page id -> (when, upcoming)

    @property
    def total(self):
        return sum(self.counts.values())


def _activity_times(keys, now):
    """{page id: (shown date, upcoming?)} for {activity page id: translation key}: dates live
    on the French pages (one query)."""
    if not keys:
        return {}
    from events.models import EventDate

    rows = (
        EventDate.objects.filter(
            page__translation_key__in=set(keys.values()), page__locale=Locale.get_default()
        )
        .values_list("page__translation_key")
        .annotate(next_start=Min("start", filter=Q(end__gt=now)), last_start=Max("start"))
    )
    by_key = {key: (next_start, last_start) for key, next_start, last_start in rows}
    times = {}
    for pk, key in keys.items():
        next_start, last_start = by_key.get(key, (None, None))
        times[pk] = (next_start, True) if next_start else (last_start, False)
    return times


def run(query, locale, kind=None, now=None):
    """Search every kind (or one), returning an Outcome with counts for all kinds."""
    now = now or timezone.now()
    found, keys = matching_ids(query, locale)
    outcome = Outcome(counts={k: len(v) for k, v in found.items()})
    outcome.activity_times = _activity_times(keys, now)
    times = outcome.activity_times
    upcoming = sorted((pk for pk in found[ACTIVITIES] if times[pk][1]), key=lambda pk: times[pk][0])
    past = sorted(
        (pk for pk in found[ACTIVITIES] if not times[pk][1]),
        key=lambda pk: (times[pk][0] is not None, times[pk][0] or now),
        reverse=True,
    )
    order = (
        [(ACTIVITIES, pk) for pk in upcoming]
        + [(PAGES, pk) for pk in found[PAGES]]
        + [(key, pk) for key in REGISTERED for pk in found[key]]
        + [(PRODUCTS, pk) for pk in found[PRODUCTS]]
        + [(ACTIVITIES, pk) for pk in past]
    )
    outcome.ordered = [item for item in order if kind in (None, item[0])]
    return outcome


def _texts(page):
    """What an excerpt is cut from: the promote-tab description, the summary or
    introduction, then the body's text."""
    texts = [page.search_description]
    for name in ("summary", "introduction", "hero_text", "body"):
        value = getattr(page, name, None)
        if hasattr(value, "stream_block"):  # a StreamField
            texts += value.stream_block.get_searchable_content(value)
        elif value and _is_rich_text(page, name):  # HTML (the donation page's body)
            texts.append(get_text_for_indexing(value))
        elif isinstance(value, str):
            texts.append(value)
    return texts


def _is_rich_text(page, name):
    try:
        return isinstance(page._meta.get_field(name), RichTextField)
    except FieldDoesNotExist:
        return False


def hits(items, query, outcome):
    """Hit objects for a slice of `outcome.ordered`: one query for the pages, two for the
    products' prices."""
    from shop.catalogue import attach_variants

    ids = [pk for kind, pk in items if kind not in REGISTERED or REGISTERED[kind].is_page]
    pages = {p.pk: p for p in Page.objects.filter(pk__in=ids).specific()}
    others = {}
    for kind in {kind for kind, _pk in items if kind in REGISTERED}:
        registered = REGISTERED[kind]
        if not registered.is_page:
            wanted = [pk for k, pk in items if k == kind]
            model = registered.get_model()
            others[kind] = {o.pk: o for o in model.objects.filter(pk__in=wanted)}
    locale = Locale.get_active()
    result = []
    for kind, pk in items:
        if kind in others:
            item = others[kind].get(pk)
            if item is not None:
                title, url, texts = REGISTERED[kind].describe(item, locale)
                excerpt = text.excerpt(texts, query)
                result.append(Hit(kind=kind, page=None, excerpt=excerpt, title=title, url=url))
            continue
        page = pages.get(pk)
        if page is None:
            continue
        hit = Hit(kind=kind, page=page, excerpt=text.excerpt(_texts(page), query))
        if kind == ACTIVITIES:
            hit.when, hit.upcoming = outcome.activity_times.get(pk, (None, False))
        elif kind in REGISTERED and REGISTERED[kind].date_field:
            hit.when = getattr(page, REGISTERED[kind].date_field, None)
        result.append(hit)
    products = [h.page for h in result if h.kind == PRODUCTS]
    attach_variants(products)
    for hit in result:
        if hit.kind == PRODUCTS:
            prices = [v.price for v, _left in hit.page.shop_variants]
            hit.price = min(prices) if prices else None
            hit.sold_out = hit.page.sold_out
    return result
