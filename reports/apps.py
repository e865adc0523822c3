from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Reports that read several apps at once (the funders' report). Nothing imports from here:
    the core apps (orders, events, schools) stay unaware of it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Rapports")
