"""The funders' report (issue 17, item 5): figures per fiscal year from dates, attendees and
school bookings made here at fixed dates far from the demo's (2019-2021), so that neither the
demo content nor today's date changes them."""

import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from events.models import Attendee, EventDate, EventPage, EventStatus, Theme, TicketType
from orders.models import Order, OrderKind, OrderLine, OrderSettings, OrderState
from reports import funders
from schools.models import BookingStatus, WorkshopBooking

pytestmark = pytest.mark.django_db

URL = reverse("reports_funders")


def at(year, month, day, hour=10, minute=0):
    return timezone.make_aware(datetime(year, month, day, hour, minute))


@pytest.fixture
def pages(demo_site):
    """Two demo activities made into an adult talk and a youth workshop with known themes."""
    fr = list(EventPage.objects.filter(locale__language_code="fr").order_by("pk")[:2])
    assert len(fr) == 2
    themes = list(Theme.objects.filter(locale__language_code="fr").order_by("name")[:2])
    adult, youth = fr
    for page, audience, format_, page_themes in (
        (adult, "adultes", "conference", themes[:1]),
        (youth, "jeunesse", "atelier", themes),
    ):
        page.audience, page.format, page.status = audience, format_, EventStatus.SCHEDULED
        page.themes = page_themes  # a ParentalManyToMany: saved with the page
        page.save()
    return {"adult": adult, "youth": youth, "themes": themes}


def make_date(page, start, hours=2, status=EventStatus.SCHEDULED):
    date = EventDate.objects.create(
        page=page, start=start, end=start + timedelta(hours=hours), capacity=50
    )
    if status != EventStatus.SCHEDULED:
        EventDate.objects.filter(pk=date.pk).update(status=status)
    return date


def register(date, email, places=1, *, state=OrderState.PAID, checked_in=0, cancelled=0):
    ticket = TicketType.objects.filter(page=date.page).first() or TicketType.objects.first()
    order = Order.objects.create(
        kind=OrderKind.TICKETS,
        state=state,
        buyer_name="Personne test",
        buyer_email=email,
        language="fr",
        expires_at=date.start,
        paid_at=date.start - timedelta(days=3) if state == OrderState.PAID else None,
        subtotal=Decimal("0.00"),
        total=Decimal("0.00"),
    )
    line = OrderLine.objects.create(
        order=order,
        content_type=ContentType.objects.get_for_model(TicketType),
        object_id=ticket.pk,
        description="Billet",
        unit_price=Decimal("0.00"),
        quantity=places,
    )
    for n in range(places):
        Attendee.objects.create(
            order_line=line,
            date=date,
            ticket_type=ticket,
            checked_in_at=date.start if n < checked_in else None,
            cancelled_at=date.start if n >= places - cancelled else None,
        )
    return order


def booking(start, level, board, size, status=BookingStatus.PAID, minutes=90):
    return WorkshopBooking.objects.create(
        status=status,
        school="École test",
        school_board=board,
        contact_name="Enseignante",
        email="prof@ecole.example",
        phone="418 555-0100",
        level=level,
        group_size=size,
        preferred_date_1=start.date(),
        preferred_date_2=start.date(),
        language="fr",
        proposed_start=start,
        duration_minutes=minutes,
        price=Decimal("150.00"),
    )


@pytest.fixture
def year_2020(pages):
    """Fiscal year 2020-2021 (April 2020 to March 2021), and around it:

    - 2019-2020: one adult talk (returning@ registers), on 31 March 2020, the day before;
    - 2020-2021: an adult talk on 1 April 2020 (2 h, 3 places, 2 at the door, 1 given back),
      a youth workshop on 31 March 2021 (3 h, 2 places), a cancelled youth date, an unpaid
      order; two school groups;
    - 2021-2022: a youth workshop on 1 April 2021.
    """
    adult, youth = pages["adult"], pages["youth"]
    before = make_date(adult, at(2020, 3, 31, 18))
    register(before, "returning@example.org")

    first = make_date(adult, at(2020, 4, 1, 0, 30), hours=2)
    register(first, "Returning@Example.org", places=3, checked_in=2, cancelled=1)
    register(first, "unpaid@example.org", places=4, state=OrderState.EXPIRED)
    last = make_date(youth, at(2021, 3, 31, 18), hours=3)
    register(last, "new@example.org", places=2)
    cancelled = make_date(youth, at(2020, 9, 10), status=EventStatus.CANCELLED)
    register(cancelled, "cancelled@example.org", places=5)

    after = make_date(youth, at(2021, 4, 1, 0, 30))
    register(after, "later@example.org")

    booking(at(2020, 10, 5, 9), "primaire-2", "CSS de la Capitale", 24)
    booking(at(2021, 2, 5, 9), "secondaire-2", "CSS des Découvreurs", 30, minutes=120)
    booking(at(2021, 2, 6, 9), "secondaire-2", "CSS des Découvreurs", 28, BookingStatus.CANCELLED)
    booking(at(2021, 4, 6, 9), "secondaire-2", "CSS des Découvreurs", 28)
    return pages


def test_the_fiscal_year_starts_on_the_settings_month():
    assert OrderSettings._meta.get_field("fiscal_year_start_month").default == 4
    april = funders.FiscalYear(2020, 4)
    assert april.start == at(2020, 4, 1, 0)
    assert april.end == at(2021, 4, 1, 0)
    assert april.label == "2020-2021"
    assert funders.FiscalYear.containing(at(2021, 3, 31, 23, 59), 4) == april
    assert funders.FiscalYear.containing(at(2021, 4, 1, 0, 0), 4) == funders.FiscalYear(2021, 4)
    assert funders.FiscalYear.containing(at(2021, 3, 31), 1) == funders.FiscalYear(2021, 1)
    assert funders.FiscalYear(2021, 1).label == "2021"


def test_figures_of_a_fiscal_year(year_2020):
    report = funders.build(funders.FiscalYear(2020, 4))
    # The two dates held (cancelled left out, 31 March 2020 and 1 April 2021 in other years).
    assert report.total.activities == 2
    # 2 paid places kept of 3 on the first date, 2 on the last; the expired order not counted.
    assert report.total.participants == 4
    assert report.total.present == 2
    assert report.total.hours == Decimal("5.0")
    audience = {
        row.label: (row.activities, row.participants, row.hours) for row in report.by_audience
    }
    assert audience == {
        "Scolaire": (0, 0, Decimal("0.0")),
        "Jeunesse": (1, 2, Decimal("3.0")),
        "Adultes": (1, 2, Decimal("2.0")),
    }
    formats = {row.label: row.activities for row in report.by_format}
    assert formats["Conférence"] == 1 and formats["Atelier"] == 1
    first, second = year_2020["themes"]
    themes = {row.label: row.activities for row in report.by_theme}
    assert themes == {first.name: 2, second.name: 1}

    assert (report.schools_total.groups, report.schools_total.students) == (2, 54)
    assert report.schools_total.hours == Decimal("3.5")
    assert [(row.label, row.groups, row.students) for row in report.by_level] == [
        ("Primaire, 2e cycle", 1, 24),
        ("Secondaire 2", 1, 30),
    ]
    assert [(row.label, row.groups) for row in report.by_school_board] == [
        ("CSS de la Capitale", 1),
        ("CSS des Découvreurs", 1),
    ]


def test_new_and_returning_people(year_2020):
    report = funders.build(funders.FiscalYear(2020, 4))
    # returning@ registered in 2019-2020 (same address, other case); new@ never before.
    assert (report.new_people, report.returning_people) == (1, 1)
    # In 2021-2022, later@ is new; nobody from 2020-2021 came back.
    report = funders.build(funders.FiscalYear(2021, 4))
    assert (report.new_people, report.returning_people) == (1, 0)
    # In 2019-2020, everyone is new.
    report = funders.build(funders.FiscalYear(2019, 4))
    assert (report.new_people, report.returning_people) == (1, 0)


def test_another_start_month_moves_the_boundary(year_2020):
    settings = OrderSettings.load()
    settings.fiscal_year_start_month = 1
    settings.save()
    # Calendar year 2020: 31 March 2020, 1 April 2020 (the cancelled date left out).
    report = funders.build(funders.FiscalYear(2020, 1))
    assert report.total.activities == 2
    assert report.total.participants == 3


@pytest.fixture
def login(client, demo_site):
    def as_user(username):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return as_user


def test_the_page_shows_the_chosen_year_in_french(login, year_2020):
    response = login("billetterie").get(URL, {"exercice": "2020"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rapport aux bailleurs de fonds" in html
    assert "Exercice 2020-2021" in html
    assert "<caption>Activités publiques par public</caption>" in html
    assert '<option value="2020" selected>2020-2021</option>' in html
    assert "@media print" in html
    assert '<th scope="col">Heures d&#x27;animation</th>' in html or "Heures d'animation" in html


def test_the_page_in_english(login, year_2020):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(get_user_model().objects.get(username="administration"))
    profile.preferred_language = "en"
    profile.save()
    response = login("administration").get(URL, {"exercice": "2020"})
    translation.activate("fr")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Funders&#x27; report" in html or "Funders' report" in html
    assert "Fiscal year 2020-2021" in html
    assert "Public activities by audience" in html
    assert "Youth" in html


def test_an_unknown_year_says_so_and_shows_the_current_one(login, year_2020):
    response = login("administration").get(URL, {"exercice": "drop table"}, follow=True)
    assert response.status_code == 200
    assert "L&#x27;exercice demandé n&#x27;existe pas" in response.content.decode()


def test_the_xlsx_has_the_same_numbers(login, year_2020):
    response = login("billetterie").get(URL, {"exercice": "2020", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="rapport-bailleurs-2020-2021.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    sheets = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}
    audience = sheets["Activités publiques par public"]
    assert audience[1] == (
        "Public",
        "Activités",
        "Participant·es inscrit·es",
        "Présences enregistrées",
        "Heures d'animation",
    )
    rows = {row[0]: row[1:] for row in audience[2:]}
    assert rows["Adultes"][:3] == (1, 2, 2)
    assert rows["Jeunesse"][:3] == (1, 2, 0)
    assert rows["Total"][:3] == (2, 4, 2)
    assert Decimal(str(rows["Total"][3])) == Decimal("5.0")
    levels = {row[0]: row[1:] for row in sheets["Groupes scolaires par niveau"][2:]}
    assert levels["Secondaire 2"][:2] == (1, 30)
    people = {row[0]: row[1] for row in sheets["Personnes nouvelles et fidèles"][2:]}
    assert people["Total"] == 2


def test_editors_cannot_see_it(login, year_2020):
    client = login("redaction")
    response = client.get(URL)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url == reverse("wagtailadmin_home")
    response = client.get(URL, {"exercice": "2020", "format": "xlsx"})
    assert response.status_code in (302, 403)
    assert "/rapports/bailleurs-de-fonds/" not in client.get("/admin/").content.decode()


def test_ticketing_and_administration_find_it_in_the_reports_menu(login):
    assert (
        "/admin/rapports/bailleurs-de-fonds/"
        in login("billetterie").get("/admin/").content.decode()
    )
    assert (
        "/admin/rapports/bailleurs-de-fonds/"
        in login("administration").get("/admin/").content.decode()
    )


def test_the_year_list_goes_from_the_first_to_the_last_year_with_something(year_2020):
    years = [year.label for year in funders.available_years(4, now=at(2026, 12, 3))]
    assert years[-1] == "2019-2020"
    assert "2026-2027" in years
    assert years == sorted(years, reverse=True)


def test_the_report_markup_is_valid_html(login, year_2020, tmp_path):
    """The report's own markup (the admin around it is Wagtail's) through the Nu checker."""
    from bs4 import BeautifulSoup

    from tests.cesiq_site.test_html_validity import vnu_errors

    html = login("billetterie").get(URL, {"exercice": "2020"}).content.decode()
    report = BeautifulSoup(html, "html.parser").select_one(".funders-report")
    document = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Rapport</title>'
        f"</head><body><main>{report}</main></body></html>"
    )
    assert vnu_errors([("rapport", document)], tmp_path) == {}
