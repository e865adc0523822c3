"""The activity list and its month view: filters read from the query string (plain GET form,
no JavaScript)."""

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django import forms
from django.core.paginator import Paginator
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

from cesiq_site import pagecache

from .models import AttendanceMode, Audience, EventFormat, Theme

PER_PAGE = 12
SUNDAY_FIRST = [6, 0, 1, 2, 3, 4, 5]  # django.utils.dates numbers weekdays from Monday


class ActivityFilterForm(forms.Form):
    audience = forms.ChoiceField(
        label=_("Public"), required=False, choices=[("", _("Tous"))] + Audience.choices
    )
    theme = forms.ChoiceField(label=_("Thème"), required=False)
    format = forms.ChoiceField(
        label=_("Format"), required=False, choices=[("", _("Tous"))] + EventFormat.choices
    )
    price = forms.ChoiceField(
        label=_("Prix"),
        required=False,
        choices=[("", _("Tous")), ("gratuit", _("Gratuit")), ("payant", _("Payant"))],
    )
    mode = forms.ChoiceField(
        label=_("Participation"),
        required=False,
        choices=[("", _("Toutes")), ("presentiel", _("En personne")), ("en-ligne", _("En ligne"))],
    )
    start = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, locale=None, **kwargs):
        """`locale`: a Locale or its id."""
        super().__init__(*args, **kwargs)
        # Themes are named in the page's language and matched across languages by their
        # translation key, since dates and tickets live on the French pages. Only published
        # themes are offered (a draft theme appears once someone publishes it).
        from cesiq_site.collation import natural
        from cesiq_site.render_cache import shared

        def theme_choices():
            themes = Theme.objects.filter(live=True).order_by(natural("name"))
            if locale:
                themes = themes.filter(locale=locale)
            return [(str(t.translation_key), t.name) for t in themes]

        # The same for every visitor until a theme is saved: kept (cesiq_site/render_cache.py).
        locale_id = getattr(locale, "pk", locale)
        self.fields["theme"].choices = [("", _("Tous"))] + shared(
            ("activity themes", locale_id), theme_choices
        )
        # A filter that is no longer offered (an old link, a theme removed) is set aside and
        # the others still apply (`filters_in_use`), with words for it rather than Django's
        # « Sélectionnez un choix valide ».
        for choice_field in self.fields.values():
            if isinstance(choice_field, forms.ChoiceField):
                choice_field.error_messages["invalid_choice"] = _(
                    "Ce choix n'est plus proposé : il est ignoré."
                )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("Cette date vient avant la première : elle est ignorée."))
        return cleaned

    def filters_in_use(self):
        """What the visitor chose and could be used: the valid fields' values, the others
        set aside (a filter no longer offered does not empty the others)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return dict(self.cleaned_data)

    def chosen(self):
        """The filters in use, as the visitor chose them ("Adultes", "Gratuit", "du 1 décembre
        2026"): the page title says them, so each filtered list has its own (WCAG 2.4.2)."""
        from django.utils.formats import date_format

        filters = self.filters_in_use()
        labels = []
        for name, form_field in self.fields.items():
            value = filters.get(name)
            if value in (None, ""):
                continue
            if isinstance(form_field, forms.ChoiceField):
                labels.append(str(dict(form_field.choices).get(value, value)))
            elif name == "start":
                labels.append(_("dès le %(date)s") % {"date": date_format(value)})
            else:
                labels.append(_("jusqu'au %(date)s") % {"date": date_format(value)})
        return labels


MONTH_VIEW = "mois"
MONTHS_REACHABLE = 24  # the month view goes this many months back and forward from today


def apply_filters(pages, data):
    """Narrow source pages by the filter form's cleaned data (audience, theme, format, mode,
    price and, when present, the date range)."""
    from .models import TicketKind

    if data.get("audience"):
        pages = pages.filter(audience=data["audience"])
    if data.get("theme"):
        pages = pages.filter(themes__translation_key=data["theme"])
    if data.get("format"):
        pages = pages.filter(format=data["format"])
    if data.get("mode") == "presentiel":
        pages = pages.exclude(attendance_mode=AttendanceMode.ONLINE)
    elif data.get("mode") == "en-ligne":
        pages = pages.exclude(attendance_mode=AttendanceMode.IN_PERSON)
    paid = Q(ticket_types__kind__in=[TicketKind.FIXED, TicketKind.PAY_WHAT_YOU_CAN])
    if data.get("price") == "gratuit":
        pages = pages.exclude(paid)
    elif data.get("price") == "payant":
        pages = pages.filter(paid)
    if data.get("start"):
        pages = pages.filter(dates__end__date__gte=data["start"])
    if data.get("end"):
        pages = pages.filter(dates__start__date__lte=data["end"])
    return pages


def in_visitor_language(sources, index_page, source_index):
    """Each French source page shown with its translation in the index page's language where
    one is live (one query), keeping the source's dates and tickets."""
    from .models import EventPage

    if source_index.locale_id == index_page.locale_id:
        return [source.with_content_from(source) for source in sources]
    translations = {
        p.translation_key: p
        for p in EventPage.objects.live()
        .filter(
            locale_id=index_page.locale_id,
            translation_key__in=[p.translation_key for p in sources],
        )
        .select_related("image", "venue")
    }
    return [
        source.with_content_from(translations.get(source.translation_key, source))
        for source in sources
    ]


def view_links(request):
    """Query strings for the "Liste | Mois" switch, keeping the visitor's filters. The month
    view has no date range or archive, the list no month."""
    to_list = request.GET.copy()
    for key in ("vue", "mois", "page"):
        to_list.pop(key, None)
    to_month = request.GET.copy()
    for key in ("page", "archives", "start", "end"):
        to_month.pop(key, None)
    to_month["vue"] = MONTH_VIEW
    return {"list_query": to_list.urlencode(), "month_query": to_month.urlencode()}


def listing_title(index_page, form, *, archive=False, month=None, page_number=1):
    """A title of its own for each view (WCAG 2.4.2): "Activités", "Activités (Adultes,
    Gratuit)", "Activités, décembre 2026", "Activités passées — page 2"."""
    from django.utils.formats import date_format

    title = str(_("Activités passées")) if archive else index_page.title
    if month is not None:
        title = _("%(title)s, %(month)s") % {
            "title": title,
            "month": date_format(month, "YEAR_MONTH_FORMAT"),
        }
    chosen = form.chosen()
    if chosen:
        title = _("%(title)s (%(filters)s)") % {"title": title, "filters": ", ".join(chosen)}
    if page_number > 1:
        title = _("%(title)s — page %(number)s") % {"title": title, "number": page_number}
    return title


def source_of(index_page):
    """The French index (its activities hold the dates and tickets): the page itself when it
    is French, without asking the database."""
    from cesiq_site.render_cache import shared

    default = Locale.get_default()
    if index_page.locale_id == default.pk:
        return index_page
    # Kept across requests (cesiq_site/render_cache.py): only its path and locale are read.
    return shared(
        ("activity source index", index_page.pk),
        lambda: index_page.get_translation_or_none(default) or index_page,
    )


def time_changes_after(source_index, now):
    """The first moment after `now` when a date of an activity of this list starts or ends
    (None: never): until then, time alone changes nothing the list shows."""
    from .models import EventDate, EventPage

    found = EventDate.objects.filter(page__in=EventPage.objects.child_of(source_index)).aggregate(
        start=Min("start", filter=Q(start__gt=now)), end=Min("end", filter=Q(end__gt=now))
    )
    return min(filter(None, found.values()), default=None)


def activity_listing(index_page, request):
    """Filter and order the French (source) pages, which hold dates and tickets, then show
    each in the visitor's language where a translation exists. A constant number of queries.

    `?vue=mois` asks for the month view instead (see `activity_month`)."""
    from cesiq_site.render_cache import shared

    from .models import EventPage

    if request.GET.get("vue") == MONTH_VIEW:
        return activity_month(index_page, request)
    now = timezone.now()
    archive = request.GET.get("archives") == "1"
    form = ActivityFilterForm(request.GET or None, locale=index_page.locale_id)
    source_index = source_of(index_page)
    filters = form.filters_in_use()

    def in_range(prefix):
        """The dates asked for (`start`, `end`, days in Québec), as a condition on dates."""
        condition = Q()
        if filters.get("start"):
            condition &= Q(**{f"{prefix}end__date__gte": filters["start"]})
        if filters.get("end"):
            condition &= Q(**{f"{prefix}start__date__lte": filters["end"]})
        return condition

    def within(date):
        start, end = filters.get("start"), filters.get("end")
        return (not start or timezone.localdate(date.end) >= start) and (
            not end or timezone.localdate(date.start) <= end
        )

    def listed():
        pages = EventPage.objects.live().public().child_of(source_index)
        if archive:
            pages = pages.annotate(last_end=Max("dates__end")).filter(last_end__lte=now)
            pages = pages.order_by("-last_end")
        else:
            # Ordered by the first date still to come within the dates asked for, if any: an
            # activity of the 14th and the 28th, asked « from the 20th », comes at the 28th.
            pages = pages.annotate(
                next_start=Min("dates__start", filter=Q(dates__end__gt=now) & in_range("dates__"))
            ).filter(next_start__isnull=False)
            pages = pages.order_by("next_start")

        if filters:
            pages = apply_filters(pages, filters)
        pages = (
            pages.distinct()
            .select_related("image", "venue")
            # Each card shows its next date and lowest price (themes are not shown).
            .prefetch_related("dates", "ticket_types")
        )

        paginator = Paginator(pages, PER_PAGE)
        page_obj = paginator.get_page(request.GET.get("page"))
        page_obj.object_list = in_visitor_language(list(page_obj), index_page, source_index)
        for activity in page_obj.object_list:
            # The date its card shows: its next one, within the dates asked for if any.
            activity.listed_date = (
                next(
                    (
                        date
                        for date in activity.source.dates.all()
                        if date.end > now and within(date)
                    ),
                    None,
                )
                or activity.display_date
            )
        return paginator, page_obj, time_changes_after(source_index, now)

    # Which activities, in which order, with which dates shown changes only with a save (a new
    # content generation) or when one of their dates starts or ends: kept for the generation
    # until then, per list, filters and page asked for (cesiq_site/render_cache.py), and only
    # read. (Nothing on a card depends on places left.)
    key = (
        "activity list",
        index_page.pk,
        archive,
        tuple(sorted((name, str(value)) for name, value in filters.items())),
        request.GET.get("page"),
    )
    paginator, page_obj, _until = shared(
        key, listed, still_true=lambda kept: kept[2] is None or now < kept[2]
    )
    pagecache.stored_only_as(request, "page", page_obj.number)
    if form.errors:
        pagecache.not_to_store(request)
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filter_form": form,
        "activities": page_obj,
        "paginator": paginator,
        "archive": archive,
        "query_string": query.urlencode(),
        "listing_title": listing_title(
            index_page, form, archive=archive, page_number=page_obj.number
        ),
        "view": "liste",
        **view_links(request),
    }


def shift_month(first, months):
    """The first day of the month `months` away from `first` (a first of month)."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_apart(a, b):
    return (b.year - a.year) * 12 + b.month - a.month


def requested_month(value, today):
    """The month asked for by `?mois=YYYY-MM`: the current one when missing, malformed or
    further than MONTHS_REACHABLE months away (calendars are crawled link by link)."""
    this_month = today.replace(day=1)
    match = re.fullmatch(r"(\d{4})-(\d{2})", (value or "").strip())
    if not match:
        return this_month
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        return this_month
    # Compared as month numbers before any date is built: year 0000 has no date.
    apart = (year * 12 + month) - (this_month.year * 12 + this_month.month)
    if abs(apart) > MONTHS_REACHABLE:
        return this_month
    return date(year, month, 1)


@dataclass
class Day:
    date: date
    in_month: bool
    is_today: bool
    entries: list = field(default_factory=list)  # (EventDate, page in the visitor's language)


def activity_month(index_page, request):
    """The month view: a calendar grid (weeks from Sunday, as in Québec) whose days list the
    dates (séances) of the filtered activities, in the visitor's language. The same filters
    as the list except the date range; a constant number of queries."""
    from django.db.models import Prefetch

    from .models import EventDate, EventPage

    today = timezone.localdate()
    first = requested_month(request.GET.get("mois"), today)
    following = shift_month(first, 1)
    month_start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    month_end = timezone.make_aware(datetime.combine(following, datetime.min.time()))
    in_month = Q(start__gte=month_start, start__lt=month_end)

    form = ActivityFilterForm(request.GET or None, locale=index_page.locale_id)
    for name in ("start", "end"):  # the month is the date range here
        del form.fields[name]
    filters = form.filters_in_use()
    pagecache.stored_only_as(request, "mois", first.strftime("%Y-%m"))
    if form.errors:
        pagecache.not_to_store(request)

    def month_of_activities():
        source_index = source_of(index_page)
        pages = (
            EventPage.objects.live()
            .public()
            .child_of(source_index)
            .filter(pk__in=EventDate.objects.filter(in_month).values("page_id"))
        )
        pages = apply_filters(pages, filters).distinct()
        pages = pages.prefetch_related(
            Prefetch(
                "dates",
                queryset=EventDate.objects.filter(in_month).order_by("start"),
                to_attr="month_dates",
            )
        )
        sources = list(pages)
        shown = in_visitor_language(sources, index_page, source_index)

        days = {}
        weeks = []
        for week in calendar.Calendar(firstweekday=calendar.SUNDAY).monthdatescalendar(
            first.year, first.month
        ):
            row = [Day(d, d.month == first.month, d == today) for d in week]
            days.update((day.date, day) for day in row if day.in_month)
            weeks.append(row)
        for source, page in zip(sources, shown, strict=True):
            for event_date in source.month_dates:
                day = days[timezone.localtime(event_date.start).date()]
                day.entries.append((event_date, page))
        for day in days.values():
            day.entries.sort(key=lambda entry: (entry[0].start, entry[1].title))
        return len(sources), weeks

    # A month shows every date in it, however many: computed once per month, filters and day
    # for the content generation (cesiq_site/render_cache.py; it shows no places left, only
    # saved content and today) and only read by the template.
    from cesiq_site.render_cache import shared

    key = (
        "activity month",
        index_page.pk,
        first,
        today,
        tuple(sorted((name, str(value)) for name, value in filters.items())),
    )
    activity_count, weeks = shared(key, month_of_activities)

    previous = shift_month(first, -1)
    this_month = today.replace(day=1)

    def month_query(month):
        if abs(months_apart(this_month, month)) > MONTHS_REACHABLE:
            return None
        query = request.GET.copy()
        query.pop("page", None)
        query["vue"] = MONTH_VIEW
        query["mois"] = month.strftime("%Y-%m")
        return query.urlencode()

    return {
        "filter_form": form,
        "view": MONTH_VIEW,
        "listing_title": listing_title(index_page, form, month=first),
        "month": first,
        "month_param": first.strftime("%Y-%m"),
        "weekdays": [(WEEKDAYS_ABBR[i], WEEKDAYS[i]) for i in SUNDAY_FIRST],
        "weeks": weeks,
        "today": today,
        "month_activity_count": activity_count,
        "previous_month": previous,
        "previous_query": month_query(previous),
        "next_month": following,
        "next_query": month_query(following),
        **view_links(request),
    }


def feed_pages(index_page, request):
    """Upcoming pages for the calendar feed, in the feed's language, filtered by audience and
    theme like the list."""
    from .models import EventPage

    now = timezone.now()
    source_index = source_of(index_page)
    pages = (
        EventPage.objects.live()
        .public()
        .child_of(source_index)
        .filter(dates__end__gt=now)
        .distinct()
        .select_related("venue")
        .prefetch_related("dates")
    )
    audience = request.GET.get("audience")
    if audience:
        if audience not in Audience.values:
            return []
        pages = pages.filter(audience=audience)
    theme = request.GET.get("theme")
    if theme:
        try:
            import uuid

            pages = pages.filter(themes__translation_key=uuid.UUID(theme))
        except ValueError:
            return []
    return in_visitor_language(list(pages), index_page, source_index)
