"""Demo data for per-attendee registration: the screening asks each person's name (printed on
their ticket and on the list at the door) and, of each, their accessibility needs; school
sessions ask no names (a class registers as a group); the other activities keep the default
(names optional)."""

from events.models import AttendeeNames, Audience, EventPage, Question

SCREENING = "projection-semences"


def seed_attendee_names():
    for page in EventPage.objects.filter(audience=Audience.SCHOOL):
        if page.attendee_names != AttendeeNames.OFF:
            page.attendee_names = AttendeeNames.OFF
            page.save(update_fields=["attendee_names"])
    screening = EventPage.objects.filter(slug=SCREENING, locale__language_code="fr").first()
    if screening is None:
        return
    if screening.attendee_names != AttendeeNames.REQUIRED:
        screening.attendee_names = AttendeeNames.REQUIRED
        screening.save(update_fields=["attendee_names"])
    Question.objects.get_or_create(
        page=screening,
        label="Besoins d'accessibilité",
        defaults={
            "label_en": "Accessibility needs",
            "kind": "text",
            "required": False,
            "per_attendee": True,
        },
    )
