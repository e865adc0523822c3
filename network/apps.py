from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Réseau")

    def ready(self):
        from memberships.signals import membership_recorded
        from search import engine

        from . import services

        # Paying an organisational membership puts the member in the directory.
        membership_recorded.connect(services.list_new_member, dispatch_uid="network_listing")
        # The organisations are a kind of search result of their own (snippets, not pages).
        engine.register_kind(
            engine.Kind(
                key="reseau",
                singular=_("Membre du réseau"),
                plural=_("Membres du réseau"),
                model="network.MemberOrganisation",
                items=services.visible_in,
                describe=services.search_result,
            )
        )
