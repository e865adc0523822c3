from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

app_name = "shop"

urlpatterns = [
    path(_("panier/"), views.cart_view, name="cart"),
    path(_("panier/ajouter/"), views.cart_add, name="cart_add"),
    path(_("panier/modifier/"), views.cart_update, name="cart_update"),
    path(_("panier/commander/"), views.checkout, name="checkout"),
]
