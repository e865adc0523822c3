"""The activity list: filters read from the query string (plain GET form, no JavaScript)."""

from django import forms
from django.core.paginator import Paginator
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

from .models import AttendanceMode, Audience, EventFormat, Theme

PER_PAGE = 12


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
        super().__init__(*args, **kwargs)
        # Themes are named in the page's language and matched across languages by their
        # translation key, since dates and tickets live on the French pages.
        themes = Theme.objects.filter(locale=locale) if locale else Theme.objects.all()
        self.fields["theme"].choices = [("", _("Tous"))] + [
            (str(t.translation_key), t.name) for t in themes
        ]


def activity_listing(index_page, request):
    """Filter and order the French (source) pages, which hold dates and tickets, then show
    each in the visitor's language where a translation exists. A constant number of queries."""
    from .models import EventPage, TicketKind

    now = timezone.now()
    archive = request.GET.get("archives") == "1"
    form = ActivityFilterForm(request.GET or None, locale=index_page.locale)
    source_index = index_page.get_translation_or_none(Locale.get_default()) or index_page
    pages = EventPage.objects.live().public().child_of(source_index)
    if archive:
        pages = pages.annotate(last_end=Max("dates__end")).filter(last_end__lte=now)
        pages = pages.order_by("-last_end")
    else:
        pages = pages.annotate(next_start=Min("dates__start", filter=Q(dates__end__gt=now))).filter(
            next_start__isnull=False
        )
        pages = pages.order_by("next_start")

    if form.is_valid():
        data = form.cleaned_data
        if data["audience"]:
            pages = pages.filter(audience=data["audience"])
        if data["theme"]:
            pages = pages.filter(themes__translation_key=data["theme"])
        if data["format"]:
            pages = pages.filter(format=data["format"])
        if data["mode"] == "presentiel":
            pages = pages.exclude(attendance_mode=AttendanceMode.ONLINE)
        elif data["mode"] == "en-ligne":
            pages = pages.exclude(attendance_mode=AttendanceMode.IN_PERSON)
        paid = Q(ticket_types__kind__in=[TicketKind.FIXED, TicketKind.PAY_WHAT_YOU_CAN])
        if data["price"] == "gratuit":
            pages = pages.exclude(paid)
        elif data["price"] == "payant":
            pages = pages.filter(paid)
        if data["start"]:
            pages = pages.filter(dates__end__date__gte=data["start"])
        if data["end"]:
            pages = pages.filter(dates__start__date__lte=data["end"])
    pages = (
        pages.distinct()
        .select_related("image", "venue")
        .prefetch_related("dates", "ticket_types", "themes")
    )

    paginator = Paginator(pages, PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    if source_index.locale_id == index_page.locale_id:
        page_obj.object_list = [source.with_content_from(source) for source in page_obj]
    else:
        translations = {
            p.translation_key: p
            for p in EventPage.objects.live()
            .filter(
                locale_id=index_page.locale_id,
                translation_key__in=[p.translation_key for p in page_obj],
            )
            .select_related("image")
        }
        page_obj.object_list = [
            source.with_content_from(translations.get(source.translation_key, source))
            for source in page_obj
        ]
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filter_form": form,
        "activities": page_obj,
        "paginator": paginator,
        "archive": archive,
        "query_string": query.urlencode(),
    }


def feed_pages(index_page, request):
    """Upcoming pages for the calendar feed, in the feed's language, filtered by audience and
    theme like the list."""
    from .models import EventPage

    now = timezone.now()
    source_index = index_page.get_translation_or_none(Locale.get_default()) or index_page
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
        pages = pages.filter(audience=audience)
    theme = request.GET.get("theme")
    if theme:
        try:
            import uuid

            pages = pages.filter(themes__translation_key=uuid.UUID(theme))
        except ValueError:
            return []
    pages = list(pages)
    if source_index.locale_id != index_page.locale_id:
        translations = {
            p.translation_key: p
            for p in EventPage.objects.live()
            .filter(
                locale_id=index_page.locale_id,
                translation_key__in=[p.translation_key for p in pages],
            )
            .select_related("venue")
        }
        return [s.with_content_from(translations.get(s.translation_key, s)) for s in pages]
    return [s.with_content_from(s) for s in pages]
