"""The dashboard's panel of the next dates and how full they are."""

from wagtail.admin.ui.components import Component

from .. import reports


class UpcomingDatesPanel(Component):
    name = "upcoming_dates"
    template_name = "events/admin/panel_upcoming_dates.html"
    order = 90  # after orders' panels (70 and 80)
    limit = 8

    def __init__(self, request):
        self.request = request

    @staticmethod
    def is_shown(request):
        # Beside the sales panels, for the same people: who may read orders.
        return request.user.has_perm("orders.view_order")

    def get_context_data(self, parent_context=None):
        return {"dates": reports.upcoming_dates(self.limit)}
