"""Links from the ticketing back-office to an activity's page in the editor, for those who
may edit pages: the ticketing and shop teams, who may not, were sent to « Désolé, vous n'avez
pas les autorisations pour accéder à cette zone »."""

from django import template
from django.urls import reverse

register = template.Library()


def may_edit_pages(user):
    from wagtail.permission_policies.pages import PagePermissionPolicy

    return PagePermissionPolicy().user_has_permission(user, "change")


@register.simple_tag(takes_context=True)
def page_editor_url(context, page_id):
    """The editor's address of page `page_id` for a user who may edit pages, else ""."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return ""
    allowed = getattr(request, "_cesiq_may_edit_pages", None)
    if allowed is None:
        allowed = request._cesiq_may_edit_pages = may_edit_pages(user)
    return reverse("wagtailadmin_pages:edit", args=[page_id]) if allowed else ""
