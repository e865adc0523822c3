from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Activités")

    def ready(self):
        from . import registrations, signals, waiting_list  # noqa: F401  (Celery task, signals)

        registrations.register()
