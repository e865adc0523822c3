"""Themes and venues in the admin's "Fragments" menu: drafts, previews (a venue's card),
revisions, locking and the moderation workflow come from their models (home/snippets.py)."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSet

from events.models import Theme, Venue


class ThemeViewSet(SnippetViewSet):
    model = Theme
    icon = "tag"
    menu_label = _("Thèmes")
    menu_order = 100
    add_to_admin_menu = False
    list_display = ["name", "locale"]
    list_filter = ["locale"]
    search_fields = ["name"]


class VenueViewSet(SnippetViewSet):
    model = Venue
    icon = "site"
    menu_label = _("Lieux")
    menu_order = 200
    add_to_admin_menu = False
    list_display = ["name", "city", "locale"]
    list_filter = ["locale", "city"]
    search_fields = ["name", "street_address", "city"]
