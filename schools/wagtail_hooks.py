"""School bookings in the Wagtail admin, registered here; the views are in schools/admin/.

- "Animations scolaires" in the menu: the bookings, each with its actions (admin/viewsets.py,
  admin/actions.py);
- "Factures": every invoice, with its payments recorded and reversed there (admin/invoices.py),
  the only place for those of a school group registered for a public activity;
- the dashboard's panel of bookings to handle (admin/panels.py);
- the workshops proposed or confirmed, in the staff's calendar of next dates (events'
  "Accueil et participants", through its `staff_calendar_section` hook).
"""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin.calendar import calendar_section
from .admin.invoices import InvoiceViewSet
from .admin.panels import BookingsToHandlePanel
from .admin.permissions import BookingPermissionPolicy
from .admin.viewsets import WorkshopBookingViewSet
from .models import Invoice, WorkshopBooking

register_permission_policy(WorkshopBooking, BookingPermissionPolicy(WorkshopBooking))
# Invoices are read and paid with the rights staff have on school bookings.
register_permission_policy(Invoice, BookingPermissionPolicy(WorkshopBooking))


@hooks.register("register_admin_viewset")
def register_bookings_admin():
    return WorkshopBookingViewSet()


@hooks.register("register_admin_viewset")
def register_invoices_admin():
    return InvoiceViewSet()


@hooks.register("construct_homepage_panels")
def add_bookings_panel(request, panels):
    if BookingsToHandlePanel.is_shown(request):
        panels.append(BookingsToHandlePanel(request))


@hooks.register("staff_calendar_section")
def workshops_in_the_staff_calendar(request, start, until):
    return calendar_section(request, start, until)
