"""The admin URLs of activity dates, under /admin/activites/ in the `events_staff` namespace."""

from django.urls import include, path

from .actions import CancelDateView, CancelTicketView, DateMessageView, PostponeDateView
from .attendees import AttendeesView, SignInSheetView
from .checkin import CheckInCountsView, CheckInSyncView, CheckInTicketsView, CheckInView
from .dates import ActivityDatesView, UpcomingDatesView
from .exports import ExportView

patterns = [
    path("prochaines-dates/", UpcomingDatesView.as_view(), name="upcoming"),
    path("<int:page_id>/dates/", ActivityDatesView.as_view(), name="dates"),
    path("date/<int:date_id>/annuler/", CancelDateView.as_view(), name="cancel"),
    path("date/<int:date_id>/reporter/", PostponeDateView.as_view(), name="postpone"),
    path("date/<int:date_id>/participants/", AttendeesView.as_view(), name="attendees"),
    path(
        "date/<int:date_id>/billet/<int:attendee_id>/annuler/",
        CancelTicketView.as_view(),
        name="cancel_ticket",
    ),
    path("date/<int:date_id>/export.<str:fmt>", ExportView.as_view(), name="export"),
    path("date/<int:date_id>/emargement/", SignInSheetView.as_view(), name="sign_in_sheet"),
    path("date/<int:date_id>/message/", DateMessageView.as_view(), name="message"),
    path("date/<int:date_id>/accueil/", CheckInView.as_view(), name="checkin"),
    path(
        "date/<int:date_id>/accueil/compteurs/",
        CheckInCountsView.as_view(),
        name="checkin_counts",
    ),
    path(
        "date/<int:date_id>/accueil/billets.json",
        CheckInTicketsView.as_view(),
        name="checkin_tickets",
    ),
    path(
        "date/<int:date_id>/accueil/synchroniser/",
        CheckInSyncView.as_view(),
        name="checkin_sync",
    ),
]

urlpatterns = [path("activites/", include((patterns, "events_staff")))]
