"""Places are quotas that orders count: whatever form an id arrives in, whoever asks, the count
is one and the same; a buyer never waits forever for a lock."""

import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone, translation

from events import services
from events.models import EventDate, EventPage, TicketQuota, WaitingListEntry
from events.waiting_list import offer_freed_places
from orders import availability
from orders.models import Order, OrderLine, Quota
from orders.services import OrderError


@contextmanager
def held_elsewhere(take_lock):
    """Another connection takes a row lock (`take_lock()` inside its transaction) and keeps it
    until the block ends."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                take_lock()
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        yield
    finally:
        release.set()
        holder.join()


def register(page, date_id, ticket, quantity, email="awa@example.org", **kwargs):
    with translation.override("fr"):
        return _register(page, date_id, ticket, quantity, email, **kwargs)


def _register(page, date_id, ticket, quantity, email, **kwargs):
    return services.register(
        page,
        date_id=date_id,
        tickets=[(ticket, quantity, None)],
        buyer_name="Awa Diallo",
        buyer_email=email,
        language="fr",
        **kwargs,
    )


def test_a_date_id_given_as_a_string_takes_the_same_places(activity):
    date = activity.upcoming_dates[0]
    ticket = activity.ticket_types.filter(hidden_until_code=False).first()
    before = date.seats_left()
    order = register(activity, str(date.pk), ticket, 2)
    assert date.seats_left() == before - 2
    line = order.lines.get()
    assert EventDate.of_line(line) == date
    # Only descriptive data stays in the line's details.
    assert "date" not in line.details


def test_an_unknown_or_foreign_date_changes_nothing(activity, free_activity):
    ticket = activity.ticket_types.first()
    other_date = free_activity.upcoming_dates[0]
    count = Order.objects.count()
    for date_id in ["999999", "abc", other_date.pk, None]:
        with pytest.raises(OrderError, match="Cette date n'existe pas"):
            register(activity, date_id, ticket, 1)
    assert Order.objects.count() == count


def test_everyone_reads_the_same_count(activity):
    """The page, the staff counts and the availability service agree, offers included."""
    from events import checkin, reports

    date = activity.upcoming_dates[0]
    ticket = activity.ticket_types.filter(hidden_until_code=False).first()
    register(activity, date.pk, ticket, 3)
    used = availability.usage([date.quota_id])[date.quota_id]
    assert (used.size, used.held, used.taken) == (date.capacity, 3, 3)
    assert date.seats_left() == date.capacity - 3
    assert checkin.date_counts(date)["held"] == 3
    fill = next(row for row in reports.upcoming_dates(limit=50) if row.date.pk == date.pk)
    assert fill.taken == 3


def test_each_order_and_hold_counts_as_the_rule_says(activity):
    """Paid and refunded lines count less what was given back, pending ones while their hold
    runs, holds while live and not released; nothing else counts."""
    date = activity.upcoming_dates[0]
    ticket = activity.ticket_types.filter(hidden_until_code=False).first()
    now = timezone.now()

    def order(quantity, email, **fields):
        placed = register(activity, date.pk, ticket, quantity, email=f"{email}@example.org")
        Order.objects.filter(pk=placed.pk).update(**fields)
        return placed

    order(2, "paid", state="paid")
    refunded = order(3, "refunded", state="refunded")
    OrderLine.objects.filter(order=refunded).update(returned_quantity=1)
    order(1, "held")
    order(2, "ran-out", expires_at=now - timedelta(seconds=1))
    order(1, "cancelled", state="cancelled")
    order(1, "expired", state="expired")
    availability.hold(date.quota, 1, until=now + timedelta(hours=1))
    availability.hold(date.quota, 2, until=now + timedelta(hours=1)).release()
    availability.hold(date.quota, 3, until=now - timedelta(seconds=1))

    found = availability.usage([date.quota_id, date.quota, 999999, None], now)
    assert list(found) == [date.quota_id]  # unknown ids are left out
    used = found[date.quota_id]
    assert (used.size, used.sold, used.held, used.offered) == (date.capacity, 4, 1, 1)
    assert availability.left(date.quota_id, now) == date.capacity - 6


def test_a_ticket_types_own_limit_is_a_quota_per_date(activity):
    date = activity.upcoming_dates[0]
    student = activity.ticket_types.get(name="Étudiant·e")
    student.places_per_date = 2
    student.save()
    link = TicketQuota.objects.get(ticket_type=student, date=date)
    assert link.quota.size == 2
    register(activity, date.pk, student, 2)
    with pytest.raises(OrderError, match="complet"):
        register(activity, date.pk, student, 1, email="autre@example.org")
    # The date itself still has places for the other ticket type.
    assert date.seats_left() == date.capacity - 2


def test_editors_changing_capacity_resize_the_quota(activity):
    date = activity.upcoming_dates[0]
    date.capacity = 7
    date.save()
    assert Quota.objects.get(pk=date.quota_id).size == 7


def test_a_copied_date_gets_places_of_its_own(activity):
    date = activity.upcoming_dates[0]
    copy = EventDate(page=activity, start=date.start, end=date.end, capacity=4, quota=date.quota)
    copy.save()
    assert copy.quota_id != date.quota_id
    assert Quota.objects.get(pk=copy.quota_id).size == 4


def test_a_waiting_list_offer_holds_places_until_it_is_used(activity):
    date = activity.upcoming_dates[0]
    ticket = activity.ticket_types.filter(hidden_until_code=False).first()
    date.capacity = 2
    date.save()
    entry = WaitingListEntry.objects.create(
        date=date, name="Léa", email="lea@example.org", language="fr", places=2
    )
    [offer] = offer_freed_places(date)
    assert offer.pk == entry.pk and date.usage().offered == 2 and date.seats_left() == 0
    with pytest.raises(OrderError):
        register(activity, date.pk, ticket, 1, email="autre@example.org")
    offer.refresh_from_db()
    register(activity, date.pk, ticket, 2, email="lea@example.org", offer=offer)
    used = date.usage()
    assert (used.offered, used.held, used.taken) == (0, 2, 2)


def test_a_lapsed_offer_stops_counting_without_any_job(activity):
    date = activity.upcoming_dates[0]
    date.capacity = 2
    date.save()
    WaitingListEntry.objects.create(
        date=date, name="Léa", email="lea@example.org", language="fr", places=2
    )
    offer_freed_places(date)
    later = timezone.now() + timedelta(days=2)
    assert date.usage(later).offered == 0


def test_listing_dates_counts_in_one_query(activity, django_assert_num_queries):
    quota_ids = list(Quota.objects.values_list("pk", flat=True))
    assert len(quota_ids) > 10
    with django_assert_num_queries(1):
        used = availability.usage(quota_ids)
    assert set(used) == set(quota_ids)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(CAPACITY_LOCK_TIMEOUT_SECONDS=0.5)
def test_a_buyer_waits_at_most_the_lock_timeout(committed_demo_site):
    """Someone holds the date's lock (a long transaction): the next buyer is told to try again
    in a moment instead of waiting with a hung request, and nothing is written."""
    from tests.conftest import service_missing

    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL (DATABASE_URL) for lock timeouts")
    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    date = page.upcoming_dates[0]
    ticket = page.ticket_types.filter(hidden_until_code=False).first()
    with held_elsewhere(lambda: availability.lock([date.quota_id])):
        count = Order.objects.count()
        started = time.monotonic()
        with pytest.raises(OrderError, match="Beaucoup de demandes en ce moment"):
            register(page, date.pk, ticket, 1)
        waited = time.monotonic() - started
        assert 0.4 < waited < 5, waited
        assert Order.objects.count() == count
        assert not OrderLine.objects.filter(order__buyer_email="awa@example.org").exists()
    # Once the lock is free, the same purchase goes through.
    register(page, date.pk, ticket, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(CAPACITY_LOCK_TIMEOUT_SECONDS=0.5)
def test_a_buyer_waits_at_most_the_lock_timeout_for_a_busy_discount_code(committed_demo_site):
    """Every buyer of a popular code locks its row: the wait is bounded the same way."""
    from orders.models import DiscountCode
    from tests.conftest import service_missing

    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL (DATABASE_URL) for lock timeouts")
    code = DiscountCode.objects.create(code="POPULAIRE", kind="percent", value=10, scope="both")
    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    date = page.upcoming_dates[0]
    ticket = page.ticket_types.filter(hidden_until_code=False).first()
    with held_elsewhere(lambda: DiscountCode.objects.select_for_update().get(pk=code.pk)):
        count = Order.objects.count()
        started = time.monotonic()
        with pytest.raises(OrderError, match="Beaucoup de demandes en ce moment"):
            register(page, date.pk, ticket, 1, discount_code="POPULAIRE")
        assert time.monotonic() - started < 5
        assert Order.objects.count() == count
    assert register(page, date.pk, ticket, 1, discount_code="POPULAIRE").discount_code == code
