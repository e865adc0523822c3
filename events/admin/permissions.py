"""Who may do what with activity dates and attendees in the admin.

- seeing attendees, their exports and the sign-in sheet: `events.view_attendee`;
- checking people in at the door and writing to them: `events.change_attendee`;
- managing an activity's dates (cancelling or postponing one, which refunds and cancels
  orders): `orders.change_order`.
"""

from django.core.exceptions import PermissionDenied

VIEW_ATTENDEES = "events.view_attendee"
CHECK_IN = "events.change_attendee"
MANAGE_DATES = "orders.change_order"


def can_manage_dates(user):
    return user.has_perm(MANAGE_DATES)


class PermissionRequiredMixin:
    """Refuse whoever lacks `permission` (Wagtail turns the refusal into a redirect to the
    dashboard with a message)."""

    permission = VIEW_ATTENDEES

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
