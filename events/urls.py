from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "events"

urlpatterns = [
    path(_("billet/<str:code>/"), views.ticket, name="ticket"),
    path(
        _("liste-attente/<str:token>/quitter/"),
        views.leave_waiting_list,
        name="leave_waiting_list",
    ),
]
