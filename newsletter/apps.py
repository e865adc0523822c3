from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = _("Infolettre")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from orders import registry

        from . import tasks  # noqa: F401  (Celery tasks)
        from .privacy import NewsletterPersonalData

        registry.personal_data.register(NewsletterPersonalData())
