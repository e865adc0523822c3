"""What staff download: no CSV cell runs as a formula in a spreadsheet, XLSX cells keep the
exact value typed as text, and numbers stay numbers.

The names below are fixed on purpose (a formula, a name starting with "-"): a test that depends
on chance drawing a dangerous value fails once in a while, and proves nothing the other times.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from cesiq_site.exports import csv_cell
from orders import registry
from orders.admin.reports import report_csv
from orders.models import Order
from orders.reports import MonthRevenue

pytestmark = pytest.mark.django_db

ORDERS_URL = reverse("order:index")
FORMULA_NAME = '=HYPERLINK("http://x","y")'
DASH_NAME = "-2+3 Tremblay"


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("exports", "exports@example.org", "pw")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        (FORMULA_NAME, "'" + FORMULA_NAME),
        ("Awa Diallo", "Awa Diallo"),
        ("a=1", "a=1"),
        ("", ""),
        (None, ""),
        (Decimal("-12.50"), "-12.50"),
        (Decimal("1E+1"), "10"),
        (-3, "-3"),
    ],
)
def test_a_csv_cell_never_starts_a_formula_and_numbers_stay_numbers(value, shown):
    assert csv_cell(value) == shown


def test_orders_csv_escapes_formulas_and_xlsx_keeps_them_as_text(admin_client, place, item):
    from openpyxl import load_workbook

    formula = place((item, 1))
    dash = place((item, 2))
    Order.objects.filter(pk=formula.pk).update(buyer_name=FORMULA_NAME)
    Order.objects.filter(pk=dash.pk).update(buyer_name=DASH_NAME)

    response = admin_client.get(ORDERS_URL, {"export": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, rows = rows[0], {row[0]: row for row in rows[1:]}
    name = header.index("Nom")
    assert rows[formula.code][name] == "'" + FORMULA_NAME
    assert rows[dash.code][name] == "'" + DASH_NAME
    # Amounts are numbers, written as such.
    assert rows[dash.code][header.index("Total")] == "50.00"

    response = admin_client.get(ORDERS_URL, {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cells = list(sheet.iter_rows())
    heading = [cell.value for cell in cells[0]]
    by_code = {row[0].value: row for row in cells[1:]}
    name = heading.index("Nom")
    for order, expected in ((formula, FORMULA_NAME), (dash, DASH_NAME)):
        cell = by_code[order.code][name]
        assert (cell.value, cell.data_type) == (expected, "s")


@dataclass
class Activity:
    title: str
    tickets: int
    amount: Decimal


def test_sales_report_csv_escapes_titles_and_keeps_a_negative_net_a_number():
    months = [
        MonthRevenue(date(2026, 1, 1), Decimal("100"), Decimal("0")),
        MonthRevenue(date(2026, 2, 1), Decimal("0"), Decimal("40.5"), Decimal("10")),
    ]
    activities = [Activity(FORMULA_NAME, 3, Decimal("75"))]

    section = registry.report_sections["revenue_by_activity"]
    context = {"activities": activities, "total": Decimal("75")}
    rows = list(csv.reader(io.StringIO(report_csv(months, [(section, context)]))))

    assert rows[1] == ["2026-01", "100.00", "0.00", "0.00", "100.00"]
    assert rows[2] == ["2026-02", "0.00", "40.50", "10.00", "-50.50"]
    assert rows[3] == ["Total", "100.00", "40.50", "10.00", "49.50"]
    assert rows[6] == ["'" + FORMULA_NAME, "3", "75.00"]
    assert rows[7] == ["Total", "", "75.00"]
