"""The sales report: revenue by month (chart, table, CSV) and the tables other apps add for
the same period (`orders.registry.report_sections`: revenue by activity, from events).

Orders know nothing of activities: their table is a section the events app registers, and the
dashboard's panel of the next dates is events' own (events/wagtail_hooks.py).
"""

import io
from decimal import Decimal
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cesiq_site import exports
from cesiq_site.typography import month_abbr

from .. import registry, reports, services
from .formats import cad
from .permissions import can_see_sales


def month_label(month):
    return date_format(month, "YEAR_MONTH_FORMAT")


CHART_WIDTH = 720
CHART_HEIGHT = 240
CHART_TOP = 20
CHART_BOTTOM = 40
CHART_LEFT = 10


def chart_bars(months):
    """Geometry of the monthly bar chart, computed here so the template only draws.

    Bars go up from a zero line for a positive month and down for a month where refunds
    exceeded payments. Coordinates are SVG units (floats are fine here: they are pixels, not
    money).
    """
    values = [row.net for row in months]
    highest = max([v for v in values if v > 0], default=Decimal("0"))
    lowest = min([v for v in values if v < 0], default=Decimal("0"))
    span = highest - lowest
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    scale = (Decimal(plot) / span) if span else Decimal("0")
    zero_y = CHART_TOP + float(highest * scale)
    slot = (CHART_WIDTH - CHART_LEFT) / max(len(months), 1)
    bars = []
    for index, row in enumerate(months):
        height = float(abs(row.net) * scale)
        bars.append(
            {
                "row": row,
                "label": month_label(row.month),
                "short_label": month_abbr(row.month),
                "amount": cad(row.net),
                "x": round(CHART_LEFT + index * slot + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(zero_y - height if row.net > 0 else zero_y, 1),
                "height": round(height, 1),
                "negative": row.net < 0,
                "label_x": round(CHART_LEFT + index * slot + slot / 2, 1),
            }
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "zero_y": round(zero_y, 1),
        "label_y": CHART_HEIGHT - CHART_BOTTOM + 18,
        "year_y": CHART_HEIGHT - CHART_BOTTOM + 34,
    }


def _sum(rows, field):
    return sum((getattr(row, field) for row in rows), Decimal("0.00"))


def report_csv(months, sections, taxes=()):
    """Every table in one file, one after the other; amounts as plain decimals (123.45).
    `sections` are (ReportSection, context) pairs, other apps' tables; `taxes` the months'
    sales taxes (MonthTaxes)."""
    buffer = io.StringIO()
    writer = exports.csv_writer(buffer)
    writer.writerow(
        [_("Mois"), _("Paiements reçus"), _("Remboursements"), _("Litiges perdus"), _("Net")]
    )
    fields = ("payments", "refunds", "disputes", "net")
    for row in months:
        writer.writerow(
            [row.month.strftime("%Y-%m"), *(exports.amount(getattr(row, f)) for f in fields)]
        )
    # The page's « Total » rows, in the file too.
    writer.writerow([_("Total"), *(exports.amount(_sum(months, f)) for f in fields)])
    if any(row.total for row in taxes):
        writer.writerow([])
        writer.writerow([_("Mois"), _("TPS"), _("TVQ"), _("TVH"), _("Taxes")])
        fields = ("gst", "qst", "hst", "total")
        for row in taxes:
            writer.writerow(
                [row.month.strftime("%Y-%m"), *(exports.amount(getattr(row, f)) for f in fields)]
            )
        writer.writerow([_("Total"), *(exports.amount(_sum(taxes, f)) for f in fields)])
    for section, context in sections:
        writer.writerow([])
        writer.writerows(section.csv_rows(context))
    return buffer.getvalue()


class SalesReportView(WagtailAdminTemplateMixin, TemplateView):
    """Revenue by month (chart and table) over the last twelve months, then the tables other
    apps add for the same period (revenue by activity)."""

    template_name = "orders/admin/sales_report.html"
    header_icon = "form"
    page_title = _("Rapport des ventes")

    def dispatch(self, request, *args, **kwargs):
        if not can_see_sales(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def get(self, request, *args, **kwargs):
        now = timezone.now()
        first_month = services.current_settings().fiscal_year_start_month
        self.periods = reports.report_periods(first_month, now)
        # The period asked for (?exercice=2025), if offered; else the last twelve months.
        asked = request.GET.get("exercice", "")
        self.period = next((p for p in self.periods if p.key == asked), self.periods[0])
        if self.period.year is None:
            self.months = reports.revenue_by_month(12, now)
            end = None
        else:
            self.months = reports.revenue_by_month(12, now, start=self.period.start)
            end = self.period.end
        start = self.months[0].month
        self.taxes = reports.taxes_by_month(self.months)
        self.sections = [
            (section, section.collect(start, end)) for section in registry.report_sections
        ]
        if request.GET.get("export") == "csv":
            response = HttpResponse(
                "\ufeff" + report_csv(self.months, self.sections, self.taxes),
                content_type="text/csv; charset=utf-8",
            )
            which = self.period.key or f"{timezone.localdate(now):%Y-%m-%d}"
            filename = f"rapport-des-ventes-{which}.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        months = self.months
        context.update(
            months=months,
            chart=chart_bars(months),
            total_payments=sum((row.payments for row in months), Decimal("0.00")),
            total_refunds=sum((row.refunds for row in months), Decimal("0.00")),
            total_disputes=sum((row.disputes for row in months), Decimal("0.00")),
            total_net=sum((row.net for row in months), Decimal("0.00")),
            period=_("De %(start)s à %(end)s")
            % {"start": month_label(months[0].month), "end": month_label(months[-1].month)},
            sections=[
                {"template_name": section.template_name, **context}
                for section, context in self.sections
            ],
            taxes=[(month_label(row.month), row) for row in self.taxes],
            taxes_shown=any(row.total for row in self.taxes),
            total_taxes=reports.MonthTaxes(
                month=months[0].month,
                gst=sum((row.gst for row in self.taxes), Decimal("0.00")),
                qst=sum((row.qst for row in self.taxes), Decimal("0.00")),
                hst=sum((row.hst for row in self.taxes), Decimal("0.00")),
            ),
            periods=self.periods,
            chosen=self.period,
            export_url=f"{reverse('orders_sales_report')}?"
            + urlencode(
                {"export": "csv", **({"exercice": self.period.key} if self.period.key else {})}
            ),
        )
        return context


class SalesReportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_see_sales(request.user)
