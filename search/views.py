from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.search_promotions.models import Query
from wagtail.models import Locale
from wagtail.search.utils import normalise_query_string

from cesiq_site import ratelimit
from cesiq_site.collation import natural
from cesiq_site.validation import no_control_characters

from . import engine

MAX_QUERY_LENGTH = 200
PER_PAGE = 10


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Mots-clés"), required=False, validators=[no_control_characters], strip=True
    )


def promotions(query, locale, found=None):
    """Editors' promoted results for this query (Recherche > Résultats mis en avant), each
    page shown in the visitor's language when it has a live translation. `found`: the query's
    row, when the caller has it already."""
    if found is None:
        found = Query.objects.filter(query_string=normalise_query_string(query)).first()
    if found is None:
        return []
    shown = []
    for promotion in found.editors_picks.select_related("page"):
        page = promotion.page
        if page is not None:
            page = page.get_translation_or_none(locale) or page
            if not page.live:
                continue
            page = page.specific
        shown.append({"promotion": promotion, "page": page})
    return shown


def suggestions(locale):
    """For an empty result: the themes (each a link to the filtered activity list) and the next
    activities, in the visitor's language."""
    from events.models import EventIndexPage, EventPage, Theme

    index = EventIndexPage.objects.live().filter(locale=locale).first()
    themes = (
        list(Theme.objects.filter(locale=locale, live=True).order_by(natural("name")))
        if index
        else []
    )
    keys = (
        EventPage.objects.live()
        .public()
        .filter(locale=Locale.get_default(), dates__end__gt=timezone.now())
        .order_by("dates__start")
        .values_list("translation_key", flat=True)
    )
    upcoming, seen = [], set()
    for key in keys:
        if key in seen:
            continue
        seen.add(key)
        page = EventPage.objects.live().filter(translation_key=key, locale=locale).first()
        if page is not None:
            upcoming.append(page)
        if len(upcoming) == 3:
            break
    return {"index": index, "themes": themes, "upcoming": upcoming}


def search(request):
    """One search over pages, activities and products of the current language (search.engine),
    with a filter by kind, promoted results first, and the query counted for editors."""
    if request.GET.get("q"):
        limited = ratelimit.hit(request, "search")
        if limited:
            return ratelimit.too_many(request, limited)
    form = SearchForm(request.GET)
    query = ""
    if form.is_valid():
        # A query longer than any title or phrase is cut rather than refused.
        query = form.cleaned_data["q"][:MAX_QUERY_LENGTH]
    kind = request.GET.get("type")
    kind = kind if kind in engine.KINDS else None
    locale = Locale.get_active()
    context = {
        "search_query": query,
        "search_kind": kind,
        "search_errors": form.errors.get("q", []),
        # Not a page: its meta description (cesiq_site/seo.py) comes from here.
        "seo_description": _(
            "Cherchez parmi les activités, les actualités, les ressources et les produits du CÉSIQ."
        ),
    }
    if query:
        outcome = engine.run(query, locale, kind)
        paginator = Paginator(outcome.ordered, PER_PAGE)
        page_obj = paginator.get_page(request.GET.get("page"))
        first_page = page_obj.number == 1
        counted = None
        if first_page and kind is None:
            # Query statistics for editors (Recherche > Résultats mis en avant > Statistiques).
            counted = Query.get(query)
            counted.add_hit()
        context.update(
            {
                "search_results": page_obj,
                "hits": engine.hits(page_obj.object_list, query, outcome),
                "paginator": paginator,
                "total": outcome.total,
                "kind_links": [
                    {
                        "kind": None,
                        "label": _("Tout"),
                        "count": outcome.total,
                        "url": "?" + urlencode({"q": query}),
                        "current": kind is None,
                    }
                ]
                + [
                    {
                        "kind": k,
                        "label": engine.KIND_LABELS[k][1],
                        "count": outcome.counts[k],
                        "url": "?" + urlencode({"q": query, "type": k}),
                        "current": kind == k,
                    }
                    for k in engine.KINDS
                ],
                "page_query": urlencode({"q": query, **({"type": kind} if kind else {})}),
                "promoted": promotions(query, locale, counted) if counted else [],
            }
        )
        if not outcome.ordered:
            context["suggestions"] = suggestions(locale)
    return render(
        request,
        "search/search.html",
        context,
        status=400 if form.errors else 200,
    )
