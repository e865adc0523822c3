"""Members in the admin (status, CSV export) and the membership categories (snippets). Members
come from paid orders: nobody adds or deletes one by hand."""

from django.contrib.auth import get_permission_codename
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.views.snippets import SnippetViewSet

from cesiq_site.exports import spreadsheet_index_view

from ..models import Member, MembershipCategory


class MemberViewSet(ModelViewSet):
    model = Member
    name = "memberships_member"
    url_prefix = "members"
    icon = "group"
    menu_label = _("Membres")
    menu_order = 120
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    form_fields = ["name", "organisation", "user"]
    index_view_class = spreadsheet_index_view()  # CSV never a formula, local times

    list_display = [
        "name",
        "organisation",
        "email",
        "kind",
        Column("category_name", label=capfirst(_("catégorie"))),
        Column("status", label=capfirst(_("état"))),
    ]
    list_filter = ["kind"]
    search_fields = ["name", "organisation", "email", "code"]
    search_backend_name = None
    ordering = "name"
    list_per_page = 50
    list_export = [
        "name",
        "organisation",
        "email",
        "get_kind_display",
        "category_name",
        "status",
        "active_until",
        "code",
        "created_at",
    ]
    export_headings = {
        "get_kind_display": _("Type"),
        "category_name": _("Catégorie"),
        "status": _("État"),
        "active_until": _("Membre jusqu'au"),
    }
    export_filename = "membres"
    inspect_view_fields = [
        "name",
        "organisation",
        "email",
        "kind",
        "code",
        "user",
        "created_at",
    ]

    def get_queryset(self, request):
        return Member.objects.prefetch_related("periods__category")

    def get_permissions_to_register(self):
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(Member),
            codename__in=[
                get_permission_codename(action, Member._meta) for action in ("view", "change")
            ],
        )


class MembershipCategoryViewSet(SnippetViewSet):
    model = MembershipCategory
    icon = "tag"
    menu_label = _("Catégories de membres")
    list_display = ["name", "kind", "yearly_fee", "active"]
