"""The newsletter in the admin; the views are in newsletter/admin/."""

from django.urls import path
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin import sending
from .admin.viewsets import NewsletterViewSetGroup, ReadOnlyPermissionPolicy
from .models import NewsletterSending, Subscriber

# Before anything asks Wagtail for their policies (it would make fallback ones).
register_permission_policy(Subscriber, ReadOnlyPermissionPolicy(Subscriber))
register_permission_policy(NewsletterSending, ReadOnlyPermissionPolicy(NewsletterSending))


@hooks.register("register_admin_viewset")
def register_newsletter_admin():
    return NewsletterViewSetGroup()


@hooks.register("register_admin_urls")
def register_send_url():
    return [
        path(
            "infolettre/envoyer/<int:page_id>/",
            sending.SendIssueView.as_view(),
            name="newsletter_send_issue",
        )
    ]


hooks.register("register_page_header_buttons", sending.page_buttons)
hooks.register("register_page_listing_more_buttons", sending.page_buttons)
