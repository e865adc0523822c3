from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Commandes et paiements")

    def ready(self):
        from . import registrations

        registrations.register()
