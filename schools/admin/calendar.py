"""School workshops in the staff's calendar of next dates (events' "Accueil et participants")."""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import BookingStatus, WorkshopBooking

SHOWN = (
    BookingStatus.PROPOSED,
    BookingStatus.CONFIRMED,
    BookingStatus.INVOICED,
    BookingStatus.PAID,
)


def calendar_section(request, start, until):
    if not request.user.has_perm("schools.view_workshopbooking"):
        return None
    bookings = WorkshopBooking.objects.filter(status__in=SHOWN, proposed_start__gte=start)
    if until is not None:
        bookings = bookings.filter(proposed_start__lt=until)
    rows = [
        {
            "when": date_format(timezone.localtime(b.proposed_start), "DATETIME_FORMAT"),
            "title": f"{b.school} ({b.reference})",
            "url": reverse("workshopbooking:inspect", args=[b.pk]),
            "detail": _("%(level)s, %(n)s élèves — %(animator)s — %(status)s")
            % {
                "level": b.get_level_display(),
                "n": b.group_size,
                "animator": b.animator,
                "status": b.get_status_display(),
            },
        }
        for b in bookings.order_by("proposed_start", "pk")[:200]
    ]
    if not rows:
        return None
    return {"heading": _("Animations scolaires"), "rows": rows}
