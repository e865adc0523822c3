from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactConfig(AppConfig):
    name = "contact"
    verbose_name = _("Contact")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from orders import registry

        from .privacy import ContactPersonalData

        registry.personal_data.register(ContactPersonalData())
