from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def register_fold(sender, connection, **kwargs):
    """SQLite has no accent folding: give it ours, for the search fallback (search.engine)."""
    if connection.vendor == "sqlite":
        from .text import fold

        connection.connection.create_function("cesiq_fold", 1, fold, deterministic=True)


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Recherche")

    def ready(self):
        connection_created.connect(register_fold, dispatch_uid="search.register_fold")
