"""The list of one date's attendees as a spreadsheet (CSV or Excel), one column per question
asked at registration."""

import io

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import View

from cesiq_site import exports

from .. import checkin
from .attendees import attendee_rows
from .base import DateMixin


def export_cell(value):
    """What a cell shows; `cesiq_site.exports` keeps CSV cells from running as formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else ""
    if hasattr(value, "astimezone"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def export_table(date):
    attendees = checkin.date_attendees(date)
    questions = checkin.questions_of(attendees)
    header = [
        _("Code du billet"),
        _("Nom"),
        _("Acheteur·euse"),
        _("Courriel"),
        _("Commande"),
        _("Type de billet"),
        *questions,
        _("Arrivée"),
        _("Annulé"),
    ]
    rows = []
    for row in attendee_rows(attendees, questions):
        rows.append(
            [
                row["code"],
                row["name"],
                row["buyer"],
                row["email"],
                row["order"],
                row["ticket_type"],
                *row["answers"],
                row["checked_in_at"],
                row["cancelled"],
            ]
        )
    return header, rows


class ExportView(DateMixin, View):
    def get(self, request, *args, **kwargs):
        if kwargs["fmt"] not in ("csv", "xlsx"):
            raise Http404
        header, rows = export_table(self.date)
        start = timezone.localtime(self.date.start).strftime("%Y-%m-%d-%Hh%M")
        name = f"{self.page.slug}-{start}"
        if kwargs["fmt"] == "xlsx":
            return self.xlsx(name, header, rows)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response.write("\ufeff")  # Excel reads the accents right with a BOM
        writer = exports.csv_writer(response)
        writer.writerow(export_cell(v) for v in header)
        for row in rows:
            writer.writerow(export_cell(v) for v in row)
        return response

    def xlsx(self, name, header, rows):
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=_("Participant·es")[:31])
        sheet.append(exports.xlsx_row(sheet, [export_cell(v) for v in header]))
        for row in rows:
            # Moments stay moments (the arrival): a date the spreadsheet can sort.
            cells = [v if hasattr(v, "astimezone") else export_cell(v) for v in row]
            sheet.append(exports.xlsx_row(sheet, cells))
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
