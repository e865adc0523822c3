"""No oversell, no extra discount use, no double payment, under real concurrent buyers.

These tests start real threads, each with its own database connection, released together by a
barrier, against PostgreSQL (row locks with `select_for_update`; SQLite serialises writers and
proves nothing here). Without DATABASE_URL pointing to PostgreSQL they are skipped locally and
fail in CI.
"""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orders import services
from orders.models import (
    DiscountCode,
    Order,
    OrderLine,
    OrderLogEntry,
    OrderState,
    OutboxEmail,
    Payment,
    PaymentState,
    Refund,
)
from orders.services import OrderError, Selection
from tests.conftest import service_missing

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

JOIN_TIMEOUT = 30  # seconds; a thread still running after this is stuck (deadlock, lost lock)


@pytest.fixture(autouse=True, scope="session")
def postgres_only():
    # Session scope: checked before the test database is even created.
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL (DATABASE_URL) for row locking")


def run_together(*calls):
    """Run each callable in its own thread, all released at once; return their outcomes.

    An outcome is ("ok", value) or ("error", exception), in the order of `calls`. Each thread
    closes its own database connection, so that the test database can be flushed and dropped.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            outcomes[index] = ("ok", call())
        except Exception as exc:  # reported by the caller
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, call), daemon=True)
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    assert not stuck, f"{stuck} thread(s) still running after {JOIN_TIMEOUT} s: deadlock?"
    return outcomes


def split(outcomes):
    """(successes, OrderErrors); any other exception fails the test with its traceback."""
    ok, refused = [], []
    for kind, value in outcomes:
        if kind == "ok":
            ok.append(value)
        elif isinstance(value, OrderError):
            refused.append(value)
        else:
            raise value
    return ok, refused


def held(item, now=None):
    """Quantity of `item` on the lines of holding orders, read from the database."""
    lines = OrderLine.objects.filter(
        content_type=ContentType.objects.get_for_model(item),
        object_id=item.pk,
        order__in=Order.objects.holding(now),
    )
    return lines.aggregate(q=Sum("quantity"))["q"] or 0


class HeldWatcher:
    """Polls the committed held quantity of an item while buyers run; keeps the maximum."""

    def __init__(self, item):
        self.item = item
        self.maximum = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self):
        try:
            while True:  # at least one sample, and one more after the buyers are done
                self.maximum = max(self.maximum, held(self.item))
                self.samples += 1
                if self._stop.wait(0.002):
                    break
        finally:
            connection.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(timeout=JOIN_TIMEOUT)


def buyer(item, quantity, language, discount_code="", number=0):
    """A buyer placing one order, in their own language, from their own thread."""

    def buy():
        with translation.override(language):
            return services.place_order(
                kind="tickets",
                buyer_name=f"Personne {number}",
                buyer_email=f"personne{number}@example.org",
                language=language,
                selections=[Selection(item=item, quantity=quantity)],
                discount_code=discount_code,
            ).pk

    return buy


def language_of(number):
    return ("fr", "en")[number % 2]


def messages_by_language(make_message):
    """{language: message} for a message built with gettext under each site language."""
    result = {}
    for language in ("fr", "en"):
        with translation.override(language):
            result[language] = make_message()
    return result


def assert_refusals(outcomes, expected_by_language):
    """Every refused buyer got the expected message, in their own language."""
    for number, (kind, value) in enumerate(outcomes):
        if kind == "error":
            assert str(value) == expected_by_language[language_of(number)], number


def test_concurrent_buyers_never_oversell_single_places(make_item):
    item = make_item(name="Atelier", price=Decimal("25.00"), capacity=5)
    # The demo's own orders are there when this is the run's first test that commits.
    existing = list(Order.objects.values_list("pk", flat=True))
    buyers = [buyer(item, 1, language_of(n), number=n) for n in range(25)]

    with HeldWatcher(item) as watcher:
        outcomes = run_together(*buyers)
    placed, refused = split(outcomes)

    assert len(placed) == 5
    assert len(refused) == 20
    assert_refusals(
        outcomes, messages_by_language(lambda: _("« %(item)s » est complet.") % {"item": item})
    )
    assert held(item) == 5
    assert watcher.samples > 0 and watcher.maximum <= 5
    new_orders = Order.objects.exclude(pk__in=existing)
    assert new_orders.count() == 5
    assert set(new_orders.values_list("pk", flat=True)) == set(placed)


def test_concurrent_buyers_of_two_places_with_seven_left(make_item, now):
    item = make_item(name="Atelier", price=Decimal("25.00"), capacity=10)
    earlier = buyer(item, 3, "fr", number=100)()  # an active hold: counts
    with translation.override("fr"):  # an expired hold: no longer counts, without any job
        services.place_order(
            kind="tickets",
            buyer_name="Ancienne",
            buyer_email="ancienne@example.org",
            language="fr",
            selections=[Selection(item=item, quantity=4)],
            now=now - services.hold_duration() - timedelta(minutes=1),
        )
    assert item.available(timezone.now()) == 7

    buyers = [buyer(item, 2, language_of(n), number=n) for n in range(20)]
    with HeldWatcher(item) as watcher:
        outcomes = run_together(*buyers)
    placed, refused = split(outcomes)

    assert len(placed) == 3  # 3 × 2 = 6 of the 7 places left
    assert len(refused) == 17
    assert_refusals(
        outcomes,
        messages_by_language(
            lambda: (
                ngettext(
                    "Il ne reste qu'une place pour « %(item)s ».",
                    "Il ne reste que %(left)s places pour « %(item)s ».",
                    1,
                )
                % {"left": 1, "item": item}
            )
        ),
    )
    assert held(item) == 3 + 6
    assert watcher.samples > 0 and watcher.maximum <= 10
    assert OrderLine.objects.filter(order__pk__in=placed).aggregate(q=Sum("quantity"))["q"] == 6
    assert earlier not in placed


def test_discount_code_is_never_used_more_than_allowed(make_item, discount):
    item = make_item(name="Atelier", price=Decimal("25.00"), capacity=1000)
    code = discount(code="SOLIDAIRE", max_uses=3)
    existing = list(Order.objects.values_list("pk", flat=True))

    buyers = [
        buyer(item, 1, language_of(n), discount_code="solidaire", number=n) for n in range(15)
    ]
    outcomes = run_together(*buyers)
    placed, refused = split(outcomes)

    assert len(placed) == 3
    assert len(refused) == 12
    assert_refusals(
        outcomes,
        messages_by_language(
            lambda: (
                _("Le code de rabais « %(code)s » a déjà été utilisé le nombre de fois permis.")
                % {"code": "SOLIDAIRE"}
            )
        ),
    )
    assert Order.objects.filter(discount_code=code).count() == 3
    assert Order.objects.exclude(pk__in=existing).count() == 3
    assert DiscountCode.objects.get(pk=code.pk).times_used == 3
    assert held(item) == 3


def test_same_payment_applied_concurrently_is_applied_once(make_item):
    item = make_item(name="Atelier", price=Decimal("25.00"), capacity=100)
    rounds = 5  # several orders raced at once, two threads per payment
    orders, calls = [], []
    for number in range(rounds):
        order_pk = buyer(item, 2, "fr", number=number)()
        order = Order.objects.get(pk=order_pk)
        payment = Payment.objects.create(
            order=order,
            amount=order.total,
            idempotency_key=f"checkout:{order.code}:1",
            stripe_session_id=f"cs_test_race_{number}",
            state=PaymentState.CREATED,
        )
        orders.append(order)
        for _thread in range(2):
            calls.append(
                lambda payment_pk=payment.pk, amount=order.total: services.apply_payment(
                    Payment.objects.get(pk=payment_pk),
                    amount=amount,
                    currency="cad",
                    payment_intent=f"pi_test_{payment_pk}",
                )
            )
    mail.outbox = []

    outcomes = run_together(*calls)
    results, refused = split(outcomes)

    assert not refused
    for number, order in enumerate(orders):
        # Per payment, exactly one of the two calls applied it.
        assert sorted(results[2 * number : 2 * number + 2]) == [False, True]
        order.refresh_from_db()
        assert order.state == OrderState.PAID
        assert order.paid_at is not None
        assert not order.attention
        payment = order.payments.get()
        assert payment.state == PaymentState.PAID
        assert payment.amount == order.total
        assert order.balance == order.total
        assert OrderLogEntry.objects.filter(order=order, action="payment_received").count() == 1
        assert OrderLogEntry.objects.filter(order=order, action="state:paid").count() == 1
        confirmations = OutboxEmail.objects.filter(key=f"order_confirmed:{order.code}")
        assert confirmations.count() == 1
        assert confirmations.get().to == order.buyer_email
        assert not Refund.objects.filter(order=order).exists()
        assert order.lines.filter(fulfilled=True).count() == order.lines.count() == 1
    item.refresh_from_db()
    assert item.fulfilled_count == rounds  # one line per order, fulfilled once
    sent = [m for m in mail.outbox if m.to == ["personne0@example.org"]]
    assert len(sent) == 1  # the outbox row was sent once, after commit
