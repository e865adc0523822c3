from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipsConfig(AppConfig):
    name = "memberships"
    verbose_name = _("Adhésions")

    def ready(self):
        from . import registrations, tasks  # noqa: F401  (Celery task)

        registrations.register()
