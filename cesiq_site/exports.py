"""Spreadsheets staff download from the back-office: one rule for every CSV, none for XLSX.

A CSV file has no types: Excel, LibreOffice and Google Sheets read a cell that starts with
``=``, ``+``, ``-`` or ``@`` (or with a tab or a carriage return, which some of them strip
first) as a formula. A buyer named ``=HYPERLINK("http://x","y")`` would become a live link in
the office's spreadsheet (CSV or formula injection). So every text cell of every CSV export goes
through `csv_cell`, which puts an apostrophe in front of such a value, as OWASP recommends:
the spreadsheet shows the text and runs nothing. Numbers (``Decimal``, ``int``) are written as
numbers and never escaped, so a negative amount stays a number.

An XLSX cell has a type. `xlsx_row` writes every text as a string cell, so nothing is ever run
and the value stays exactly what it is (a ticket code that starts with ``-`` is still that
code): no escaping there.
"""

import csv
import functools
from decimal import Decimal

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """The text to write in a CSV cell for `value`, never a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")  # 12.50, never 1.25E+1
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class EscapingWriter:
    """A `csv.writer` whose every cell goes through `csv_cell`."""

    def __init__(self, file, **kwargs):
        self._writer = csv.writer(file, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(file, **kwargs):
    return EscapingWriter(file, **kwargs)


def xlsx_cell(sheet, value):
    """A write-only cell holding `value` as it is; text is typed as text, never a formula; a
    moment is a date the spreadsheet can sort and compute with, in the office's local time."""
    from datetime import datetime

    from django.utils import timezone
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        # Control characters cannot be stored in an XLSX file at all (openpyxl refuses them).
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
    elif isinstance(value, datetime):
        cell.number_format = EscapedCSVExportMixin.XLSX_MOMENT_FORMAT
    return cell


def xlsx_row(sheet, values):
    return [xlsx_cell(sheet, value) for value in values]


class EscapedCSVExportMixin:
    """For Wagtail's `list_export` views (`SpreadsheetExportMixin`), as staff open them in a
    spreadsheet at the office:

    - CSV: a byte order mark first (Excel then reads « Créée le » and the buyers' accents as
      UTF-8, not « CrÃ©Ã©e le »), every cell through `csv_cell` (never a formula), moments in
      the site's time zone to the minute (`local_minute`).
    - XLSX: Wagtail already writes text cells as strings; its moments are in UTC with a
      format built from DATETIME_FORMAT that Excel misreads (« 4 h 34 »'s « h » taken for the
      hour): here they are the office's local time, « 2026-12-05 04:34 »."""

    XLSX_MOMENT_FORMAT = "yyyy-mm-dd hh:mm"

    def stream_csv(self, queryset):
        yield "\ufeff"
        yield from super().stream_csv(queryset)

    def write_csv_row(self, writer, row_dict):
        return writer.writerow(
            {
                field: csv_cell(
                    local_minute(self.preprocess_field_value(field, value, self.FORMAT_CSV))
                )
                for field, value in row_dict.items()
            }
        )

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        from datetime import datetime

        from django.utils import timezone

        local = {
            field: (
                timezone.localtime(value).replace(tzinfo=None)
                if isinstance(value, datetime) and timezone.is_aware(value)
                else value
            )
            for field, value in row_dict.items()
        }
        return super().generate_xlsx_row(worksheet, local, date_format=self.XLSX_MOMENT_FORMAT)


@functools.cache
def spreadsheet_index_view():
    """Wagtail's index view with `EscapedCSVExportMixin`, for a viewset's `index_view_class`
    (made on demand: this module is imported before Wagtail's admin is ready)."""
    from wagtail.admin.views.generic import IndexView

    return type("SpreadsheetIndexView", (EscapedCSVExportMixin, IndexView), {})


def local_minute(value):
    """A moment as the office reads it, « 2026-12-05 02:37 » in the site's time zone, not
    « 2026-12-05 07:37:33.060506+00:00 »; any other value as it is."""
    from datetime import datetime

    from django.utils import timezone

    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return value


def amount(value):
    """Money for a CSV cell: a Decimal to the cent (123.45), so that a negative amount stays a
    number and is not mistaken for a formula."""
    from decimal import Decimal

    return Decimal(value).quantize(Decimal("0.01"))
