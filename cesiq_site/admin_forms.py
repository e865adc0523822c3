"""Admin forms shared by the apps whose pages and snippets have themes (activities, articles,
campaigns, teaching resources, the network's organisations)."""

from django.db.models import Q
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm


class ThemesInItsLanguage:
    """The « Thèmes » list offers the themes of the language of what is edited: a French
    activity listed « Anti-racism, Antiracisme, Children's rights… », each theme twice. Themes
    already chosen stay offered (a copy made by « Traduire » may still point at the French
    ones until they are changed), so that saving it is never refused for them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("themes")
        locale_id = self.instance.locale_id or getattr(
            getattr(self, "parent_page", None), "locale_id", None
        )
        if field is None or locale_id is None:
            return
        chosen = [theme.pk for theme in self.instance.themes.all()] if self.instance.pk else []
        field.queryset = field.queryset.filter(Q(locale_id=locale_id) | Q(pk__in=chosen))


class ThemedPageForm(ThemesInItsLanguage, WagtailAdminPageForm):
    pass


class ThemedSnippetForm(ThemesInItsLanguage, WagtailAdminModelForm):
    pass
