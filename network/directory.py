"""The directory's filters: a plain GET form (theme, region) whose options say how many
organisations each would show, a value that is not one of them cleared with a message, and the
chosen filters kept in the directory's links."""

from django import forms
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cesiq_site import pagecache

from .models import Region, _key, folded


class DirectoryFilterForm(forms.Form):
    theme = forms.ChoiceField(label=_("Thème"), required=False)
    region = forms.ChoiceField(label=_("Région"), required=False)

    def __init__(self, data, *, theme_choices, region_choices):
        super().__init__(data)
        self.fields["theme"].choices = [("", _("Tous les thèmes"))] + theme_choices
        self.fields["region"].choices = [("", _("Toutes les régions"))] + region_choices


def _with_count(label, count):
    return f"{label} ({count})"


def directory_listing(page, today=None):
    """(the organisations shown on `today`, each with its themes named in the page's language,
    {theme key: name}): saved content and the day's memberships, nothing else."""
    organisations = page.organisations(today)
    names = page.theme_names()
    for organisation in organisations:
        organisation.shown_themes = sorted(
            (
                {"key": str(t.translation_key), "name": names.get(t.translation_key, t.name)}
                for t in organisation.themes.all()
            ),
            key=lambda t: folded(t["name"]),
        )
        organisation.in_page_language = organisation.locale_id == page.locale_id
    return organisations, names


def kept_directory_listing(page, request):
    """`directory_listing`, kept per content generation, directory and day (a membership
    starts or ends with the day: cesiq_site/render_cache.py), and only read; a preview reads
    it afresh."""
    from django.utils import timezone

    from cesiq_site.render_cache import shared

    if getattr(request, "is_preview", False):
        return directory_listing(page)
    today = timezone.localdate()
    return shared(("network directory", page.pk, today), lambda: directory_listing(page, today))


def directory_context(page, request):
    organisations, names = kept_directory_listing(page, request)
    themes_of = {o.pk: {t.translation_key for t in o.themes.all()} for o in organisations}

    # What was asked: a theme key of this site and a known region, else cleared.
    invalid = False
    theme = (request.GET.get("theme") or "").strip()
    if theme:
        key = _key(theme)
        if key is None or key not in names:
            theme, invalid = "", True
        else:
            theme = str(key)
    region = (request.GET.get("region") or "").strip()
    if region and region not in Region.values:
        region, invalid = "", True
    if invalid:
        pagecache.not_to_store(request)

    def matches(organisation, theme=theme, region=region):
        if theme and theme not in {str(k) for k in themes_of[organisation.pk]}:
            return False
        return not region or organisation.region == region

    # Each option counts what it would show with the other filter kept.
    by_region = [o for o in organisations if matches(o, theme=theme, region="")]
    by_theme = [o for o in organisations if matches(o, theme="", region=region)]
    theme_counts = {}
    for organisation in by_theme:
        for key in themes_of[organisation.pk]:
            theme_counts[str(key)] = theme_counts.get(str(key), 0) + 1
    region_counts = {}
    for organisation in by_region:
        region_counts[organisation.region] = region_counts.get(organisation.region, 0) + 1
    used_themes = {str(k) for keys in themes_of.values() for k in keys} | ({theme} - {""})
    theme_choices = sorted(
        (
            (key, _with_count(names.get(_key(key), key), theme_counts.get(key, 0)))
            for key in used_themes
        ),
        key=lambda choice: folded(choice[1]),
    )
    used_regions = {o.region for o in organisations} | ({region} - {""})
    region_choices = [
        (value, _with_count(label, region_counts.get(value, 0)))
        for value, label in Region.choices
        if value in used_regions
    ]
    form = DirectoryFilterForm(
        {"theme": theme, "region": region},
        theme_choices=theme_choices,
        region_choices=region_choices,
    )
    form.is_valid()

    shown = [o for o in organisations if matches(o)]
    kept = {name: value for name, value in (("theme", theme), ("region", region)) if value}
    chosen = []
    if theme:
        chosen.append(names.get(_key(theme), ""))
    if region:
        chosen.append(str(Region(region).label))
    title = page.seo_title or page.title
    if chosen:
        # A title of its own for each filtered list (WCAG 2.4.2), as the activities have.
        title = gettext("%(title)s (%(filters)s)") % {"title": title, "filters": ", ".join(chosen)}
    return {
        "listing_title": title,
        "organisations": shown,
        "total": len(organisations),
        "filter_form": form,
        "filters_invalid": invalid,
        "chosen_filters": chosen,
        "query_string": urlencode(kept),
        "chosen_region": region,
        "invalid_message": gettext(
            "Un filtre demandé n’existe pas : il a été retiré de la recherche."
        )
        if invalid
        else "",
    }
