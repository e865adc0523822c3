from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = _("Boutique")

    def ready(self):
        from . import registrations

        registrations.register()
