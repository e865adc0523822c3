from django.urls import path
from django.utils.translation import gettext_lazy as _

import cesiq_site.converters  # noqa: F401  (registers <secret:…>)

from . import views

app_name = "schools"

urlpatterns = [
    path(_("animation/confirmer/<secret:token>/"), views.confirm, name="confirm"),
    path(
        _("animation/facture/<ordercode:code>/<secret:token>/"),
        views.invoice_pdf,
        name="invoice",
    ),
]
