"""The funders' report: what CÉSIQ did in a fiscal year, as a grant report (the MRIF's, for
instance) asks for it.

- Activities are the dates of activity pages that start in the year and were neither cancelled
  nor postponed (a postponed date has no new date yet), the activity itself not cancelled.
- Participants are the places of paid orders (free registrations are paid orders of 0 $) on
  those dates, places given back left out; "présences" are those checked in at the door.
- Hours of animation are the dates' durations added up.
- School groups are the workshop bookings (schools app) confirmed, invoiced or paid whose
  proposed date falls in the year.
- A person is known by their order's email address: seen in an earlier fiscal year, they are
  returning, otherwise new.

Fiscal years are named by the calendar year they start in; their first month is the order
settings' `fiscal_year_start_month`. Boundaries are midnight in the site's zone.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

from events.models import Attendee, Audience, EventDate, EventFormat, EventStatus, Theme
from orders.models import OrderSettings, OrderState
from schools.models import BookingStatus, Level, WorkshopBooking

HELD_BOOKINGS = [BookingStatus.CONFIRMED, BookingStatus.INVOICED, BookingStatus.PAID]
HOUR = Decimal("0.1")


def start_month(request=None):
    return OrderSettings.load(request_or_site=request).fiscal_year_start_month


@dataclass(frozen=True)
class FiscalYear:
    year: int  # the calendar year it starts in
    month: int  # its first month

    @property
    def start(self):
        return timezone.make_aware(
            datetime(self.year, self.month, 1), timezone.get_current_timezone()
        )

    @property
    def end(self):
        return timezone.make_aware(
            datetime(self.year + 1, self.month, 1), timezone.get_current_timezone()
        )

    @property
    def label(self):
        return str(self.year) if self.month == 1 else f"{self.year}-{self.year + 1}"

    @property
    def last_day(self):
        return timezone.localtime(self.end - timedelta(microseconds=1)).date()

    @property
    def first_day(self):
        return timezone.localtime(self.start).date()

    @classmethod
    def containing(cls, moment, month):
        local = timezone.localtime(moment)
        return cls(local.year if local.month >= month else local.year - 1, month)


def hours(duration):
    """A duration as hours to the tenth (1 h 30 → 1.5)."""
    return (Decimal(int(duration.total_seconds())) / 3600).quantize(HOUR)


@dataclass
class Figures:
    """One row of a table: a label and what was done under it."""

    label: str
    activities: int = 0
    participants: int = 0
    present: int = 0
    duration: timedelta = field(default_factory=timedelta)

    @property
    def hours(self):
        return hours(self.duration)

    def add(self, date_figures):
        self.activities += 1
        self.participants += date_figures.participants
        self.present += date_figures.present
        self.duration += date_figures.duration


@dataclass
class GroupFigures:
    label: str
    groups: int = 0
    students: int = 0
    duration: timedelta = field(default_factory=timedelta)

    @property
    def hours(self):
        return hours(self.duration)


@dataclass
class Report:
    fiscal_year: FiscalYear
    total: Figures
    by_audience: list
    by_theme: list
    by_format: list
    schools_total: GroupFigures
    by_level: list
    by_school_board: list
    new_people: int
    returning_people: int

    @property
    def people(self):
        return self.new_people + self.returning_people


def held_dates(start, end):
    """The dates held between `start` (None: since ever) and `end`."""
    dates = EventDate.objects.filter(start__lt=end, status=EventStatus.SCHEDULED)
    if start is not None:
        dates = dates.filter(start__gte=start)
    return dates.exclude(page__status=EventStatus.CANCELLED).exclude(
        page__status=EventStatus.POSTPONED
    )


def counted_attendees(dates):
    return Attendee.objects.filter(
        date__in=dates, cancelled_at__isnull=True, order_line__order__state=OrderState.PAID
    )


def emails(attendees):
    return {
        email.strip().lower()
        for email in attendees.values_list("order_line__order__buyer_email", flat=True)
        if email
    }


def build(fiscal_year):
    start, end = fiscal_year.start, fiscal_year.end
    dates = list(
        held_dates(start, end)
        .select_related("page")
        .prefetch_related("page__themes")
        .order_by("start", "pk")
    )
    attendees = counted_attendees([d.pk for d in dates])
    participants = defaultdict(int)
    present = defaultdict(int)
    for date_id, checked_in_at in attendees.values_list("date_id", "checked_in_at"):
        participants[date_id] += 1
        if checked_in_at is not None:
            present[date_id] += 1

    total = Figures(str(_("Total")))
    audiences = {value: Figures(str(label)) for value, label in Audience.choices}
    formats = {value: Figures(str(label)) for value, label in EventFormat.choices}
    themes = {}
    no_theme = Figures(str(_("Sans thème")))
    for date in dates:
        one = Figures(
            "",
            participants=participants[date.pk],
            present=present[date.pk],
            duration=max(date.end - date.start, timedelta()),
        )
        total.add(one)
        page = date.page
        audiences.setdefault(page.audience, Figures(page.audience)).add(one)
        formats.setdefault(page.format, Figures(page.format)).add(one)
        page_themes = list(page.themes.all())
        for theme in page_themes:
            themes.setdefault(theme.translation_key, Figures(theme.name)).add(one)
        if not page_themes:
            no_theme.add(one)
    # Activities carry the French themes; their names are shown in the reader's language.
    for theme in Theme.objects.filter(translation_key__in=themes, locale=Locale.get_active()):
        themes[theme.translation_key].label = theme.name
    by_theme = sorted(themes.values(), key=lambda row: row.label.lower())
    if no_theme.activities:
        by_theme.append(no_theme)

    bookings = list(
        WorkshopBooking.objects.filter(
            status__in=HELD_BOOKINGS, proposed_start__gte=start, proposed_start__lt=end
        ).order_by("proposed_start", "pk")
    )
    schools_total = GroupFigures(str(_("Total")))
    levels = {value: GroupFigures(str(label)) for value, label in Level.choices}
    boards = {}
    for booking in bookings:
        duration = timedelta(minutes=booking.duration_minutes or 0)
        board = booking.school_board.strip()
        for row in (
            schools_total,
            levels.setdefault(booking.level, GroupFigures(booking.level)),
            boards.setdefault(board.lower(), GroupFigures(board or str(_("Non précisé")))),
        ):
            row.groups += 1
            row.students += booking.group_size
            row.duration += duration
    by_board = sorted(boards.values(), key=lambda row: row.label.lower())

    seen = emails(attendees)
    earlier = emails(counted_attendees(held_dates(None, start)))
    returning = len(seen & earlier)

    return Report(
        fiscal_year=fiscal_year,
        total=total,
        by_audience=list(audiences.values()),
        by_theme=by_theme,
        by_format=list(formats.values()),
        schools_total=schools_total,
        by_level=[row for row in levels.values() if row.groups],
        by_school_board=by_board,
        new_people=len(seen) - returning,
        returning_people=returning,
    )


def available_years(month, now=None):
    """The fiscal years that can be chosen, newest first: from the first one with a date or a
    booking to the current one, or to the last one with something planned."""
    current = FiscalYear.containing(now or timezone.now(), month)
    bounds = [
        *EventDate.objects.aggregate(first=Min("start"), last=Max("start")).values(),
        *WorkshopBooking.objects.aggregate(
            first=Min("proposed_start"), last=Max("proposed_start")
        ).values(),
    ]
    years = [FiscalYear.containing(moment, month).year for moment in bounds if moment]
    first = min([current.year, *years])
    last = max([current.year, *years])
    return [FiscalYear(year, month) for year in range(last, first - 1, -1)]


# The tables, in the order the page and the spreadsheet show them: (key, caption, kind).
ACTIVITY_COLUMNS = [
    _("Activités"),
    _("Participant·es inscrit·es"),
    _("Présences enregistrées"),
    _("Heures d'animation"),
]
SCHOOL_COLUMNS = [_("Groupes"), _("Élèves"), _("Heures d'animation")]


@dataclass
class Table:
    key: str
    caption: str
    heading: str  # the first column's heading
    columns: list
    rows: list  # [(label, [values…])]
    total: tuple | None = None


def activity_values(row):
    return [row.activities, row.participants, row.present, row.hours]


def school_values(row):
    return [row.groups, row.students, row.hours]


def tables(report):
    """The report's tables, as the page, the print layout and the XLSX file show them."""
    total = report.total
    summary = Table(
        "summary",
        str(_("Sommaire")),
        str(_("Indicateur")),
        [str(_("Nombre"))],
        [
            (str(_("Activités publiques (dates tenues)")), [total.activities]),
            (str(_("Participant·es inscrit·es")), [total.participants]),
            (str(_("Présences enregistrées")), [total.present]),
            (str(_("Heures d'animation (activités publiques)")), [total.hours]),
            (str(_("Animations scolaires")), [report.schools_total.groups]),
            (str(_("Élèves rejoints")), [report.schools_total.students]),
            (str(_("Heures d'animation (scolaires)")), [report.schools_total.hours]),
            (
                str(_("Heures d'animation (total)")),
                [hours(total.duration + report.schools_total.duration)],
            ),
        ],
    )
    columns = [str(column) for column in ACTIVITY_COLUMNS]

    def activity_table(key, caption, heading, rows):
        return Table(
            key,
            str(caption),
            str(heading),
            columns,
            [(row.label, activity_values(row)) for row in rows],
            (str(_("Total")), activity_values(total)),
        )

    school_columns = [str(column) for column in SCHOOL_COLUMNS]

    def school_table(key, caption, heading, rows):
        return Table(
            key,
            str(caption),
            str(heading),
            school_columns,
            [(row.label, school_values(row)) for row in rows],
            (str(_("Total")), school_values(report.schools_total)),
        )

    by_theme = activity_table(
        "themes", _("Activités publiques par thème"), _("Thème"), report.by_theme
    )
    by_theme.total = None  # an activity may have several themes: the rows do not add up
    return [
        summary,
        activity_table(
            "audience", _("Activités publiques par public"), _("Public"), report.by_audience
        ),
        by_theme,
        activity_table(
            "format", _("Activités publiques par format"), _("Format"), report.by_format
        ),
        school_table("levels", _("Groupes scolaires par niveau"), _("Niveau"), report.by_level),
        school_table(
            "boards",
            _("Groupes scolaires par centre de services scolaire"),
            _("Centre de services scolaire"),
            report.by_school_board,
        ),
        Table(
            "people",
            str(_("Personnes nouvelles et fidèles")),
            str(_("Personnes")),
            [str(_("Nombre"))],
            [
                (
                    str(_("Nouvelles (jamais inscrites lors d'un exercice précédent)")),
                    [report.new_people],
                ),
                (
                    str(_("Fidèles (déjà inscrites lors d'un exercice précédent)")),
                    [report.returning_people],
                ),
            ],
            (str(_("Total")), [report.people]),
        ),
    ]
