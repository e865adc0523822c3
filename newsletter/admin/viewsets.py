"""The newsletter in the admin: subscribers (read-only: nobody is put on the list without
their own confirmed consent), their consents, the CSV export of the list, and the sendings."""

from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from cesiq_site.exports import spreadsheet_index_view

from ..models import NewsletterSending, Subscriber


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Django's "view" permission reads; nobody adds, edits or deletes here (the public
    pages and the Law 25 screens do)."""

    forbidden = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.forbidden and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        allowed = [action for action in actions if action not in self.forbidden]
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed)


class SubscriberViewSet(ModelViewSet):
    model = Subscriber
    name = "newsletter_subscribers"
    icon = "mail"
    menu_label = _("Abonnés")
    url_prefix = "infolettre/abonnes"
    index_view_class = spreadsheet_index_view()  # CSV never a formula, local times
    list_display = ["email", "language", "status", "source", "requested_at", "confirmed_at"]
    list_filter = ["status", "language"]
    search_fields = ["email"]
    list_export = [
        "email",
        "language",
        "status",
        "source",
        "requested_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    export_headings = {
        field: capfirst(label)
        for field, label in {
            "email": _("courriel"),
            "language": _("langue"),
            "status": _("statut"),
            "source": _("provenance"),
            "requested_at": _("demandé le"),
            "confirmed_at": _("confirmé le"),
            "unsubscribed_at": _("désabonné le"),
        }.items()
    }
    export_filename = "infolettre-abonnes"
    inspect_view_enabled = True
    form_fields = ["language"]


class SendingViewSet(ModelViewSet):
    model = NewsletterSending
    name = "newsletter_sendings"
    icon = "history"
    menu_label = _("Envois")
    url_prefix = "infolettre/envois"
    list_display = ["page", "language", "requested_by", "requested_at", "finished_at", "queued"]
    list_filter = ["language"]
    inspect_view_enabled = True
    form_fields = ["language"]


class NewsletterViewSetGroup(ViewSetGroup):
    menu_label = _("Infolettre")
    menu_icon = "mail"
    menu_order = 260
    items = (SubscriberViewSet, SendingViewSet)
