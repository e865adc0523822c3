from django import forms
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale, Page

from cesiq_site import ratelimit
from cesiq_site.validation import no_control_characters

MAX_QUERY_LENGTH = 200


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Mots-clés"), required=False, validators=[no_control_characters], strip=True
    )


def search(request):
    """Full-text search over live pages of the current language."""
    if request.GET.get("q"):
        limited = ratelimit.hit(request, "search")
        if limited:
            return ratelimit.too_many(request, limited)
    form = SearchForm(request.GET)
    query = ""
    if form.is_valid():
        # A query longer than any title or phrase is cut rather than refused.
        query = form.cleaned_data["q"][:MAX_QUERY_LENGTH]
    results = Page.objects.none()
    if query:
        results = (
            Page.objects.live().public().filter(locale=Locale.get_active()).specific().search(query)
        )
    paginator = Paginator(results, 10)
    page_number = request.GET.get("page", 1)
    try:
        page_obj = paginator.page(page_number)
    except PageNotAnInteger:
        page_obj = paginator.page(1)
    except EmptyPage:
        page_obj = paginator.page(paginator.num_pages)
    return render(
        request,
        "search/search.html",
        {
            "search_query": query,
            "search_results": page_obj,
            "paginator": paginator,
            "search_errors": form.errors.get("q", []),
        },
        status=400 if form.errors else 200,
    )
