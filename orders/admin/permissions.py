"""Who may do what with orders in the admin: Django's model permissions ("view" reads orders,
"change" writes the internal note and runs the actions), never "add" or "delete"; the sales
report and panels go to whoever may read orders."""

from django.contrib.auth import get_user_model
from wagtail.permission_policies import ModelPermissionPolicy


class ServicesOnlyPermissionPolicy(ModelPermissionPolicy):
    """Django model permissions, except that no one may add or delete: the services do."""

    forbidden = frozenset({"add", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.forbidden and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        allowed = [action for action in actions if action not in self.forbidden]
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed)


def can_see_sales(user):
    return user.has_perm("orders.view_order")
