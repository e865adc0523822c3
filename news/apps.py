from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "news"
    verbose_name = _("Actualités")

    def ready(self):
        from search import engine

        # News and campaigns are kinds of search result of their own, dated.
        engine.register_kind(
            engine.Kind(
                key="actualites",
                singular=_("Actualité"),
                plural=_("Actualités"),
                model="news.ArticlePage",
                date_field="date",
            )
        )
        engine.register_kind(
            engine.Kind(
                key="campagnes",
                singular=_("Campagne"),
                plural=_("Campagnes"),
                model="news.CampaignPage",
                date_field="start_date",
            )
        )
