"""The funders' report in the admin (Rapports > Rapport aux bailleurs de fonds): a fiscal year
chosen by a plain GET form, the tables, a print layout and the same tables as an XLSX file."""

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cesiq_site import exports

from . import funders

ADMINISTRATORS = "Administration"
YEAR_PARAMETER = "exercice"


def can_see_report(user):
    """The administrators and whoever may read orders (ticketing, shop): the report counts
    people reached, never shows who they are."""
    return (
        user.is_active
        and user.is_authenticated
        and (
            user.is_superuser
            or user.has_perm("orders.view_order")
            or user.groups.filter(name=ADMINISTRATORS).exists()
        )
    )


def report_xlsx(report, tables):
    """One sheet per table, the caption on its first row, the headings on the second."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(title=table.caption[:31])
        sheet.append(
            exports.xlsx_row(
                sheet,
                [f"{table.caption} — {gettext('Exercice')} {report.fiscal_year.label}"],
            )
        )
        sheet.append(exports.xlsx_row(sheet, [table.heading, *table.columns]))
        for label, values in table.rows:
            sheet.append(exports.xlsx_row(sheet, [label, *values]))
        if table.total:
            label, values = table.total
            sheet.append(exports.xlsx_row(sheet, [label, *values]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FundersReportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "reports/funders.html"
    header_icon = "table"
    page_title = _("Rapport aux bailleurs de fonds")

    def dispatch(self, request, *args, **kwargs):
        if not can_see_report(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def chosen_year(self, request, years):
        current = funders.FiscalYear.containing(timezone.now(), self.month)
        asked = request.GET.get(YEAR_PARAMETER, "").strip()
        if not asked:
            return current
        by_year = {str(year.year): year for year in years}
        if asked in by_year:
            return by_year[asked]
        messages.error(
            request,
            gettext(
                "L'exercice demandé n'existe pas. Voici l'exercice en cours ; choisissez-en "
                "un dans la liste."
            ),
        )
        return current

    def get(self, request, *args, **kwargs):
        self.month = funders.start_month(request)
        self.years = funders.available_years(self.month)
        self.fiscal_year = self.chosen_year(request, self.years)
        self.report = funders.build(self.fiscal_year)
        self.tables = funders.tables(self.report)
        if request.GET.get("format") == "xlsx":
            response = HttpResponse(report_xlsx(self.report, self.tables), content_type=XLSX_TYPE)
            filename = f"rapport-bailleurs-{self.fiscal_year.label}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        url = reverse("reports_funders")
        context.update(
            fiscal_year=self.fiscal_year,
            years=self.years,
            year_parameter=YEAR_PARAMETER,
            report=self.report,
            tables=self.tables,
            report_url=url,
            export_url=f"{url}?{YEAR_PARAMETER}={self.fiscal_year.year}&format=xlsx",
        )
        return context


def urlpatterns():
    return [
        path(
            "rapports/bailleurs-de-fonds/",
            FundersReportView.as_view(),
            name="reports_funders",
        )
    ]


class FundersReportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_see_report(request.user)


def menu_item():
    return FundersReportMenuItem(
        _("Rapport aux bailleurs de fonds"),
        reverse("reports_funders"),
        name="funders-report",
        icon_name="table",
        order=60,
    )
