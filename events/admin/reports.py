"""The sales report's "Revenus par activité" table, registered in
`orders.registry.report_sections`; the numbers come from `events.reports`."""

from decimal import Decimal

from django.utils.translation import gettext as _

from cesiq_site import exports
from orders.registry import ReportSection

from .. import reports


def revenue_by_activity(start, end):
    activities = reports.revenue_by_activity(start=start, end=end)
    return {
        "activities": activities,
        "total": sum((row.amount for row in activities), Decimal("0.00")),
    }


def revenue_by_activity_csv(context):
    """The table as CSV rows: amounts as plain decimals (123.45)."""
    return [
        [_("Activité"), _("Billets"), _("Montant avant taxes")],
        *([row.title, row.tickets, exports.amount(row.amount)] for row in context["activities"]),
        [_("Total"), "", exports.amount(context["total"])],
    ]


REVENUE_BY_ACTIVITY = ReportSection(
    name="revenue_by_activity",
    template_name="events/admin/report_revenue_by_activity.html",
    collect=revenue_by_activity,
    csv_rows=revenue_by_activity_csv,
)
