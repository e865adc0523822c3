"""The organisations of the network in the admin (Extraits and their own menu item "Réseau")."""

import django_filters
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.snippets.views.snippets import SnippetViewSet

from ..models import MemberOrganisation, Region


class MemberOrganisationFilterSet(WagtailFilterSet):
    region = django_filters.ChoiceFilter(label=_("Région"), choices=Region.choices)
    themes = django_filters.ModelMultipleChoiceFilter(
        label=_("Thèmes"),
        field_name="themes",
        queryset=lambda request: _themes(),
    )

    class Meta:
        model = MemberOrganisation
        fields = ["region", "themes", "locale", "live"]


def _themes():
    from events.models import Theme

    return Theme.objects.all().select_related("locale")


class MemberOrganisationViewSet(SnippetViewSet):
    model = MemberOrganisation
    icon = "site"
    menu_label = _("Réseau")
    menu_name = "network"
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["name", "region", "member", "locale"]
    filterset_class = MemberOrganisationFilterSet
    search_fields = ["name", "mission"]
    search_backend_name = None
    ordering = "name"
