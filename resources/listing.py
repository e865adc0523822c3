"""The resource list's filters, read from the query string (a plain GET form, no
JavaScript). A value that is not one of the choices (an old link, a hand-typed address) is
ignored and said so beside its field; the other filters still apply."""

from django import forms
from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _

from cesiq_site import pagecache
from cesiq_site.collation import natural
from events.models import Audience, Theme
from schools.models import Level

PER_PAGE = 12
FILTERS = ("audience", "level", "theme")


class ResourceFilterForm(forms.Form):
    error_messages = {"invalid": _("Ce choix n’existe pas : le filtre est ignoré.")}

    audience = forms.ChoiceField(
        label=_("Public"), required=False, choices=[("", _("Tous"))] + Audience.choices
    )
    level = forms.ChoiceField(
        label=_("Niveau scolaire"), required=False, choices=[("", _("Tous"))] + Level.choices
    )
    theme = forms.ChoiceField(label=_("Thème"), required=False)

    def __init__(self, *args, locale=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Themes are named in the page's language and matched by their translation key, the
        # same in every language (an English link keeps working on the French list).
        themes = Theme.objects.filter(locale=locale) if locale else Theme.objects.all()
        themes = themes.order_by(natural("name"))
        self.fields["theme"].choices = [("", _("Tous"))] + [
            (str(t.translation_key), t.name) for t in themes
        ]
        for form_field in self.fields.values():
            form_field.error_messages["invalid_choice"] = self.error_messages["invalid"]

    def valid_filters(self):
        """{name: value} of the filters whose value is one of the choices, the others left
        out (the form is bound to the query string, so this never raises)."""
        self.is_valid()
        return {name: self.cleaned_data[name] for name in FILTERS if self.cleaned_data.get(name)}

    def chosen(self):
        """The labels of the filters in use, for the page title (WCAG 2.4.2)."""
        labels = []
        for name, value in self.valid_filters().items():
            labels.append(str(dict(self.fields[name].choices).get(value, value)))
        return labels


def apply_filters(resources, filters):
    if filters.get("audience"):
        resources = resources.filter(audience=filters["audience"])
    if filters.get("theme"):
        resources = resources.filter(themes__translation_key=filters["theme"]).distinct()
    if filters.get("level"):
        # Levels are a short JSON list per page, read in Python: the same on SQLite and
        # PostgreSQL, and a list holds tens of resources, not thousands.
        level = filters["level"]
        ids = [
            pk for pk, levels in resources.values_list("pk", "levels") if level in (levels or [])
        ]
        resources = resources.filter(pk__in=ids)
    return resources


def listing_title(index_page, form, page_number):
    """ "Ressources pédagogiques", "Ressources pédagogiques (Scolaire, Cégep) — page 2"."""
    title = index_page.title
    chosen = form.chosen()
    if chosen:
        title = _("%(title)s (%(filters)s)") % {"title": title, "filters": ", ".join(chosen)}
    if page_number > 1:
        title = _("%(title)s — page %(number)s") % {"title": title, "number": page_number}
    return title


def resources_page(index_page, filters, number):
    """(the page of resources asked for, its paginator), both read now: saved content only,
    nothing that time changes."""
    resources = apply_filters(index_page.resources(), filters)
    paginator = Paginator(resources.prefetch_related("themes"), PER_PAGE)
    page_obj = paginator.get_page(number)
    page_obj.object_list = list(page_obj.object_list)
    paginator.count  # noqa: B018 — counted now, with the page
    return page_obj, paginator


def resource_listing(index_page, request):
    from cesiq_site.render_cache import shared

    form = ResourceFilterForm(request.GET, locale=index_page.locale_id)
    filters = form.valid_filters()
    number = request.GET.get("page")
    if getattr(request, "is_preview", False):
        page_obj, paginator = resources_page(index_page, filters, number)
    else:
        # Kept per content generation, list, valid filters and page asked for
        # (cesiq_site/render_cache.py), and only read. The form is the request's own: it
        # shows what was asked, an ignored value included.
        key = ("resource list", index_page.pk, tuple(sorted(filters.items())), number)
        page_obj, paginator = shared(key, lambda: resources_page(index_page, filters, number))
    pagecache.stored_only_as(request, "page", page_obj.number)
    if form.errors:
        pagecache.not_to_store(request)
    query = request.GET.copy()
    for key in list(query):
        if key not in filters:  # the page number, unknown or ignored parameters
            query.pop(key)
    return {
        "filter_form": form,
        "resources": page_obj,
        "paginator": paginator,
        "filtered": bool(filters),
        "query_string": query.urlencode(),
        "listing_title": listing_title(index_page, form, page_obj.number),
    }
