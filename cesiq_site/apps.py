from django.apps import AppConfig


class CesiqSiteConfig(AppConfig):
    name = "cesiq_site"
    verbose_name = "CÉSIQ"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
