"""What memberships adds to the registries of orders and events, from its `ready()`: the labels
of the audit-log actions it writes, the membership's section of its order's receipt and
confirmation (valid until, member code), and the check events asks whether a visitor is a member
(for members-only ticket prices), by their account or by a member code."""

from django.utils.translation import gettext_lazy as _

LOG_ACTIONS = {
    "membership_recorded": _("Adhésion enregistrée"),
    "membership_cancelled": _("Adhésion annulée"),
}


def register():
    from events import registry as events_registry
    from orders import registry

    from . import services
    from .privacy import MembershipsPersonalData

    registry.log_actions.register(LOG_ACTIONS)
    registry.personal_data.register(MembershipsPersonalData())
    registry.order_sections.register(
        registry.OrderSection(
            name="membership",
            collect=services.membership_section,
            order=40,
            in_emails_only=True,
        )
    )
    registry.order_sections.register(
        registry.OrderSection(
            name="membership_page",
            collect=services.membership_page_section,
            order=40,
            on_pages_only=True,
        )
    )
    events_registry.member_checks.register(
        events_registry.MemberCheck(
            name="memberships",
            by_user=lambda user: services.member_for_user(user) is not None,
            by_code=lambda code: services.member_for_code(code) is not None,
        )
    )
