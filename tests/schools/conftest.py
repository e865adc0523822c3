from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cesiq_site import antispam


@pytest.fixture
def request_page(home_fr):
    from schools.models import WorkshopRequestPage

    return WorkshopRequestPage.objects.get(locale__language_code="fr")


@pytest.fixture
def request_page_en(request_page):
    from wagtail.models import Locale

    return request_page.get_translation(Locale.objects.get(language_code="en")).specific


def in_days(n):
    """The first class day (Monday to Friday, no holiday nor school break) at least `n` days
    from today."""
    from schools.calendar import no_class

    day = timezone.localdate() + timedelta(days=n)
    while no_class(day):
        day += timedelta(days=1)
    return day


def form_data(**overrides):
    from events.models import Theme

    theme = Theme.objects.filter(locale__language_code="fr").order_by("name").first()
    data = {
        "school": "École Saint-Jean-Baptiste",
        "school_board": "Centre de services scolaire de la Capitale",
        "contact_name": "Nadia Roy",
        "email": "nadia.roy@ecole.example",
        "phone": "418 555-0199",
        "level": "primaire-2",
        "group_size": "24",
        "preferred_date_1": in_days(30).isoformat(),
        "preferred_date_2": in_days(37).isoformat(),
        "preferred_date_3": "",
        "themes": [str(theme.pk)],
        "message": "Un atelier sur les droits des enfants, svp.",
        "consent": "on",
        antispam.HONEYPOT_FIELD: "",
        antispam.TIME_FIELD: antispam.stamp("workshop_request"),
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_booking(db):
    """A request as the form would save it."""
    from schools import services

    counter = iter(range(1, 10_000))

    def make(**fields):
        n = next(counter)
        data = {
            "school": f"École test {n}",
            "school_board": "CSS de la Capitale",
            "contact_name": f"Enseignante {n}",
            "email": f"enseignante{n}@ecole.example",
            "phone": "418 555-0100",
            "level": "secondaire-2",
            "group_size": 28,
            "preferred_date_1": in_days(20),
            "preferred_date_2": in_days(27),
            "preferred_date_3": None,
            "message": "",
            **fields,
        }
        language = data.pop("language", "fr")
        return services.create_request(data=data, themes=[], language=language)

    return make


def start_in(days, hour=9, minute=30):
    day = in_days(days)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def proposed(make_booking):
    from schools import services

    def make(price="180.00", tax_status=None, **fields):
        booking = make_booking(**fields)
        return services.propose(
            booking,
            start=start_in(21),
            animator="Aminata Diallo",
            price=Decimal(price),
            tax_status=tax_status,
        )

    return make


@pytest.fixture
def invoiced(proposed):
    from schools import services
    from schools.models import PaymentMethod

    def make(**kwargs):
        booking = proposed(**kwargs)
        booking = services.confirm(
            booking.token, method=PaymentMethod.INVOICE, purchase_order_number="BC-77"
        )
        booking.refresh_from_db()
        return booking

    return make


@pytest.fixture
def staff():
    User = get_user_model()
    return {
        name: User.objects.get(username=name)
        for name in ("billetterie", "redaction", "administration", "admin")
    }


__all__ = ["date", "form_data", "in_days", "start_in"]
