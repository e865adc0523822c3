"""Demo school workshop bookings for `seed_demo`: the request page in French and English, and
three bookings in the states staff meet (a new request, a date proposed, an invoice sent),
made by the same services as the site. Running it again changes nothing."""

from datetime import date, datetime, timedelta
from decimal import Decimal

PAGE = {
    "fr": {
        "slug": "demande-d-animation",
        "title": "Demande d'animation",
        "introduction": (
            "<p>Le CÉSIQ anime en classe des ateliers d'éducation à la citoyenneté mondiale, du "
            "primaire au cégep et en formation des adultes. Décrivez votre groupe et proposez "
            "deux ou trois dates : nous vous répondrons avec une date, une heure et le nom de "
            "la personne qui animera.</p>"
        ),
        "thank_you": "Nous vous répondrons d'ici cinq jours ouvrables.",
    },
    "en": {
        "slug": "workshop-request",
        "title": "Book a school workshop",
        "introduction": (
            "<p>CÉSIQ runs global citizenship workshops in class, from elementary school to "
            "CEGEP and adult education. Tell us about your group and suggest two or three "
            "dates: we will reply with a date, a time and the name of the facilitator.</p>"
        ),
        "thank_you": "We will reply within five business days.",
    },
}

DEMO_DOMAIN = "ecole.demo.cesiq.example"


def seed(home, locales):
    page = seed_page(home, locales)
    seed_bookings()
    return page


def seed_page(home, locales):
    from schools.models import WorkshopRequestPage

    page = WorkshopRequestPage.objects.filter(locale=locales["fr"], slug=PAGE["fr"]["slug"]).first()
    if page is None:
        page = WorkshopRequestPage(locale=locales["fr"], **PAGE["fr"])
        home.add_child(instance=page)
    _update(page, PAGE["fr"])
    english = page.get_translation_or_none(locales["en"])
    if english is None:
        english = page.copy_for_translation(locales["en"])
    _update(english.specific, PAGE["en"])
    return page


def _update(page, fields):
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()


def _next_weekday(start, weekday, weeks):
    day = start + timedelta(weeks=weeks)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def seed_bookings():
    from django.utils import timezone

    from events.models import Theme
    from schools import services
    from schools.models import PaymentMethod, WorkshopBooking

    today = timezone.localdate()
    themes = list(Theme.objects.filter(locale__language_code="fr").order_by("name")[:2])

    def request(email, language="fr", **fields):
        booking = WorkshopBooking.objects.filter(email=email).first()
        if booking is not None:
            return booking, False
        booking = services.create_request(
            data={
                "email": email,
                "preferred_date_1": _next_weekday(today, 1, 4),
                "preferred_date_2": _next_weekday(today, 3, 5),
                "preferred_date_3": None,
                "message": "",
                **fields,
            },
            themes=themes,
            language=language,
        )
        return booking, True

    def at_930(day: date):
        return timezone.make_aware(datetime(day.year, day.month, day.day, 9, 30))

    # 1. A new request, to handle (on the dashboard).
    request(
        f"enseignante.primaire@{DEMO_DOMAIN}",
        school="École primaire des Berges",
        school_board="Centre de services scolaire de la Capitale",
        contact_name="Julie Tremblay",
        phone="418 555-0142",
        level="primaire-3",
        group_size=26,
        message="Nous travaillons sur les droits des enfants ce printemps.",
    )

    # 2. A date proposed, waiting for the school's confirmation.
    booking, created = request(
        f"enseignant.secondaire@{DEMO_DOMAIN}",
        school="École secondaire de la Cité",
        school_board="Centre de services scolaire des Découvreurs",
        contact_name="Marc Gagnon",
        phone="418 555-0177",
        level="secondaire-4",
        group_size=32,
    )
    if created:
        services.propose(
            booking,
            start=at_930(booking.preferred_date_2),
            animator="Aminata Diallo",
            price=Decimal("175.00"),
        )

    # 3. Confirmed by the school and invoiced (purchase order of the school board).
    booking, created = request(
        f"conseillere.cegep@{DEMO_DOMAIN}",
        school="Cégep Limoilou",
        school_board="",
        contact_name="Sophie Bergeron",
        phone="418 555-0108",
        level="cegep",
        group_size=40,
        language="en",
    )
    if created:
        services.propose(
            booking,
            start=at_930(booking.preferred_date_1),
            animator="Luis Ortega",
            price=Decimal("250.00"),
        )
        booking.refresh_from_db()
        services.confirm(
            booking.token, method=PaymentMethod.INVOICE, purchase_order_number="BC-2026-0412"
        )
