"""The network's admin registrations; the views live in `network/admin/`."""

from wagtail.snippets.models import register_snippet

from .admin.viewsets import MemberOrganisationViewSet

register_snippet(MemberOrganisationViewSet)
