from django.urls import path
from django.utils.translation import gettext_lazy as _

import cesiq_site.converters  # noqa: F401  (registers <secret:…>)

from . import views

app_name = "newsletter"

urlpatterns = [
    path(_("infolettre/"), views.signup, name="signup"),
    path(_("infolettre/confirmer/<secret:token>/"), views.confirm, name="confirm"),
    path(_("infolettre/desabonnement/<secret:token>/"), views.unsubscribe, name="unsubscribe"),
]
