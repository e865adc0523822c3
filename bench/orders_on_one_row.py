"""Many buyers, one item: how fast `place_order` goes when every order locks the same row.

Every order for an item takes that item's capacity row lock (`select_for_update`), so orders
for one popular activity are serialised by design. This benchmark measures what that costs: C
concurrent clients (threads, or processes with --processes) place orders of 1 to 3 places for
one item of capacity N, in a loop, until it is sold out or the time is up. It then counts from
the database what is held and reports any oversold seat (exit code 1 if there is one).

It needs PostgreSQL (DATABASE_URL) and creates, then drops, its own throwaway database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cesiq \
        .venv/bin/python bench/orders_on_one_row.py --clients 16 --capacity 200 --seconds 20
"""

import argparse
import multiprocessing
import os
import random
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent buyers (16)")
    parser.add_argument("--capacity", type=int, default=200, help="places on the item (200)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit (20 s)")
    parser.add_argument(
        "--processes",
        action="store_true",
        help="one process per client instead of one thread (no GIL between clients)",
    )
    parser.add_argument(
        "--database", default="cesiq_bench", help="throwaway database, dropped at the end"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed for quantities")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.capacity < 1 or args.seconds <= 0:
        parser.error("--clients, --capacity and --seconds must be positive")
    return args


def setup_django():
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must point to PostgreSQL, e.g. postgres://postgres@127.0.0.1/x")
    os.environ["DJANGO_SETTINGS_MODULE"] = "cesiq_site.settings.test"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def client(number, item_pk, seconds, barrier, stop, seed):
    """One buyer placing orders in a loop; returns what it saw."""
    from django.db import connection
    from django.utils import timezone

    from orders import services
    from orders.services import OrderError, Selection
    from tests.testshop.models import Item

    rng = random.Random(None if seed is None else seed + number)
    seen = {"latencies": [], "orders": 0, "seats": 0, "refusals": 0, "errors": []}
    try:
        item = Item.objects.get(pk=item_pk)
        connection.ensure_connection()  # connect before the start, not inside the first timing
        barrier.wait()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not stop.is_set():
            quantity = rng.randint(1, 3)
            started = time.perf_counter()
            try:
                services.place_order(
                    kind="tickets",
                    buyer_name=f"Client {number}",
                    buyer_email=f"client{number}@example.org",
                    language="fr",
                    selections=[Selection(item=item, quantity=quantity)],
                )
            except OrderError:
                seen["refusals"] += 1
                if item.available(timezone.now()) <= 0:
                    stop.set()  # sold out: everyone stops
            else:
                seen["latencies"].append(time.perf_counter() - started)
                seen["orders"] += 1
                seen["seats"] += quantity
    except Exception as exc:  # a deadlock or a lost connection: reported, never hidden
        seen["errors"].append(f"{exc.__class__.__name__}: {exc}")
        stop.set()
    finally:
        connection.close()
    return seen


def run_threads(args, item_pk):
    barrier = threading.Barrier(args.clients + 1)
    stop = threading.Event()
    results = [None] * args.clients

    def run(number):
        results[number] = client(number, item_pk, args.seconds, barrier, stop, args.seed)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def _process_main(number, item_pk, seconds, barrier, stop, seed, queue):
    queue.put((number, client(number, item_pk, seconds, barrier, stop, seed)))


def run_processes(args, item_pk):
    from django.db import connections

    connections.close_all()  # a forked child must never share the parent's connection
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(args.clients + 1)
    stop = context.Event()
    queue = context.Queue()
    processes = [
        context.Process(
            target=_process_main,
            args=(n, item_pk, args.seconds, barrier, stop, args.seed, queue),
        )
        for n in range(args.clients)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    results = [None] * args.clients
    for _ in processes:  # read before joining: a child blocks until its result is read
        number, seen = queue.get()
        results[number] = seen
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    return results, elapsed


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def measure(args):
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Sum
    from django.utils import timezone

    from orders.models import Order, OrderLine
    from tests.testshop.models import Item

    item = Item.objects.create(
        name="Atelier populaire", price=Decimal("25.00"), capacity=args.capacity
    )
    ContentType.objects.get_for_model(Item)  # cached before the clients start

    runner = run_processes if args.processes else run_threads
    results, elapsed = runner(args, item.pk)

    latencies = sorted(lat for seen in results for lat in seen["latencies"])
    orders = sum(seen["orders"] for seen in results)
    seats = sum(seen["seats"] for seen in results)
    refusals = sum(seen["refusals"] for seen in results)
    errors = [error for seen in results for error in seen["errors"]]

    # What the database says, not what the clients believe.
    lines = OrderLine.objects.filter(
        content_type=ContentType.objects.get_for_model(Item), object_id=item.pk
    )
    holding = lines.filter(order__in=Order.objects.holding(timezone.now()))
    held = holding.aggregate(q=Sum("quantity"))["q"] or 0
    oversold = max(0, held - args.capacity)

    mode = "processes" if args.processes else "threads"
    print(f"clients:           {args.clients} {mode}")
    print(f"elapsed:           {elapsed:.2f} s (limit {args.seconds:g} s)")
    print(f"orders placed:     {orders} ({orders / elapsed:.1f} orders/s)")
    print(f"refusals:          {refusals}")
    print(f"latency p50:       {percentile(latencies, 0.50) * 1000:.1f} ms")
    print(f"latency p95:       {percentile(latencies, 0.95) * 1000:.1f} ms")
    print(f"seats sold:        {held} (clients counted {seats})")
    print(f"capacity:          {args.capacity}")
    print(f"oversold seats:    {oversold}")
    if errors:
        print(f"unexpected errors: {len(errors)}")
        for error in sorted(set(errors))[:5]:
            print(f"  {error}")
    return 1 if oversold > 0 or errors or held != seats else 0


def main(argv=None):
    args = parse_args(argv)
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("DATABASE_URL must point to PostgreSQL")
    original = connection.settings_dict["NAME"]
    if args.database == original:
        sys.exit(f"--database {args.database} is the main database; choose a throwaway name")
    connection.settings_dict.setdefault("TEST", {})["NAME"] = args.database
    print(f"creating database {args.database} (migrations)…", file=sys.stderr)
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        return measure(args)
    finally:
        connection.close()
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
