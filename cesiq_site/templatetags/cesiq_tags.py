"""Template tags for the site chrome: navigation from the page tree and the language switcher."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import get_language_info
from wagtail.models import Locale, Page

from cesiq_site import seo

register = template.Library()


def _home_for_locale(request, locale, page=None):
    return seo.home_page(request, locale, page)


@register.simple_tag(takes_context=True)
def main_menu(context):
    """Live children of this language's home page that editors marked "show in menus",
    each with `is_active` when the current page is that item or below it."""
    request = context.get("request")
    current = context.get("page")
    try:
        home = _home_for_locale(request, Locale.get_active(), current) if request else None
    except Locale.DoesNotExist:
        home = None
    if home is None:
        return []
    from cesiq_site.render_cache import shared

    # The same for every page of the language: kept across requests (render_cache.py); the
    # pages are only read (title, URL).
    items = shared(("main menu", home.pk), lambda: list(home.get_children().live().in_menu()))
    return [
        {
            "page": item,
            "is_active": isinstance(current, Page) and current.path.startswith(item.path),
        }
        for item in items
    ]


@register.simple_tag(takes_context=True)
def home_url(context):
    request = context.get("request")
    try:
        home = (
            _home_for_locale(request, Locale.get_active(), context.get("page")) if request else None
        )
    except Locale.DoesNotExist:
        home = None
    return home.url if home else "/"


@register.simple_tag(takes_context=True)
def language_links(context):
    """One link per language, to the translation of the current page where there is one.

    Falls back to that language's home page for an untranslated page, and to Django's
    translate_url for views that are not Wagtail pages (search, order pages…). The query string
    (filters, month, search words) is kept, except on the way to a home page.
    """
    request = context.get("request")
    page = context.get("page")
    if isinstance(page, Page) and request is not None:
        page_url = page.get_url(request)
        if page_url and not request.path.startswith(page_url):
            # A view of its own that shows a page's title (leaving an activity's waiting
            # list): its own address in the other language, not the page's.
            page = None
    current = translation.get_language()
    links = []
    versions = seo.versions(page) if isinstance(page, Page) else {}
    page_url = page.get_url(request) if isinstance(page, Page) else None
    for code, _name in settings.LANGUAGES:
        url = None
        try:
            locale = Locale.objects.get_for_language(code)
        except (Locale.DoesNotExist, LookupError):
            locale = None
        if isinstance(page, Page) and locale is not None:
            translated = versions.get(code)
            if translated is not None and translated.live:
                # Keep a routable page's sub-path (an activity's registration form).
                here = request.path if request is not None else ""
                suffix = here[len(page_url) :] if page_url and here.startswith(page_url) else ""
                # …named in the other language ("inscription/" ↔ "register/").
                specific = page.specific
                if suffix and hasattr(specific, "translate_subpage"):
                    suffix = specific.translate_subpage(suffix, translated.specific) or suffix
                url = translated.get_url(request) + suffix
                # Filters, month, search words: the same view in the other language.
                query = request.GET.urlencode() if request is not None else ""
                if query:
                    url += "?" + query
            elif request is not None:
                home = _home_for_locale(request, locale)
                url = home.url if home else None
        if url is None and request is not None:
            url = translate_url(request.get_full_path(), code)
        # Each language is named in itself ("Français", "English"), whatever the page's language.
        name = get_language_info(code)["name_local"]
        links.append(
            {
                "code": code,
                "name": name[:1].upper() + name[1:],
                "url": url or "/",
                "is_current": code == current,
            }
        )
    return links


@register.simple_tag
def page_ancestors(page):
    """{% page_ancestors page as ancestors %}: the page's ancestors, root first (one query per
    request, shared with the breadcrumbs' structured data)."""
    return seo.ancestors(page) if isinstance(page, Page) else []


@register.filter
def get_item(mapping, key):
    """{{ mapping|get_item:key }}: a dict lookup with a variable key."""
    return mapping.get(key) if mapping else None


class KeepNode(template.Node):
    def __init__(self, nodelist, parts):
        self.nodelist = nodelist
        self.parts = parts

    def render(self, context):
        from cesiq_site.render_cache import keep_html

        key = [part.resolve(context) for part in self.parts]
        return keep_html(context.get("request"), key, lambda: self.nodelist.render(context))


@register.tag
def keep(parser, token):
    """{% keep "activity card" activity date %}…{% endkeep %}: the HTML between, rendered once
    per language, key and content generation and kept in the process
    (cesiq_site/render_cache.keep_html). The key (a name, then rows or plain values) must name
    everything the HTML shows besides saved content: what changes with time or with a hold
    running out. Never around anything that depends on the visitor (cart, user, search words,
    CSRF token, CSP nonce)."""
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError("{% keep %} needs a name, then what it depends on")
    nodelist = parser.parse(("endkeep",))
    parser.delete_first_token()
    return KeepNode(nodelist, [parser.compile_filter(bit) for bit in bits])


@register.simple_tag
def error_page_static(path):
    """`{% static %}` for the error pages, which must render whatever is wrong: without the
    collected files' manifest (a container started before `collectstatic`), the plain path
    rather than a second error in place of the page."""
    from django.templatetags.static import static

    try:
        return static(path)
    except ValueError:
        return settings.STATIC_URL + path
