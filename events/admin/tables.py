"""The one table of activity dates, drawn by Wagtail's table component on the dashboard, on the
list of the next dates and on an activity's dates; each picks its columns.

A row is a `DateRow`: the date and what the page shows about it, counted beforehand (places
taken come from `orders.availability`, in one query for all the rows).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, Table

from orders.admin.formats import cad


@dataclass
class Link:
    label: str
    url: str
    style: str = "button-secondary"  # "" (primary) or "no" (destructive)


@dataclass
class DateRow:
    date: object  # EventDate, with its page
    taken: int = 0
    today: bool = False
    past: bool = False
    checked_in: int = 0
    waiting: int = 0
    orders: int = 0
    people: int = 0
    to_refund: Decimal = Decimal("0.00")
    holds: list = field(default_factory=list)  # pending orders holding places (staff.date_holds)
    links: list = field(default_factory=list)  # groups (lists) of Link, one line each
    edit_url: str = ""

    @property
    def title(self):
        return self.date.page.title

    @property
    def capacity(self):
        return self.date.capacity

    @property
    def percent(self):
        """Places taken as a whole percentage of capacity (capped at 100 for the bar)."""
        if not self.capacity:
            return 0
        return min(round(self.taken * 100 / self.capacity), 100)


class DatesTable(Table):
    def get_row_attrs(self, row):
        attrs = super().get_row_attrs(row)
        attrs["id"] = f"date-{row.date.pk}"
        if row.today:
            attrs["class"] = "today"
            attrs["style"] = (
                "background: var(--w-color-surface-field-inactive, #f6f6f8); font-weight: 600;"
            )
        return attrs


class ActivityColumn(Column):
    """The activity's title, a link to its page in the editor when `link`."""

    cell_template_name = "events/admin/cells/activity.html"

    def __init__(self, name="activity", link=False, **kwargs):
        super().__init__(name, label=kwargs.pop("label", _("Activité")), **kwargs)
        self.link = link


class WhenColumn(Column):
    """A moment of the date in the site's zone (`end` too when given), with its tags: "passée"
    for a date over (`past_tag`), "Aujourd'hui" for today's (`today_tag`)."""

    cell_template_name = "events/admin/cells/when.html"

    def __init__(self, name, *, start, fmt, end=None, end_fmt="TIME_FORMAT", **kwargs):
        self.today_tag = kwargs.pop("today_tag", False)
        self.past_tag = kwargs.pop("past_tag", False)
        kwargs.setdefault("classname", "w-whitespace-nowrap")
        super().__init__(name, **kwargs)
        self.start, self.fmt, self.end, self.end_fmt = start, fmt, end, end_fmt

    def get_cell_context_data(self, row, parent_context):
        context = super().get_cell_context_data(row, parent_context)
        text = date_format(timezone.localtime(getattr(row.date, self.start)), self.fmt)
        if self.end:
            text += " – " + date_format(
                timezone.localtime(getattr(row.date, self.end)), self.end_fmt
            )
        context.update(
            text=text,
            today=self.today_tag and row.today,
            past=self.past_tag and row.past,
        )
        return context


class PlacesColumn(Column):
    """Places taken out of the capacity; a date cancelled (capacity 0) says so."""

    cell_template_name = "events/admin/cells/places.html"

    def __init__(self, name="places", **kwargs):
        super().__init__(name, label=kwargs.pop("label", _("Places prises")), **kwargs)


class FillColumn(Column):
    """How full the date is: a bar, for the eye, and the percentage written out for everyone."""

    cell_template_name = "events/admin/cells/fill.html"

    def __init__(self, name="fill", **kwargs):
        kwargs.setdefault("classname", "w-whitespace-nowrap")
        super().__init__(name, label=kwargs.pop("label", _("Remplissage")), **kwargs)


class MoneyColumn(Column):
    def get_value(self, row):
        return cad(super().get_value(row))


class HoldsColumn(Column):
    """Who holds places without having paid yet (or confirmed by email), and until when."""

    cell_template_name = "events/admin/cells/holds.html"

    def __init__(self, name="holds", **kwargs):
        kwargs.setdefault("label", _("Places retenues sans paiement"))
        super().__init__(name, **kwargs)


class LinksColumn(Column):
    """The way in to the date's pages, as small buttons (`DateRow.links`)."""

    cell_template_name = "events/admin/cells/links.html"

    def __init__(self, name="links", **kwargs):
        super().__init__(name, label=kwargs.pop("label", _("Actions")), accessor="links", **kwargs)
