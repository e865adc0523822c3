"""CPU of the Celery worker per paid order's confirmation, with Celery's own work around the
task (issue 13, goal 3).

`checkout_cpu.py` measures the task's body in one process; in production the worker also
fetches each message from Redis, hands it to its pool, acknowledges it and logs it. This
starts a worker as production does (`settings.production`, the broker on REDIS_URL's
database), queues `orders.write_confirmation` for `--orders` paid orders of the database
DATABASE_URL names (a kept `checkout_http.py --keep` database: its webhook orders), waits
until every confirmation is written and sent, and prints the CPU (user + system) of the
worker's processes per task, and how many PostgreSQL connections were opened meanwhile
(`pg_stat_database.sessions`: a backend that started and exited within the round is not in
the PostgreSQL CPU figure, which reads the live backends' CPU):

- `real`: each order's confirmation and outbox rows are removed first, so the task builds and
  sends both emails again, as after a payment;
- `empty`: the same orders, already confirmed: the task locks the order and returns, so
  what is left is Celery's own work per task.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cesiq_checkout_bench \\
    REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/celery_worker.py \\
        [--orders 200] [--pool prefork] [--concurrency 1] [--nice 0] [--repeat 2]

It rewrites those orders' confirmations in that database: use a throwaway one.
"""

import argparse
import os
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checkout_http import Process, cpu_seconds  # noqa: E402
from support import celery_worker_command, skip  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cesiq_site.settings.dev")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200, help="tasks per round (200)")
    parser.add_argument("--pool", default="prefork", help="worker pool (prefork)")
    parser.add_argument("--concurrency", type=int, default=1, help="worker concurrency (1)")
    parser.add_argument("--nice", type=int, default=0, help="start the worker with nice -n N")
    parser.add_argument("--repeat", type=int, default=2, help="rounds of each kind (2)")
    parser.add_argument(
        "--profile", help="write the worker's cProfile stats to this file (pool solo: one thread)"
    )
    parser.add_argument("--kinds", default="real,empty", help="rounds: real, empty (both)")
    parser.add_argument("--extra", default="", help="more worker options, space separated")
    return parser.parse_args(argv)


def worker_command(args):
    profile = ["-m", "cProfile", "-o", args.profile] if args.profile else []
    return celery_worker_command(
        f"--pool={args.pool}",
        f"--concurrency={args.concurrency}",
        *args.extra.split(),
        nice=args.nice,
        python_options=profile,
    )


def reset(order_ids):
    """Remove the orders' confirmations, as if their payment had just been recorded."""
    from django.db import transaction

    from orders.models import Order, OutboxEmail

    with transaction.atomic():
        OutboxEmail.objects.filter(order_id__in=order_ids).delete()
        Order.objects.filter(pk__in=order_ids).update(confirmation_queued_at=None)


def done(order_ids, broker):
    """Every task ran (the queue and kombu's unacknowledged messages are empty) and every
    confirmation is written and sent."""
    from orders.models import Order, OutboxEmail

    if broker.llen("celery") or broker.hlen("unacked"):
        return False

    written = Order.objects.filter(pk__in=order_ids, confirmation_queued_at__isnull=False).count()
    unsent = OutboxEmail.objects.filter(order_id__in=order_ids).exclude(state="sent").count()
    return written == len(order_ids) and unsent == 0


def connections_made():
    """PostgreSQL sessions opened on this database so far (pg_stat_database.sessions)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def run_round(order_ids, sessions, database, broker):
    from orders.tasks import write_confirmation

    opened = connections_made()
    before = cpu_seconds(sessions, database)
    start = time.monotonic()
    for order_id in order_ids:
        write_confirmation.delay(order_id)
    while not done(order_ids, broker):
        time.sleep(0.1)
        if time.monotonic() - start > 600:
            raise RuntimeError("the worker did not finish within 10 minutes")
    elapsed = time.monotonic() - start
    after = cpu_seconds(sessions, database)
    worker = (after["worker"] - before["worker"]) / len(order_ids)
    database_cpu = (after["database"] - before["database"]) / len(order_ids)
    time.sleep(1)  # PostgreSQL's statistics are written at most once a second
    return worker, database_cpu, elapsed, connections_made() - opened


def main(argv=None):
    args = parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not redis_url:
        return skip("DATABASE_URL (PostgreSQL, a kept bench database) and REDIS_URL are needed")
    database = urlsplit(database_url).path.lstrip("/")
    redis_db = int(urlsplit(redis_url).path.lstrip("/") or "0")

    import django

    django.setup()
    import redis

    from orders.models import Order

    order_ids = list(
        Order.objects.filter(state="paid", confirmation_queued_at__isnull=False)
        .order_by("-pk")
        .values_list("pk", flat=True)[: args.orders]
    )
    if len(order_ids) < args.orders:
        sys.exit(f"only {len(order_ids)} paid orders in {database}: run checkout_http.py --keep")
    broker = redis.Redis.from_url(redis_url)
    broker.flushdb()  # this run's broker starts empty
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "STRIPE_", "CESIQ_", "PAGE_CACHE", "REDIS_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="cesiq_site.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        STRIPE_SECRET_KEY="sk_test_bench_celery",
        STRIPE_WEBHOOK_SECRET="whsec_bench_celery",  # noqa: S106 — not a secret
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        REDIS_URL=redis_url,
        REDIS_BROKER_DB=str(redis_db),
        REDIS_CACHE_DB=str(redis_db + 1),
    )
    command = worker_command(args)
    worker = Process("celery worker", command, env)
    try:
        # Warm-up: the worker imports, connects, and runs a few tasks before it is measured.
        reset(order_ids[:5])
        run_round(order_ids[:5], {worker.process.pid}, database, broker)
        load = os.getloadavg()
        print(f"load average before: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        print(" ".join(command[command.index("worker") :] if "worker" in command else command))
        for kind in args.kinds.split(",") * args.repeat:
            if kind == "real":
                reset(order_ids)
            cpu, db_cpu, elapsed, opened = run_round(
                order_ids, {worker.process.pid}, database, broker
            )
            print(
                f"{kind:6} {len(order_ids)} tasks in {elapsed:5.1f} s: worker {cpu * 1000:5.1f} ms"
                f" per task, PostgreSQL {db_cpu * 1000:4.1f} ms (its live connections);"
                f" {opened} PostgreSQL connections opened"
            )
        load = os.getloadavg()
        print(f"load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    finally:
        worker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
