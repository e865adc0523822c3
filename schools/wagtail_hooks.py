"""School bookings in the Wagtail admin, registered here; the views are in schools/admin/.

- "Animations scolaires" in the menu: the bookings, each with its actions (admin/viewsets.py,
  admin/actions.py);
- the dashboard's panel of bookings to handle (admin/panels.py);
- the workshops proposed or confirmed, in the staff's calendar of next dates (events'
  "Accueil et participants", through its `staff_calendar_section` hook).
"""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin.calendar import calendar_section
from .admin.panels import BookingsToHandlePanel
from .admin.permissions import BookingPermissionPolicy
from .admin.viewsets import WorkshopBookingViewSet
from .models import WorkshopBooking

register_permission_policy(WorkshopBooking, BookingPermissionPolicy(WorkshopBooking))


@hooks.register("register_admin_viewset")
def register_bookings_admin():
    return WorkshopBookingViewSet()


@hooks.register("construct_homepage_panels")
def add_bookings_panel(request, panels):
    if BookingsToHandlePanel.is_shown(request):
        panels.append(BookingsToHandlePanel(request))


@hooks.register("staff_calendar_section")
def workshops_in_the_staff_calendar(request, start, until):
    return calendar_section(request, start, until)
