"""Every list staff export from the back-office (orders, members, newsletter subscribers;
gifts: tests/donations/test_admin.py) as the office opens it: a CSV that Excel reads as UTF-8
(its byte order mark first), whose cells never run as formulas, with moments in Québec's time;
an XLSX whose moments are Québec's time too, in a format Excel shows as written
(« 2026-03-10 22:30 »).

The values are fixed on purpose: a name that is a formula, and a moment whose UTC day and
hour differ from Québec's."""

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'
MOMENT = datetime(2026, 3, 11, 2, 30, tzinfo=UTC)  # 10 March, 22 h 30 in Québec (EDT)
LOCAL = "2026-03-10 22:30"


def an_order():
    from orders.models import Order

    order = Order.objects.order_by("pk").first()
    Order.objects.filter(pk=order.pk).update(buyer_name=FORMULA, created_at=MOMENT)
    return "/admin/orders/", "Nom", "Créée le", order.code


def a_member():
    from memberships.models import Member

    member = Member.objects.order_by("pk").first()
    Member.objects.filter(pk=member.pk).update(name=FORMULA, created_at=MOMENT)
    return "/admin/members/", "Nom", "Membre depuis", FORMULA


def a_subscriber():
    from newsletter.models import Subscriber

    subscriber = Subscriber.objects.order_by("pk").first()
    email = "=cmd@example.org"
    Subscriber.objects.filter(pk=subscriber.pk).update(email=email, requested_at=MOMENT)
    return "/admin/infolettre/abonnes/", "Courriel", "Demandé le", email


@pytest.mark.parametrize("make", [an_order, a_member, a_subscriber])
def test_csv_and_xlsx_exports_open_right_at_the_office(admin_client, demo_site, make):
    url, name_heading, moment_heading, key = make()

    response = admin_client.get(url, {"export": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    assert content.startswith("\ufeff")
    header, *rows = csv.reader(io.StringIO(content.removeprefix("\ufeff")))
    name, moment = header.index(name_heading), header.index(moment_heading)
    row = next(row for row in rows if key in (row[0], row[name][1:]))
    assert row[name].startswith("'=")  # text, never a formula
    assert row[moment] == LOCAL

    response = admin_client.get(url, {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header, *rows = list(sheet.iter_rows())
    headings = [cell.value for cell in header]
    name, moment = headings.index(name_heading), headings.index(moment_heading)
    row = next(row for row in rows if key in (row[0].value, row[name].value))
    assert (row[name].value, row[name].data_type) == (row[name].value, "s")
    assert row[name].value.startswith("=")  # exactly as typed, a text cell
    cell = row[moment]
    assert cell.value == datetime(2026, 3, 10, 22, 30)
    assert cell.number_format == "yyyy-mm-dd hh:mm"
