"""The activities' back-office in the Wagtail admin, registered here; the views are in
events/admin/.

- an activity's dates, reached from its page ("Gérer les dates"), where staff cancel or
  postpone one (admin/dates.py, admin/actions.py);
- each date's attendees, exports, sign-in sheet, message and door (admin/attendees.py,
  admin/exports.py, admin/checkin.py);
- the next dates of every activity, "Accueil et participants" in the menu (admin/dates.py);
- the dashboard's panel of the next dates (admin/panels.py);
- themes and venues, snippets with drafts, revisions and the workflow (admin/snippets.py);
- what the editor is told on publishing an activity nobody can register for (admin/publishing.py).

What events adds to orders' own screens (the activity filter, the report's table, log labels,
Law 25) is registered in orders' registries by events/registrations.py.
"""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from .admin import dates, publishing, urls
from .admin.panels import UpcomingDatesPanel
from .admin.snippets import ThemeViewSet, VenueViewSet

register_snippet(ThemeViewSet)
register_snippet(VenueViewSet)


@hooks.register("register_admin_urls")
def register_date_urls():
    return urls.urlpatterns


@hooks.register("register_admin_menu_item")
def register_upcoming_dates_menu_item():
    return dates.upcoming_dates_menu_item()


@hooks.register("register_page_header_buttons")
def page_header_dates_button(page, user, view_name, next_url=None):
    if button := dates.dates_button(page, user, priority=40):
        yield button


@hooks.register("register_page_listing_more_buttons")
def page_listing_dates_button(page, user, next_url=None):
    if button := dates.dates_button(page, user, priority=45):
        yield button


@hooks.register("construct_homepage_panels")
def add_upcoming_dates_panel(request, panels):
    if UpcomingDatesPanel.is_shown(request):
        panels.append(UpcomingDatesPanel(request))


@hooks.register("construct_translated_pages_to_cascade_actions")
def unpublish_an_activity_in_every_language(pages, action):
    """An activity unpublished in French is unpublished in English too: its English page sold
    the French page's places, and stayed open to registration once the French one was gone."""
    from .models import EventPage

    if action != "unpublish":
        return None
    return {
        page: EventPage.objects.translation_of(page, inclusive=False).filter(alias_of__isnull=True)
        for page in pages
        if isinstance(page.specific, EventPage) and not page.specific.has_source()
    }


@hooks.register("before_unpublish_page")
def warn_before_unpublishing_an_activity_with_registrations(request, page):
    """Unpublishing hides an activity; it neither cancels nor refunds what was sold. With
    registrations on dates to come, say so once and ask again (« Dépublier quand même »)."""
    from django.template.response import TemplateResponse

    from .models import EventPage

    page = page.specific
    if not isinstance(page, EventPage) or request.POST.get("malgre_inscriptions"):
        return None
    if page.has_source():  # a translation: the French page still sells, nothing changes
        return None
    registered = dates.registrations_to_come(page.source)
    if not registered:
        return None
    return TemplateResponse(
        request,
        "events/admin/confirm_unpublish_registrations.html",
        {"page": page, "registered": registered, "posted": request.POST},
    )


@hooks.register("before_bulk_action")
def no_bulk_unpublishing_of_activities_with_registrations(request, action_type, objects, action):
    """The page list's « Dépublier » would skip what the activity's own page says before
    unpublishing one with registrations to come: such activities are unpublished from there."""
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from .models import EventPage

    if action_type != "unpublish":
        return None
    booked = [
        page.specific
        for page in objects
        if isinstance(page.specific, EventPage)
        and not page.specific.has_source()
        and dates.registrations_to_come(page.specific)
    ]
    if not booked:
        return None
    messages.error(
        request,
        _(
            "« %(title)s » a des inscriptions à des dates à venir : dépubliez-la depuis sa "
            "page (« Dépublier »), qui dit ce que cela fait et ne fait pas. Rien n'a été "
            "dépublié."
        )
        % {"title": booked[0].title},
    )
    from wagtail.admin.utils import get_valid_next_url_from_request

    back = get_valid_next_url_from_request(request) or reverse(
        "wagtailadmin_explore", args=[booked[0].get_parent().pk]
    )
    return redirect(back)


@hooks.register("after_publish_page")
def say_when_a_published_activity_takes_no_registration(request, page):
    publishing.warn_when_nobody_can_register(request, page)
