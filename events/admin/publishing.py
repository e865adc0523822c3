"""What the editor is told on publishing an activity (Wagtail's `after_publish_page` hook,
registered in events/wagtail_hooks.py)."""

from django.contrib import messages
from django.utils.translation import gettext as _


def warn_when_nobody_can_register(request, page):
    """An activity published with no date at all, or with dates to come but no type of
        ticket, shows no « S'inscrire »; one in person with no venue never says where, one online
    with no link never says how to join: the editor
        is told so next to « publiée », rather than finding out from the public. (Not for an
        activity whose dates are all past, cancelled, postponed, or whose registration is a
        partner's: that is meant.)"""
    from ..models import AttendanceMode, EventPage, EventStatus

    page = page.specific
    if not isinstance(page, EventPage):
        return
    source = page.source
    if source.status != EventStatus.SCHEDULED or source.external_registration_url:
        return
    if source.attendance_mode != AttendanceMode.ONLINE and source.venue_id is None:
        # In person with no venue: the page, the tickets and the confirmation never say where.
        messages.warning(
            request,
            _(
                "« %(title)s » a lieu en personne, mais n'a pas de lieu : ni la page, ni les "
                "billets, ni la confirmation ne disent où aller. Choisissez-en un dans la "
                "section « Pour qui, où »."
            )
            % {"title": page.title},
        )
    if source.attendance_mode != AttendanceMode.IN_PERSON and not source.online_link:
        # Online with no link: the page promises it to the people registered, and their
        # confirmation had none.
        messages.warning(
            request,
            _(
                "« %(title)s » a lieu en ligne, mais n'a pas de lien de rencontre : la "
                "confirmation des personnes inscrites n'en donne aucun. Ajoutez-le dans la "
                "section « Pour qui, où » de la page en français."
            )
            % {"title": page.title},
        )
    if not source.dates.exists():
        messages.warning(
            request,
            _(
                "« %(title)s » n'a aucune date : personne ne peut s'y inscrire. Ajoutez une "
                "date dans la section « Dates » de la page en français."
            )
            % {"title": page.title},
        )
    elif not source.ticket_types.exists() and page.upcoming_dates:
        messages.warning(
            request,
            _(
                "« %(title)s » n'a aucun type de billet : personne ne peut s'y inscrire, même "
                "gratuitement. Ajoutez un billet (tarif « Gratuit » pour une activité "
                "gratuite) dans la section « Billets » de la page en français."
            )
            % {"title": page.title},
        )
