"""The days a class can host a workshop, as far as every Québec school agrees: not a weekend,
not a public holiday, not the Christmas break nor the summer.

Each school service centre sets its own calendar (pedagogical days, spring break), which staff
settle with the teacher; what is refused here is what no school calendar has as a class day.
Public holidays: the Act respecting labour standards (s. 60: New Year's Day, Good Friday or
Easter Monday, National Patriots' Day, Canada Day, Labour Day, Thanksgiving, Christmas) and the
National Holiday Act (June 24); schools close on both Good Friday and Easter Monday.
"""

from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The break every school takes, whatever its centre: from Christmas Eve to the 2nd of January,
# and from the 1st of July to the 15th of August.
CHRISTMAS_BREAK = ((12, 24), (1, 2))
SUMMER_BREAK = ((7, 1), (8, 15))


def easter(year):
    """Easter Sunday of `year` (Gregorian calendar; the anonymous algorithm of Meeus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (the algorithm's own name)
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _monday(year, month, nth):
    """The `nth` Monday of a month."""
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (nth - 1))


def public_holidays(year):
    """{day: name} of Québec's public holidays in `year`."""
    sunday = easter(year)
    may_24 = date(year, 5, 24)
    return {
        date(year, 1, 1): gettext_lazy("Jour de l'An"),
        sunday - timedelta(days=2): gettext_lazy("Vendredi saint"),
        sunday + timedelta(days=1): gettext_lazy("Lundi de Pâques"),
        # The Monday before the 25th of May.
        may_24 - timedelta(days=may_24.weekday()): gettext_lazy("Journée nationale des patriotes"),
        date(year, 6, 24): gettext_lazy("Fête nationale du Québec"),
        date(year, 7, 1): gettext_lazy("Fête du Canada"),
        _monday(year, 9, 1): gettext_lazy("Fête du Travail"),
        _monday(year, 10, 2): gettext_lazy("Action de grâce"),
        date(year, 12, 25): gettext_lazy("Noël"),
    }


def _within(day, span):
    (start_month, start_day), (end_month, end_day) = span
    key, start, end = (day.month, day.day), (start_month, start_day), (end_month, end_day)
    if start <= end:
        return start <= key <= end
    return key >= start or key <= end  # across the new year


def no_class(day):
    """Why `day` is no class day, in a sentence for the teacher; None when it may be one."""
    if day.weekday() >= 5:
        return _("Choisissez un jour de classe, du lundi au vendredi.")
    holiday = public_holidays(day.year).get(day)
    if holiday is not None:
        return _("Ce jour est férié (%(holiday)s) : choisissez un jour de classe.") % {
            "holiday": holiday
        }
    if _within(day, CHRISTMAS_BREAK):
        return _(
            "Les écoles sont fermées pendant les vacances des Fêtes : choisissez un jour de classe."
        )
    if _within(day, SUMMER_BREAK):
        return _("Les écoles sont fermées pendant l'été : choisissez un jour de classe.")
    return None
