from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Animations scolaires")

    def ready(self):
        from . import registrations, tasks  # noqa: F401  (Celery tasks)

        registrations.register()
