"""The dashboard's panel of the next dates and how full they are."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from .. import reports
from .tables import ActivityColumn, DateRow, DatesTable, FillColumn, PlacesColumn, WhenColumn


class UpcomingDatesPanel(Component):
    name = "upcoming_dates"
    template_name = "events/admin/panel_upcoming_dates.html"
    order = 90  # after orders' panels (70 and 80)
    limit = 8
    columns = [
        ActivityColumn(link=True),
        WhenColumn("when", label=_("Date"), start="start", fmt="SHORT_DATETIME_FORMAT"),
        PlacesColumn(),
        FillColumn(),
    ]

    def __init__(self, request):
        self.request = request

    @staticmethod
    def is_shown(request):
        # Beside the sales panels, for the same people: who may read orders.
        return request.user.has_perm("orders.view_order")

    def get_context_data(self, parent_context=None):
        rows = [
            DateRow(date=fill.date, taken=fill.taken) for fill in reports.upcoming_dates(self.limit)
        ]
        table = DatesTable(self.columns, rows, classname="listing listing--dashboard")
        return {"table": table, "request": self.request}
