"""Per-attendee registration: one name field per ticket (editors choose whether names are
asked, and whether they are required), questions asked of each person where editors say so,
and the names and answers on each ticket, the attendee list, its export, the check-in page
and the list a phone keeps offline. Without JavaScript the form shows as many blocks as
tickets were asked for once sent: a missing required name is a clear error, nothing held."""

import csv
import io

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from events import checkin
from events.models import Attendee, AttendeeNames, EventPage, Question
from orders.models import Order, OrderState
from tests.conftest import plain
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def talk(free_activity):
    """The free talk, asking every name and, of each person, their dietary needs."""
    page = free_activity.source
    page.attendee_names = AttendeeNames.REQUIRED
    page.save(update_fields=["attendee_names"])
    Question.objects.create(page=page, label="Besoins alimentaires", per_attendee=True)
    Question.objects.create(page=page, label="Votre organisme")  # once per registration
    return EventPage.objects.get(pk=free_activity.pk)


def questions(page):
    return {q.label: q for q in page.source.questions.all()}


def entry(page):
    return page.source.ticket_types.get(name="Entrée libre")


def post(client, page, data):
    return client.post(page.url + "inscription/", data)


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def error_texts(response):
    return [e.get_text(" ", strip=True) for e in soup(response).select(".error-summary li")]


def shown_blocks(response):
    return [
        b.select_one("legend").get_text(strip=True)
        for b in soup(response).select("[data-attendee-block]")
        if not b.has_attr("hidden")
    ]


def test_each_ticket_gets_its_name_and_answers(client, talk, django_capture_on_commit_callbacks):
    diet, org = questions(talk)["Besoins alimentaires"], questions(talk)["Votre organisme"]
    page = client.get(talk.url + "inscription/")
    assert shown_blocks(page) == ["Personne 1"]
    html = soup(page)
    assert html.select_one("#id_attendee_1_name")["required"] is not None
    # The per-attendee question is asked in each block, not once.
    assert html.select_one(f"#id_question_{diet.pk}") is None
    assert html.select_one(f"#id_attendee_1_question_{diet.pk}") is not None
    assert html.select_one(f"#id_question_{org.pk}") is not None

    data = registration_data(
        talk,
        buyer_email="groupe@example.org",
        **{
            f"quantity_{entry(talk).pk}": 2,
            "attendee_1_name": "Fatou Diallo",
            f"attendee_1_question_{diet.pk}": "Végétarienne",
            "attendee_2_name": "Léa Tremblay",
            f"question_{org.pk}": "AQOCI",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, talk, data)
    assert response.status_code == 302, error_texts(response)
    order = Order.objects.get(buyer_email="groupe@example.org")
    assert order.state == OrderState.PAID
    fatou, lea = Attendee.objects.filter(order_line__order=order).order_by("pk")
    assert (fatou.name, fatou.answers) == ("Fatou Diallo", {"Besoins alimentaires": "Végétarienne"})
    assert (lea.name, lea.answers) == ("Léa Tremblay", {})
    assert order.lines.get().details["answers"] == {"Votre organisme": "AQOCI"}

    # The names on each ticket's page (the QR code's) …
    ticket_page = client.get(reverse("events:ticket", args=[fatou.ticket_code]))
    assert "Fatou Diallo" in soup(ticket_page).get_text(" ")


def test_a_missing_required_name_is_a_clear_error_and_nothing_is_held(client, talk):
    data = registration_data(
        talk,
        buyer_email="sans-nom@example.org",
        **{f"quantity_{entry(talk).pk}": 2, "attendee_1_name": "Fatou Diallo"},
    )
    data.pop("attendee_2_name")  # left empty
    response = post(client, talk, data)
    assert response.status_code == 400
    assert "Indiquez le nom de la personne 2." in error_texts(response)
    link = soup(response).select_one(".error-summary a[href='#id_attendee_2_name']")
    assert link is not None
    field = soup(response).select_one("#id_attendee_2_name")
    assert field["aria-invalid"] == "true"
    assert not Order.objects.filter(buyer_email="sans-nom@example.org").exists()


def test_without_javascript_asking_for_three_tickets_brings_three_blocks_back(client, talk):
    """The form showed one block; three tickets are asked for without names: the form comes
    back with three blocks, the first name kept, an error on each empty one."""
    data = registration_data(
        talk, buyer_email="trois@example.org", **{f"quantity_{entry(talk).pk}": 3}
    )
    data.pop("attendee_1_name", None)
    data.pop("attendee_2_name", None)
    data.pop("attendee_3_name", None)
    data["attendee_1_name"] = "Fatou Diallo"
    response = post(client, talk, data)
    assert response.status_code == 400
    assert shown_blocks(response) == ["Personne 1", "Personne 2", "Personne 3"]
    assert soup(response).select_one("#id_attendee_1_name")["value"] == "Fatou Diallo"
    assert error_texts(response) == [
        "Indiquez le nom de la personne 2.",
        "Indiquez le nom de la personne 3.",
    ]
    assert not Order.objects.filter(buyer_email="trois@example.org").exists()


def test_without_javascript_optional_names_are_asked_before_the_order_is_placed(
    client, free_activity
):
    """The page without its script showed one person; two tickets are asked for: the form
    comes back with two blocks (names are optional: no error on a field), nothing held; sent
    again from that page, the order is placed with both names."""
    page = free_activity.source
    assert page.attendee_names == AttendeeNames.OPTIONAL
    form = soup(client.get(free_activity.url + "inscription/"))
    assert form.select_one("input[name=attendee_blocks_shown]")["value"] == "1"
    data = registration_data(
        free_activity,
        buyer_email="sans-script@example.org",
        **{f"quantity_{entry(free_activity).pk}": 2, "attendee_blocks_shown": "1"},
    )
    data["attendee_1_name"] = "Fatou Diallo"
    response = post(client, free_activity, data)
    assert response.status_code == 400
    # A step of the registration, said as one: not « Il y a un problème » nor « Erreur : ».
    assert error_texts(response) == []
    assert not soup(response).title.get_text().startswith("Erreur")
    step = soup(response).select_one("#names-step")
    assert step["role"] == "status"
    assert plain(step.get_text(" ", strip=True)) == (
        "Une dernière étape Vous demandez 2 billets : indiquez ci-dessous qui vient avec "
        "chacun, puis confirmez."
    )
    assert step.a["href"] == "#attendee-blocks"
    assert shown_blocks(response) == ["Personne 1", "Personne 2"]
    assert soup(response).select_one("input[name=attendee_blocks_shown]")["value"] == "2"
    assert not Order.objects.filter(buyer_email="sans-script@example.org").exists()

    data.update(attendee_blocks_shown="2", attendee_2_name="Léa Tremblay")
    assert post(client, free_activity, data).status_code == 302
    names = Attendee.objects.filter(
        order_line__order__buyer_email="sans-script@example.org"
    ).order_by("pk")
    assert [a.name for a in names] == ["Fatou Diallo", "Léa Tremblay"]


def test_each_person_is_shown_the_type_of_their_ticket(client, activity):
    """Two « Régulier » and one « Étudiant·e »: the people are handed the tickets in the
    form's order, and each block says which one (the page's script does the same live)."""
    regular = activity.source.ticket_types.get(name="Régulier")
    student = activity.source.ticket_types.get(name="Étudiant·e")
    data = registration_data(
        activity,
        **{
            f"quantity_{regular.pk}": 2,
            f"quantity_{student.pk}": 1,
            "attendee_blocks_shown": "1",
        },
    )
    response = post(client, activity, data)
    assert response.status_code == 400
    legends = [b.select_one("legend") for b in soup(response).select("[data-attendee-block]")]
    assert [plain(legend.get_text(" ", strip=True)) for legend in legends[:3]] == [
        "Personne 1 — Régulier",
        "Personne 2 — Régulier",
        "Personne 3 — Étudiant·e",
    ]
    form = soup(response)
    assert form.select_one(f"input[name=quantity_{student.pk}]")["data-ticket"] == "Étudiant·e"


def test_optional_names_may_be_left_empty_and_off_asks_none(client, free_activity):
    page = free_activity.source
    assert page.attendee_names == AttendeeNames.OPTIONAL
    data = registration_data(
        free_activity,
        buyer_email="facultatif@example.org",
        buyer_name="Jean Côté",
        **{f"quantity_{entry(free_activity).pk}": 2, "attendee_2_name": "Léa Tremblay"},
    )
    assert post(client, free_activity, data).status_code == 302
    first, second = Attendee.objects.filter(
        order_line__order__buyer_email="facultatif@example.org"
    ).order_by("pk")
    assert (first.name, second.name) == ("", "Léa Tremblay")
    assert checkin.attendee_name(first) == "Jean Côté"

    page.attendee_names = AttendeeNames.OFF
    page.save(update_fields=["attendee_names"])
    form = soup(client.get(free_activity.url + "inscription/"))
    assert form.select("[data-attendee-block]") == []
    assert form.select("input[name$='_name'][name^='attendee']") == []


def test_names_and_answers_reach_the_attendee_list_export_and_the_door(
    client, talk, django_user_model, django_capture_on_commit_callbacks
):
    diet = questions(talk)["Besoins alimentaires"]
    date = talk.source.upcoming_dates[0]
    data = registration_data(
        talk,
        buyer_email="porte@example.org",
        **{
            f"quantity_{entry(talk).pk}": 2,
            "attendee_1_name": "Fatou Diallo",
            f"attendee_1_question_{diet.pk}": "Végétarienne",
            "attendee_2_name": "Léa Tremblay",
            f"attendee_2_question_{diet.pk}": "Sans gluten",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, talk, data).status_code == 302
    staff = django_user_model.objects.create_superuser("liste", "liste@example.org", "pw")
    client.force_login(staff)

    listing = soup(client.get(reverse("events_staff:attendees", args=[date.pk]))).get_text(" ")
    assert "Fatou Diallo" in listing and "Léa Tremblay" in listing
    assert "Végétarienne" in listing and "Sans gluten" in listing

    export = client.get(reverse("events_staff:export", args=[date.pk, "csv"]))
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    by_name = {row["Nom"]: row for row in rows}
    assert by_name["Fatou Diallo"]["Besoins alimentaires"] == "Végétarienne"
    assert by_name["Léa Tremblay"]["Besoins alimentaires"] == "Sans gluten"

    door = client.get(reverse("events_staff:checkin", args=[date.pk]), {"q": "tremblay"})
    assert "Léa Tremblay" in soup(door).select_one("#search-results").get_text(" ")
    offline = client.get(reverse("events_staff:checkin_tickets", args=[date.pk])).json()
    assert {"Fatou Diallo", "Léa Tremblay"} <= {t["name"] for t in offline["tickets"]}


def test_the_demo_screening_asks_each_name_and_the_cart_leaves_it_to_the_form(client, demo_site):
    screening = EventPage.objects.get(slug="projection-semences", locale__language_code="fr")
    assert screening.attendee_names == AttendeeNames.REQUIRED
    form = soup(client.get(screening.url + "inscription/"))
    assert form.select_one("#id_attendee_1_name").has_attr("required")
    assert "Besoins d'accessibilité" in form.select_one("[data-attendee-block]").get_text(" ")
    school = EventPage.objects.get(slug="animation-droits-enfants", locale__language_code="fr")
    assert school.attendee_names == AttendeeNames.OFF

    # Required names cannot be given in the shop's cart: such tickets stay with the form.
    training = EventPage.objects.get(
        slug="formation-citoyennete-mondiale", locale__language_code="fr"
    )
    ticket = training.source.ticket_types.get()
    assert ticket.sold_through_cart()
    training.attendee_names = AttendeeNames.REQUIRED
    training.save(update_fields=["attendee_names"])
    ticket = training.source.ticket_types.get()
    assert not ticket.sold_through_cart()


def test_more_places_than_are_left_is_said_before_the_names_are_asked(client, free_activity):
    """Two tickets asked where one place is left: the form says so at once, not first
    « indiquez ci-dessous qui vient avec chacun » and the places only once the names were
    typed."""
    from orders.availability import usage
    from orders.models import Quota

    date = free_activity.source.upcoming_dates[0]
    left = usage([date.quota_id])[date.quota_id].left
    data = registration_data(
        free_activity,
        buyer_email="trop@example.org",
        date=date.pk,
        **{f"quantity_{entry(free_activity).pk}": 2, "attendee_blocks_shown": "1"},
    )
    # One place left on the date.
    Quota.objects.filter(pk=date.quota_id).update(size=date.quota.size - left + 1)
    response = post(client, free_activity, data)
    assert response.status_code == 400
    assert [plain(e) for e in error_texts(response)] == [
        f"Il ne reste qu'une place pour « {free_activity.title} »."
    ]
    assert not Order.objects.filter(buyer_email="trop@example.org").exists()
