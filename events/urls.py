from django.urls import path
from django.utils.translation import gettext_lazy as _

import cesiq_site.converters  # noqa: F401  (registers <secret:…>)

from . import views

app_name = "events"

urlpatterns = [
    path(_("billet/<secret:code>/"), views.ticket, name="ticket"),
    path(
        _("commande/<ordercode:code>/<secret:token>/billet/<secret:ticket>/annuler/"),
        views.cancel_own_ticket,
        name="cancel_own_ticket",
    ),
    path(
        _("liste-attente/<secret:token>/quitter/"),
        views.leave_waiting_list,
        name="leave_waiting_list",
    ),
]
