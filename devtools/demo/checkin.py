"""Demo data for per-attendee registration: the training asks each participant's name (it is
printed on their ticket and on the list at the door) and, for each, their dietary needs for
the lunch; school sessions ask no names (a class registers as a group)."""

from events.models import AttendeeNames, Audience, EventPage, Question


def seed_attendee_names():
    for page in EventPage.objects.filter(audience=Audience.SCHOOL):
        if page.attendee_names != AttendeeNames.OFF:
            page.attendee_names = AttendeeNames.OFF
            page.save(update_fields=["attendee_names"])
    training = EventPage.objects.filter(
        slug="formation-citoyennete-mondiale", locale__language_code="fr"
    ).first()
    if training is None:
        return
    if training.attendee_names != AttendeeNames.REQUIRED:
        training.attendee_names = AttendeeNames.REQUIRED
        training.save(update_fields=["attendee_names"])
    Question.objects.get_or_create(
        page=training,
        label="Besoins alimentaires (dîner fourni)",
        defaults={
            "label_en": "Dietary needs (lunch provided)",
            "kind": "text",
            "required": False,
            "per_attendee": True,
        },
    )
