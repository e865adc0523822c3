"""The dashboard's panel of school bookings to handle: new requests and overdue invoices."""

from django.urls import reverse
from wagtail.admin.ui.components import Component

from .viewsets import to_handle


class BookingsToHandlePanel(Component):
    name = "workshop_bookings_to_handle"
    template_name = "schools/admin/panel_to_handle.html"
    order = 75
    limit = 8

    def __init__(self, request):
        self.request = request

    @staticmethod
    def is_shown(request):
        return request.user.has_perm("schools.view_workshopbooking")

    def get_context_data(self, parent_context=None):
        bookings = to_handle()
        count = bookings.count()
        items = list(bookings.select_related("invoice")[: self.limit])
        return {
            "items": [
                {"booking": b, "url": reverse("workshopbooking:inspect", args=[b.pk])}
                for b in items
            ],
            "count": count,
            "more": count - len(items),
            "listing_url": reverse("workshopbooking:index"),
        }
