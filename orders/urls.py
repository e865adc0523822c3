from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "orders"

urlpatterns = [
    path(_("commande/<str:code>/<str:token>/"), views.order_detail, name="detail"),
    path(_("commande/<str:code>/<str:token>/payer/"), views.order_pay, name="pay"),
    path(_("commande/<str:code>/<str:token>/annuler/"), views.order_cancel, name="cancel"),
]
