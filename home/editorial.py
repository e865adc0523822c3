"""What editors need beside the page editor: which pages and snippets still need their English
copy (or an update of it), and the guide for editors and staff, both in the Wagtail admin.

A page "needs translating" when the default language's page is live and the other language has
no copy of it; its copy is "to update" when the French page was published again after the copy
was last published (or the copy was never published). Snippets (themes, venues, producers…)
have no publication date: only missing copies are listed for them.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Locale, Page, TranslatableMixin

MISSING = "manquante"
OUTDATED = "a-mettre-a-jour"
STATUS_LABELS = {
    MISSING: _("Pas de version anglaise"),
    OUTDATED: _("Version anglaise à mettre à jour"),
}


def can_translate(user):
    return user.is_active and (
        user.is_superuser or user.has_perm("simple_translation.submit_translation")
    )


@dataclass
class ToTranslate:
    title: str
    kind: str
    status: str
    source_url: str
    action_url: str
    action_label: str

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]


def _target_locales():
    default = Locale.get_default()
    return default, list(Locale.objects.exclude(pk=default.pk))


def pages_to_translate():
    """Live pages of the default language without an up-to-date copy in each other language."""
    source, targets = _target_locales()
    pages = (
        Page.objects.live()
        .filter(locale=source, depth__gt=1)
        .order_by("path")
        .only("id", "title", "translation_key", "last_published_at", "content_type")
    )
    items = []
    for target in targets:
        copies = {
            row["translation_key"]: row
            for row in Page.objects.filter(locale=target).values(
                "id", "translation_key", "live", "last_published_at"
            )
        }
        for page in pages:
            copy = copies.get(page.translation_key)
            if copy is None:
                items.append(
                    ToTranslate(
                        title=page.title,
                        kind=page.specific_class._meta.verbose_name if page.specific_class else "",
                        status=MISSING,
                        source_url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
                        action_url=reverse(
                            "simple_translation:submit_page_translation", args=[page.pk]
                        ),
                        action_label=_("Traduire"),
                    )
                )
            elif not copy["live"] or (
                page.last_published_at
                and copy["last_published_at"]
                and page.last_published_at > copy["last_published_at"]
            ):
                items.append(
                    ToTranslate(
                        title=page.title,
                        kind=page.specific_class._meta.verbose_name if page.specific_class else "",
                        status=OUTDATED,
                        source_url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
                        action_url=reverse("wagtailadmin_pages:edit", args=[copy["id"]]),
                        action_label=_("Mettre à jour la version anglaise"),
                    )
                )
    return items


def translatable_snippet_models():
    from wagtail.snippets.models import get_snippet_models

    return [model for model in get_snippet_models() if issubclass(model, TranslatableMixin)]


def snippets_to_translate():
    """Snippets of the default language that have no copy in another language."""
    from wagtail.admin.admin_url_finder import AdminURLFinder

    source, targets = _target_locales()
    finder = AdminURLFinder()
    items = []
    for model in translatable_snippet_models():
        for target in targets:
            translated = model.objects.filter(locale=target).values("translation_key")
            for snippet in model.objects.filter(locale=source).exclude(
                translation_key__in=translated
            ):
                app, name = model._meta.app_label, model._meta.model_name
                items.append(
                    ToTranslate(
                        title=str(snippet),
                        kind=model._meta.verbose_name,
                        status=MISSING,
                        source_url=finder.get_edit_url(snippet) or "",
                        action_url=reverse(
                            "simple_translation:submit_snippet_translation",
                            args=[app, name, snippet.pk],
                        ),
                        action_label=_("Traduire"),
                    )
                )
    return items


class TranslationReportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "home/admin/translations.html"
    page_title = _("Traductions à faire")
    header_icon = "globe"

    def dispatch(self, request, *args, **kwargs):
        if not can_translate(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        items = pages_to_translate() + snippets_to_translate()
        wanted = self.request.GET.get("statut")
        counts = {status: sum(item.status == status for item in items) for status in STATUS_LABELS}
        if wanted in STATUS_LABELS:
            items = [item for item in items if item.status == wanted]
        context.update(
            items=items,
            counts=counts,
            wanted=wanted if wanted in STATUS_LABELS else "",
            statuses=[(key, label, counts[key]) for key, label in STATUS_LABELS.items()],
        )
        return context


GUIDE_LANGUAGES = [code for code, _name in settings.LANGUAGES]


class GuideView(WagtailAdminTemplateMixin, TemplateView):
    """The guide for editors and staff, in the admin's language (French by default)."""

    page_title = _("Guide de l'équipe")
    header_icon = "help"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def get_template_names(self):
        language = (get_language() or "fr")[:2]
        if language not in GUIDE_LANGUAGES:
            language = GUIDE_LANGUAGES[0]
        return [f"home/admin/guide_{language}.html"]


class EditorialPanel(Component):
    """Dashboard: what is left to translate, and the guide."""

    name = "editorial"
    template_name = "home/admin/panel_editorial.html"
    order = 60

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        items = pages_to_translate()
        return {
            "missing": sum(item.status == MISSING for item in items),
            "outdated": sum(item.status == OUTDATED for item in items),
            "report_url": reverse("editorial_translations"),
            "guide_url": reverse("editorial_guide"),
            "can_translate": can_translate(self.request.user),
        }


def urlpatterns():
    return [
        path("traductions/", TranslationReportView.as_view(), name="editorial_translations"),
        path("guide/", GuideView.as_view(), name="editorial_guide"),
    ]


class TranslationsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_translate(request.user)


def translations_menu_item():
    return TranslationsMenuItem(
        _("Traductions à faire"),
        reverse("editorial_translations"),
        name="translations-to-do",
        icon_name="globe",
        order=50,
    )


def guide_menu_item():
    return MenuItem(
        _("Guide de l'équipe CÉSIQ"),
        reverse("editorial_guide"),
        name="cesiq-guide",
        icon_name="help",
        order=900,
    )
