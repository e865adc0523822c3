"""Who may do what with school bookings: Django model permissions, never "add" or "delete"
(bookings come from the public form and are changed by the services)."""

from django.contrib.auth import get_user_model
from wagtail.permission_policies import ModelPermissionPolicy


class BookingPermissionPolicy(ModelPermissionPolicy):
    forbidden = frozenset({"add", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.forbidden and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        allowed = [action for action in actions if action not in self.forbidden]
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed)
