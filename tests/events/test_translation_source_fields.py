"""An activity's English copy sells its French page's dates and tickets and asks its questions
(EventPage.source): the copy's own rows are never read. Changing them on the copy used to be
saved without a word and lost (a date moved, 999 places); it is refused now, with where to
make the change. Saving the copy unchanged still works."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model

from events.models import EventDate, EventPage

pytestmark = pytest.mark.django_db


def form_as_shown(page):
    """The fields the admin's edit form would post, as it shows them."""
    form = page.select_one("form#page-edit-form")
    data = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        name = field["name"]
        if field.name == "select":
            chosen = field.select("option[selected]")
            if field.has_attr("multiple"):
                data[name] = [option["value"] for option in chosen]
            elif chosen:
                data[name] = chosen[0]["value"]
        elif field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data.setdefault(name, []).append(field.get("value", "on"))
        elif field.get("type") not in ("submit", "button", "file"):
            data[name] = field.text if field.name == "textarea" else field.get("value", "")
    return data


@pytest.fixture
def english_copy(client, demo_site):
    client.force_login(get_user_model().objects.get(username="redaction"))
    french = EventPage.objects.get(
        slug="atelier-consommation-equitable", locale__language_code="fr"
    )
    return french, french.get_translations().get().specific


def edit(client, page, **changes):
    url = f"/admin/pages/{page.pk}/edit/"
    data = form_as_shown(BeautifulSoup(client.get(url).content, "html.parser"))
    # The body's blocks are drawn by the admin's script from a JSON attribute, not as fields:
    # posted empty here (the test is about the dates, not the text).
    data.setdefault("body-count", "0")
    data.update(changes)
    return client.post(url, data)


def test_the_copy_saves_unchanged(client, english_copy):
    french, english = english_copy
    response = edit(client, english, title="Fair-trade workshop, every day")
    assert response.status_code == 302
    english.refresh_from_db()
    assert english.get_latest_revision_as_object().title == "Fair-trade workshop, every day"


def test_changing_its_dates_there_is_refused_and_says_where(client, english_copy):
    french, english = english_copy
    before = list(EventDate.objects.filter(page=french).values_list("start", flat=True))
    response = edit(
        client,
        english,
        **{
            "dates-TOTAL_FORMS": "1",
            "dates-0-start": "2027-03-05 18:00",
            "dates-0-end": "2027-03-05 20:00",
            "dates-0-capacity": "999",
            "dates-0-ORDER": "1",
        },
    )
    assert response.status_code == 200
    text = " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())
    assert "Les dates, les billets et les questions se modifient sur la page en français" in text
    assert not EventDate.objects.filter(capacity=999).exists()
    assert list(EventDate.objects.filter(page=french).values_list("start", flat=True)) == before


def test_translating_an_activity_copies_none_of_its_dates_tickets_or_questions(client, demo_site):
    """« Traduire » copied them into rows of the translation's own (a second set of places
    nobody sold, each date twice among the upcoming dates and the shop's pickups)."""
    from django.urls import reverse
    from wagtail.models import Locale

    client.force_login(get_user_model().objects.get(username="billetterie"))
    french = EventPage.objects.get(
        slug="atelier-consommation-equitable", locale__language_code="fr"
    )
    french.get_translations().delete()  # translated anew below
    dates = EventDate.objects.count()
    english = french.copy_for_translation(Locale.objects.get(language_code="en"))
    assert EventDate.objects.count() == dates
    assert not english.dates.exists() and not english.ticket_types.exists()
    assert not english.questions.exists()
    # The copy shows and sells its source's.
    assert [d.pk for d in english.upcoming_dates] == [d.pk for d in french.upcoming_dates]
    listing = client.get(reverse("events_staff:upcoming")).content.decode()
    start = french.upcoming_dates[0]
    assert listing.count(f'href="{reverse("events_staff:attendees", args=[start.pk])}"') == 1


def test_a_translation_saved_with_rows_of_its_own_drops_them(english_copy):
    """An older revision of a translation may carry copied dates: published, they go."""
    french, english = english_copy
    EventDate.objects.create(
        page=english,
        start=french.upcoming_dates[0].start,
        end=french.upcoming_dates[0].end,
        capacity=12,
    )
    english = EventPage.objects.get(pk=english.pk)
    english.dates = list(english.dates.all())
    english.save()
    assert not EventDate.objects.filter(page=english).exists()
    assert EventDate.objects.filter(page=french).count() == len(french.dates.all())


def test_a_translation_shows_the_venue_in_its_language(client, english_copy):
    """« Traduire » kept the French venue on the English copy: its accessibility read
    « Ascenseur ; boucle magnétique… » on the English page."""
    from wagtail.models import Locale

    french, english = english_copy
    venue = french.venue
    english_venue = venue.get_translation(Locale.objects.get(language_code="en"))
    english.venue = venue  # as « Traduire » leaves it
    english.save_revision().publish()
    english.refresh_from_db()
    assert english.venue == english_venue
    # A page still pointing at the French venue (saved before) shows the English copy.
    EventPage.objects.filter(pk=english.pk).update(venue=venue)
    client.logout()
    page = " ".join(
        BeautifulSoup(client.get(english.url).content, "html.parser").get_text(" ").split()
    )
    assert english_venue.name in page
    if english_venue.accessibility:
        assert english_venue.accessibility.split()[0] in page
    if venue.accessibility and venue.accessibility != english_venue.accessibility:
        assert venue.accessibility not in page


def test_a_copied_date_an_order_still_names_stays_and_the_page_still_publishes(english_copy):
    """Before copies were left out, the shop offered copied dates for pickups: a date an order
    names cannot be deleted, and the page saved around it (publish, unpublish) must not fail."""
    from wagtail.actions.unpublish_page import UnpublishPageAction

    from shop.models import Fulfilment

    french, english = english_copy
    start = french.upcoming_dates[0]
    copied = EventDate.objects.create(page=english, start=start.start, end=start.end, capacity=5)
    fulfilment = Fulfilment.objects.exclude(order__state="cancelled").first()
    Fulfilment.objects.filter(pk=fulfilment.pk).update(pickup_date=copied)
    english = EventPage.objects.get(pk=english.pk)
    english.save_revision().publish()
    assert EventDate.objects.filter(pk=copied.pk).exists()  # kept: an order names it
    UnpublishPageAction(english).execute(skip_permission_checks=True)
    english.refresh_from_db()
    assert not english.live
