from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet

from shop.models import Producer


class ProducerViewSet(SnippetViewSet):
    model = Producer
    icon = "group"
    menu_label = _("Producteurs")
    menu_order = 300
    add_to_admin_menu = False
    list_display = ["name", "country", "locale"]
    list_filter = ["country", "locale"]
    search_fields = ["name", "region"]
