"""A registration form sent twice (a double click, a slow connection, the page sent again from
the browser's history) places one order, and the second sending leads where the first did:
the same confirmation, the same Stripe page. A form changed before it is sent again, or shown
again, is a new registration."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection

from events.models import Attendee, EventPage
from orders.models import Order, OrderState
from orders.services import AlreadyPlaced
from tests.conftest import plain
from tests.events.conftest import hold_places, registration_data
from tests.orders.test_concurrency import run_together

pytestmark = pytest.mark.django_db


def register_url(page):
    return page.url + "inscription/"


def shown_form(client, page):
    """The registration form as a visitor's browser gets it: its own CSRF token."""
    response = client.get(register_url(page))
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    return html.select_one("form input[name=csrfmiddlewaretoken]")["value"]


def sent(page, token, **fields):
    return {**registration_data(page, **fields), "csrfmiddlewaretoken": token}


def messages_of(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [plain(m.get_text(" ", strip=True)) for m in html.select(".messages .message")]


def test_a_free_registration_sent_twice_is_one_registration(
    client, free_activity, django_capture_on_commit_callbacks
):
    ticket = free_activity.source.ticket_types.get(name="Entrée libre")
    date = free_activity.source.upcoming_dates[0]
    left = date.seats_left()
    data = sent(free_activity, shown_form(client, free_activity), **{f"quantity_{ticket.pk}": 2})
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(register_url(free_activity), data)
        second = client.post(register_url(free_activity), data)
    order = Order.objects.get(buyer_email="awa@example.org")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == order.get_absolute_url()
    assert order.state == OrderState.PAID
    assert Attendee.objects.filter(order_line__order__buyer_email="awa@example.org").count() == 2
    assert date.seats_left() == left - 2
    page = client.get(second["Location"])
    assert "Ce formulaire a déjà été envoyé : voici votre commande." in messages_of(page)
    assert "Votre commande est confirmée" in page.content.decode()


def test_a_paid_registration_sent_twice_goes_to_the_same_stripe_page(client, activity, fake_stripe):
    regular = activity.source.ticket_types.get(name="Régulier")
    data = sent(activity, shown_form(client, activity), **{f"quantity_{regular.pk}": 1})
    first = client.post(register_url(activity), data)
    second = client.post(register_url(activity), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"].startswith(fake_stripe.url + "/checkout/")
    assert second["Location"] == first["Location"]
    assert Order.objects.filter(buyer_email="awa@example.org").count() == 1
    assert len(fake_stripe.sessions) == 1
    assert activity.source.upcoming_dates[0].seats_left() == 19


def test_a_form_changed_or_shown_again_is_a_new_registration(
    client, free_activity, django_capture_on_commit_callbacks
):
    ticket = free_activity.source.ticket_types.get(name="Entrée libre")
    token = shown_form(client, free_activity)
    quantity = {f"quantity_{ticket.pk}": 1}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(register_url(free_activity), sent(free_activity, token, **quantity))
        # Back in the history, another person's name and address typed in: a new one.
        client.post(
            register_url(free_activity),
            sent(
                free_activity,
                token,
                buyer_name="Léa Roy",
                buyer_email="lea@example.org",
                **quantity,
            ),
        )
        # The form shown again (a new page, a new token), the same person: a new one too.
        again = sent(free_activity, shown_form(client, free_activity), **quantity)
        response = client.post(register_url(free_activity), again)
    assert response.status_code == 302
    assert Order.objects.filter(buyer_email="awa@example.org").count() == 2
    assert Order.objects.filter(buyer_email="lea@example.org").count() == 1


def test_a_form_sent_again_after_the_last_place_went_shows_its_order(
    client, free_activity, django_capture_on_commit_callbacks
):
    """Its own order took the last places: it is not told the activity is full."""
    ticket = free_activity.source.ticket_types.get(name="Entrée libre")
    date = free_activity.source.upcoming_dates[0]
    date.capacity = date.usage().taken + 2
    date.save()
    data = sent(free_activity, shown_form(client, free_activity), **{f"quantity_{ticket.pk}": 2})
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(register_url(free_activity), data)
        second = client.post(register_url(free_activity), data)
    assert date.seats_left() == 0
    assert second.status_code == 302
    assert second["Location"] == first["Location"]


@pytest.fixture
def committed_workshop(request):
    """The demo's paid workshop, committed: threads with their own connections see it."""
    from tests.conftest import service_missing

    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL (DATABASE_URL) for row locking")
    request.getfixturevalue("committed_demo_site")
    return EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")


def sent_twice_at_once(page, places, **extra):
    """The same form (one `submission`) sent twice at once: one order is placed, the other
    sending is told it was (AlreadyPlaced, naming that order). Returns the order."""
    outcomes = run_together(*[lambda: hold_places(page, places, **extra)] * 2)
    placed = [value for kind, value in outcomes if kind == "ok"]
    refused = [value for kind, value in outcomes if kind == "error"]
    assert len(placed) == 1 and len(refused) == 1, outcomes
    assert isinstance(refused[0], AlreadyPlaced)
    assert refused[0].order.pk == placed[0].pk
    return placed[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_once_places_one_order(committed_workshop):
    date = committed_workshop.upcoming_dates[0]
    left = date.seats_left()
    sent_twice_at_once(committed_workshop, 2, submission="a" * 64)
    assert Order.objects.filter(buyer_email="awa@example.org").count() == 1
    assert date.seats_left() == left - 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_form_with_a_single_use_code_sent_twice_at_once_finds_its_order(
    committed_workshop,
):
    """The second sending waited for the code's lock, then found the code used up by the
    first: it showed that error although its order was placed."""
    from decimal import Decimal

    from orders.models import DiscountCode

    DiscountCode.objects.create(
        code="UNEFOIS", kind="percent", value=Decimal("10"), scope="both", max_uses=1
    )
    sent_twice_at_once(committed_workshop, 1, discount_code="UNEFOIS", submission="c" * 64)


def test_a_paid_form_sent_again_while_its_payment_page_is_made_waits_for_it(
    client, activity, fake_stripe
):
    """The first sending's request makes the Stripe page; the second, finding the order,
    must not make a second attempt beside it (the same attempt key: a server error)."""
    from orders import services as orders
    from orders.models import Payment

    regular = activity.source.ticket_types.get(name="Régulier")
    data = sent(activity, shown_form(client, activity), **{f"quantity_{regular.pk}": 1})
    first = client.post(register_url(activity), data)
    order = Order.objects.get(buyer_email="awa@example.org")
    # As if the second arrived while the first had written its attempt, not yet its page.
    Payment.objects.filter(order=order).update(stripe_session_id=None)
    second = client.post(register_url(activity), data)
    assert second.status_code == 302
    assert second["Location"] == order.get_absolute_url()
    assert Payment.objects.filter(order=order).count() == 1
    with pytest.raises(orders.OrderError, match="en préparation"):
        orders.start_checkout(order, success_url="http://x/", cancel_url="http://x/")
    assert first.status_code == 302
