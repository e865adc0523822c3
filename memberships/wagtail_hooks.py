"""The memberships back-office: registrations only (the viewsets are in memberships/admin/)."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from orders.admin.permissions import ServicesOnlyPermissionPolicy

from .admin.viewsets import MembershipCategoryViewSet, MemberViewSet
from .models import Member

register_permission_policy(Member, ServicesOnlyPermissionPolicy(Member))
register_snippet(MembershipCategoryViewSet)


@hooks.register("register_admin_viewset")
def register_members_admin():
    return MemberViewSet()
