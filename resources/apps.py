from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Ressources pédagogiques")

    def ready(self):
        from search import engine

        # Teachers look for resources as such: a kind of search result of its own, dated.
        engine.register_kind(
            engine.Kind(
                key="ressources",
                singular=_("Ressource pédagogique"),
                plural=_("Ressources pédagogiques"),
                model="resources.ResourcePage",
                date_field="date",
            )
        )
