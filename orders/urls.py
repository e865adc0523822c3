from django.urls import path
from django.utils.translation import gettext_lazy as _

import cesiq_site.converters  # noqa: F401  (registers <ordercode:…>, <secret:…>)

from . import views

app_name = "orders"

urlpatterns = [
    path(_("commande/<ordercode:code>/<secret:token>/"), views.order_detail, name="detail"),
    path(_("commande/<ordercode:code>/<secret:token>/payer/"), views.order_pay, name="pay"),
    path(_("commande/<ordercode:code>/<secret:token>/etat/"), views.order_status, name="status"),
    path(_("commande/<ordercode:code>/<secret:token>/annuler/"), views.order_cancel, name="cancel"),
    path(
        _("commande/<ordercode:code>/confirmer/<hexkey:key>/"),
        views.order_confirm_email,
        name="confirm_email",
    ),
]
