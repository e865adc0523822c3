"""The full paid checkout over HTTP: many buyers for few seats, through the fake Stripe.

What a buyer does, each with their own cookies and address (X-Forwarded-For, as a proxy in
front of the site writes it):

1. GET the activity page, then its registration form (which carries the CSRF token);
2. POST the form (one place) and follow the redirection to the fake Stripe's hosted checkout;
3. press « Payer » there: the fake Stripe sends `checkout.session.completed` to the site's
   webhook, then redirects the buyer to the site;
4. GET the confirmation page (the order's receipt) it lands on.

`--buyers` (150) buyers for `--capacity` (100) places of one activity date, `--concurrency`
(20) at a time. A buyer who finds it sold out (the form refused, or registrations closed) counts
as refused. Then the webhook alone: `--events` (400) `checkout.session.completed` events of
orders placed beforehand (paid at the fake Stripe, events held), POSTed by 20 clients as
Stripe's servers would, then every one of them again (replays).

Everything runs as in production and is stopped at the end:

- a throwaway PostgreSQL database (`--database`, dropped at the end unless `--keep`), with the
  migrations and the demo content (`seed_demo`: the page chrome every page has), then two
  activities made for the run (`--reuse` skips the migrations and the seed on a kept database);
- the fake Stripe (`python -m devtools.fake_stripe`) on a free port, its webhooks to the site;
- gunicorn with `cesiq_site.settings.production` on a free port, the process model given by
  `--workers`, `--worker-class` and `--threads` (default: the Dockerfile's, 2 gthread workers of
  4 threads on this 2-core machine); cache and Celery broker on Redis (REDIS_URL's database and
  the next one, both emptied first);
- one Celery worker (`--concurrency=1`, as production's separate worker) that builds the
  confirmations the webhook queued and sends them (to Django's locmem backend: nothing leaves),
  started with `nice -n 10` as docker-compose.yml starts it (`--worker-nice`, 0 for none).

Before the buyers, each process is warmed up as a site running for days would be: the
activity page is asked for four times, and one more paid order's event is sent to the webhook,
so that the worker builds one confirmation (its first imports the QR code and calendar
libraries and compiles the email templates) and both web processes have served a webhook.

Printed: orders/s, buyer p50/p95 (the whole journey, first request to the confirmation page),
seats sold and capacity from the database, oversold seats (places held by paid or still-held
orders minus the date's capacity), webhook first-time events/s and replays/s, and what the
database says about each payment (applied once) and each confirmation (written once, sent).
Exit code 1 below a goal (`--goal-rate` 20 orders/s, `--goal-p50` 1 s, `--goal-events`
200 events/s), on any oversold seat, on a payment applied twice or not at all, on a
confirmation missing, or on an unexpected answer.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cesiq REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/checkout_http.py

Without PostgreSQL or Redis it says what is missing and exits 0 (2 with CI=true).
"""

import argparse
import concurrent.futures
import html.parser
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from support import (
    PYTHON,
    ROOT,
    admin_sql,
    celery_worker_command,
    free_port,
    manage,
    skip,
    with_database,
)

WEBHOOK_PATH = "/payments/stripe/webhook/"
STRIPE_KEY = "sk_test_bench_checkout"  # the fake Stripe's test key, not a secret
WEBHOOK_SECRET = "whsec_bench_checkout"  # noqa: S105 — signs the fake Stripe's events here only


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=150, help="buyers (150)")
    parser.add_argument("--capacity", type=int, default=100, help="places on the date (100)")
    parser.add_argument("--concurrency", type=int, default=20, help="buyers at a time (20)")
    parser.add_argument("--events", type=int, default=400, help="webhook events (400)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--worker-class", default="gthread", help="gunicorn worker class")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (4)")
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=10,
        help="the Celery worker's niceness, as docker-compose.yml's (10; 0: none)",
    )
    parser.add_argument("--goal-rate", type=float, default=20.0, help="orders/s (20)")
    parser.add_argument("--goal-p50", type=float, default=1.0, help="buyer p50, seconds (1)")
    parser.add_argument("--goal-events", type=float, default=200.0, help="events/s (200)")
    parser.add_argument(
        "--database", default="cesiq_bench_checkout", help="throwaway database (dropped)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    parser.add_argument(
        "--reuse", action="store_true", help="database kept by --keep: skip migrations and seed"
    )
    parser.add_argument("--profile", help="gunicorn workers write cProfile stats to this folder")
    parser.add_argument(
        "--request-cpu",
        action="store_true",
        help="print the CPU of each kind of request during the checkout (gunicorn hooks)",
    )
    parser.add_argument("--phase", help=argparse.SUPPRESS)  # fixture / report, run by the bench
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--slug", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def wait_for_worker(broker_url, timeout=300):
    """Seconds until the Celery worker has taken and acknowledged every task in the broker
    (kombu's Redis transport: the `celery` list, the `unacked` hash)."""
    import redis

    broker = redis.Redis.from_url(broker_url)
    start = time.monotonic()
    while broker.llen("celery") or broker.hlen("unacked"):
        if time.monotonic() - start > timeout:
            break
        time.sleep(0.1)
    return time.monotonic() - start


def percentile(sorted_values, fraction):
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


# --- processes -------------------------------------------------------------------------------


class Process:
    """A child process in its own session, stopped with its children."""

    def __init__(self, name, command, env, ready=None, timeout=60):
        self.name = name
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        if ready is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{name} exited with {self.process.returncode}")
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{name} was not ready within {timeout} s")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def answers(port, path, timeout=2):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        return connection.getresponse().status < 500
    finally:
        connection.close()


PARTS = {"web": "gunicorn", "worker": "Celery worker", "stripe": "fake Stripe"}


def cpu_seconds(sessions, database):
    """CPU time (user + system) used so far by the processes of these sessions (gunicorn and
    its workers, the Celery worker, the fake Stripe) and by the PostgreSQL backends serving
    `database`: what the machine spends, whatever else shares it."""
    tick = os.sysconf("SC_CLK_TCK")
    total = {"site": 0.0, "database": 0.0, "web": 0.0, "worker": 0.0, "stripe": 0.0}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        if int(fields[3]) in sessions:  # the session id
            total["site"] += used
            kind = (
                "worker" if "celery" in command else "stripe" if "fake_stripe" in command else "web"
            )
            total[kind] += used
        elif command.startswith("postgres:") and f" {database} " in command:
            total["database"] += used
    return total


# --- the buyers ------------------------------------------------------------------------------


class FormParser(html.parser.HTMLParser):
    """The fields of the registration form (method=post), with their default values."""

    def __init__(self):
        super().__init__()
        self.fields, self.radios, self.inside = {}, {}, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.inside = "registration-form" in (attrs.get("class") or "")
        elif tag == "input" and self.inside and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            name = attrs["name"]
            if kind == "radio":
                self.radios.setdefault(name, attrs.get("value", ""))
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value", "")
            elif kind == "checkbox":
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value", "on")
            elif kind not in ("submit", "button"):
                self.fields[name] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


class Browser:
    """One buyer: cookies (Secure ones too: the bench speaks plain HTTP to gunicorn, as a TLS
    proxy in front would), one keep-alive connection per host, an address of its own."""

    def __init__(self, address):
        self.cookies = {}
        self.connections = {}
        self.headers = {"X-Forwarded-For": address, "User-Agent": "cesiq-bench/1.0"}

    def request(self, method, url, body=None, extra=None):
        parts = urlsplit(url)
        key = (parts.hostname, parts.port)
        connection = self.connections.get(key)
        if connection is None:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            self.connections[key] = connection
        headers = dict(self.headers, **(extra or {}))
        if self.cookies and key == self.site:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()  # a kept-alive connection the server had closed
                if attempt == 2:
                    raise
        if key == self.site:
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.page_cache = response.getheader("X-Page-Cache")
        return response.status, response.getheader("Location"), content.decode(errors="replace")

    def close(self):
        for connection in self.connections.values():
            connection.close()


ACTIVITY_PAGE_CACHE = []  # X-Page-Cache of each buyer's first request (list.append: thread-safe)
FORM_PAGE_CACHE = []  # and of their registration form


def buyer(number, base, activity_path):
    """One buyer's journey; returns (outcome, seconds, detail)."""
    browser = Browser(f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}")
    browser.site = (urlsplit(base).hostname, urlsplit(base).port)
    started = time.perf_counter()
    try:
        status, _loc, _page = browser.request("GET", base + activity_path)
        ACTIVITY_PAGE_CACHE.append(browser.page_cache)
        if status != 200:
            return "error", 0, f"activity page answered {status}"
        register = base + activity_path + "inscription/"
        status, _loc, page = browser.request("GET", register)
        FORM_PAGE_CACHE.append(browser.page_cache)
        parser = FormParser()
        parser.feed(page)
        if status == 200 and "csrfmiddlewaretoken" not in parser.fields:
            return "refused", time.perf_counter() - started, "registrations closed"
        if status != 200:
            return "error", 0, f"registration form answered {status}"
        fields = dict(parser.fields)
        for name, value in parser.radios.items():
            fields.setdefault(name, value)  # the date, the payment (card comes first)
        fill_registration(fields, number)
        status, location, page = browser.request(
            "POST", register, urlencode(fields), {"Origin": base, "Referer": register}
        )
        if status != 302:
            if status == 400 and any(
                s in page for s in ("Complet", "est complet", "Il ne reste que")
            ):
                return "refused", time.perf_counter() - started, "sold out"
            return "error", 0, f"registration POST answered {status}: {page[:300]}"
        if "/checkout/" not in location:
            return "error", 0, f"registration sent the buyer to {location}"
        status, _loc, page = browser.request("GET", location)  # the hosted checkout page
        if status != 200 or "/pay" not in page:
            return "error", 0, f"checkout page answered {status}"
        status, back, _page = browser.request("POST", location + "/pay", b"")
        if status != 303 or not back:
            return "error", 0, f"pay answered {status}"
        back = urlunsplit(urlsplit(back)._replace(scheme="http", netloc=urlsplit(base).netloc))
        status, _loc, page = browser.request("GET", back)
        elapsed = time.perf_counter() - started
        if status != 200:
            return "error", 0, f"confirmation page answered {status}"
        return "paid", elapsed, "waiting" if "payment-wait" in page else "confirmed"
    except Exception as exc:  # reported, never hidden
        return "error", 0, f"{type(exc).__name__}: {exc}"
    finally:
        browser.close()


def request_kind(method, path, activity_path):
    if path == WEBHOOK_PATH:
        return "Stripe webhook"
    if path == activity_path:
        return "activity page"
    if path == activity_path + "inscription/":
        return "registration form" if method == "GET" else "registration POST"
    if "/commande/" in path:
        return "receipt page"
    return f"other ({method} {path[:40]})"


def print_request_cpu(folder, window, activity_path, paid):
    """The CPU of each kind of request the web processes served while the buyers bought
    (`request_cpu_gunicorn.py` wrote them down)."""
    spent = {}
    for name in Path(folder).glob("requests-*.json"):
        for wall, method, path, cpu in json.loads(name.read_text()):
            if window[0] <= wall <= window[1]:
                kind = request_kind(method, path, activity_path)
                count, total = spent.get(kind, (0, 0.0))
                spent[kind] = (count + 1, total + cpu)
    print("\nweb requests during the checkout (thread CPU, from gunicorn's hooks)")
    print(f"{'request':<22} {'count':>6} {'ms each':>8} {'ms per paid order':>18}")
    for kind, (count, total) in sorted(spent.items(), key=lambda item: -item[1][1]):
        per_order = total / paid * 1000 if paid else 0
        print(f"{kind:<22} {count:>6} {total / count * 1000:>8.1f} {per_order:>18.1f}")
    count = sum(c for c, _t in spent.values())
    total = sum(t for _c, t in spent.values()) / max(paid, 1) * 1000
    print(f"{'all':<22} {count:>6} {'':>8} {total:>18.1f}")


def run_buyers(base, activity_path, args):
    with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
        started = time.perf_counter()
        results = list(pool.map(lambda n: buyer(n, base, activity_path), range(1, args.buyers + 1)))
        elapsed = time.perf_counter() - started
    return results, elapsed


# --- the webhook alone -----------------------------------------------------------------------


def post_events(port, events, concurrency):
    """POST signed events as Stripe's servers do (a connection per client); returns the
    answers' bodies and the seconds it took."""
    sys.path.insert(0, str(ROOT))
    from devtools.fake_stripe.wire import sign_payload

    local = threading.local()

    def send(event):
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=60
            )
        payload = json.dumps(event, indent=2).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign_payload(payload, WEBHOOK_SECRET),
        }
        for attempt in (1, 2):
            try:
                connection.request("POST", WEBHOOK_PATH, body=payload, headers=headers)
                response = connection.getresponse()
                return response.status, response.read().decode()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                connection.close()
                if attempt == 2:
                    raise
        return None

    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        started = time.perf_counter()
        answers_ = list(pool.map(send, events))
        elapsed = time.perf_counter() - started
    return answers_, elapsed


# --- inside Django (run as subprocesses with the production settings) -------------------------


def django_setup():
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fill_registration(fields, number):
    """The registration form's fields as buyer `number` fills them: one place of the first
    ticket, a name, an address and the consent (the spam trap's field left empty)."""
    quantities = sorted(name for name in fields if name.startswith("quantity_"))
    fields.update(dict.fromkeys(quantities, "0"))
    fields[quantities[0]] = "1"
    fields.update(
        buyer_name=f"Acheteuse {number}",
        buyer_email=f"acheteuse{number}@example.org",
        consent="on",
        website="",
    )
    return fields


def bench_activity(slug, title, capacity):
    """A published activity with one date of `capacity` places and one 25 $ ticket, in 20
    days (Django set up). `checkout_cpu.py` uses it too."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from events.models import EventDate, EventIndexPage, EventPage, TicketType

    index = EventIndexPage.objects.filter(locale__language_code="fr").first().specific
    start = timezone.now().replace(microsecond=0) + timedelta(days=20)
    page = EventPage(
        title=title,
        slug=slug,
        summary="Une activité très demandée, pour mesurer la vente en ligne.",
        audience="adultes",
        format="atelier",
        attendance_mode="presentiel",
        max_places_per_order=10,
        body=[("paragraph", "<p>Une activité très demandée.</p>")],
    )
    index.add_child(instance=page)
    page.dates.add(EventDate(start=start, end=start + timedelta(hours=2), capacity=capacity))
    page.ticket_types.add(
        TicketType(
            name="Régulier",
            name_en="Regular",
            kind="fixed",
            price=Decimal("25.00"),
            max_per_order=10,
        )
    )
    page.save()
    page.save_revision().publish()
    return page


def phase_fixture(args):
    """Two activities made for this run, and `--events` orders paid at a fake Stripe whose
    events are kept (not sent) for the webhook phase. Writes what the bench needs to --out."""
    django_setup()
    import logging

    from django.test import override_settings

    from devtools.fake_stripe import FakeStripe
    from orders import services
    from orders.services import Selection

    logging.getLogger("stripe").setLevel(logging.WARNING)  # one line per request otherwise

    sale = bench_activity(f"{args.slug}-vente", "Atelier très demandé", args.capacity)
    hooks = bench_activity(f"{args.slug}-webhooks", "Atelier des webhooks", args.events + 10)
    date, ticket = hooks.dates.get(), hooks.ticket_types.get()

    fake = FakeStripe(api_key_prefix="sk_test_").start()  # no webhook_url: events kept
    try:
        with override_settings(STRIPE_API_BASE=fake.url):
            connection = http.client.HTTPConnection("127.0.0.1", urlsplit(fake.url).port)
            for number in range(args.events + 1):  # the first one warms the worker up
                order = services.place_order(
                    kind="tickets",
                    buyer_name=f"Webhook {number}",
                    buyer_email=f"webhook{number}@example.org",
                    language="fr",
                    selections=[Selection(item=ticket, quantity=1, option=date)],
                )
                url = services.start_checkout(
                    order, success_url="http://127.0.0.1/ok", cancel_url="http://127.0.0.1/"
                )
                connection.request("POST", urlsplit(url).path + "/pay", body=b"")
                response = connection.getresponse()
                response.read()
                if response.status != 303:
                    raise RuntimeError(f"fake Stripe's pay answered {response.status}")
        events = [e for e in fake.events if e["type"] == "checkout.session.completed"]
    finally:
        fake.stop()
    Path(args.out).write_text(
        json.dumps(
            {
                "activity_path": sale.url,
                "sale_page": sale.pk,
                "hooks_page": hooks.pk,
                "events": events,
            }
        )
    )


def phase_report(args):
    """What the database says after the run, as JSON on --out. Waits (up to 180 s) for the
    worker to write and send every paid order's confirmation first."""
    django_setup()
    from django.db.models import Count, Q, Sum
    from django.utils import timezone

    from events.models import EventDate
    from orders.models import (
        Order,
        OrderLine,
        OrderLogEntry,
        OutboxEmail,
        Payment,
        PaymentState,
        StripeEvent,
    )

    fixture = json.loads(Path(args.slug).read_text())
    pages = [fixture["sale_page"], fixture["hooks_page"]]
    report = {}
    for name, page_id in zip(("sale", "hooks"), pages, strict=True):
        date = EventDate.objects.get(page_id=page_id)
        lines = OrderLine.objects.filter(quotas=date.quota_id)
        orders = Order.objects.filter(pk__in=lines.values("order_id"))
        held = (
            lines.filter(order__in=Order.objects.holding(timezone.now())).aggregate(
                q=Sum("quantity")
            )["q"]
            or 0
        )
        paid_orders = orders.filter(state="paid")
        applied = (
            OrderLogEntry.objects.filter(order__in=orders, action="payment_received")
            .values("order_id")
            .annotate(n=Count("pk"))
        )
        times = [row["n"] for row in applied]
        deadline = time.monotonic() + 180
        while True:
            missing = paid_orders.filter(
                ~Q(emails__key__startswith="order_confirmed:", emails__state="sent")
            ).count()
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(1)
        report[name] = {
            "capacity": date.capacity,
            "held": held,
            "oversold": max(0, held - date.capacity),
            "orders": orders.count(),
            "paid": paid_orders.count(),
            "paid_seats": lines.filter(order__state="paid").aggregate(q=Sum("quantity"))["q"] or 0,
            "payments_paid": Payment.objects.filter(
                order__in=orders, state=PaymentState.PAID
            ).count(),
            "applied_twice": sum(1 for n in times if n > 1),
            "applied_once": sum(1 for n in times if n == 1),
            "confirmations_written": paid_orders.filter(
                confirmation_queued_at__isnull=False
            ).count(),
            "confirmations_sent": OutboxEmail.objects.filter(
                order__in=paid_orders, key__startswith="order_confirmed:", state="sent"
            ).count(),
            "confirmation_keys": OutboxEmail.objects.filter(
                order__in=paid_orders, key__startswith="order_confirmed:"
            ).count(),
        }
    # How long after the webhook recorded each of the burst's events its payment was applied
    # (the worker applies them: a burst waits in its queue).
    events = fixture["events"][1:]
    received = dict(
        StripeEvent.objects.filter(event_id__in=[e["id"] for e in events]).values_list(
            "event_id", "received_at"
        )
    )
    paid_at = dict(
        Payment.objects.filter(
            stripe_session_id__in=[e["data"]["object"]["id"] for e in events]
        ).values_list("stripe_session_id", "paid_at")
    )
    report["hooks"]["applied_after"] = sorted(
        (paid_at[e["data"]["object"]["id"]] - received[e["id"]]).total_seconds()
        for e in events
        if paid_at.get(e["data"]["object"]["id"]) and e["id"] in received
    )
    Path(args.out).write_text(json.dumps(report))


# --- the run -----------------------------------------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    if args.phase == "fixture":
        return phase_fixture(args)
    if args.phase == "report":
        return phase_report(args)
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        return skip("DATABASE_URL must point to PostgreSQL (production-like settings)")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        return skip("REDIS_URL is not set (the production cache and broker are Redis)")
    if args.database == urlsplit(server_url).path.lstrip("/"):
        sys.exit(f"--database {args.database} is DATABASE_URL's database; choose a throwaway name")
    redis_db = int(urlsplit(redis_url).path.lstrip("/") or "0")

    work = Path(tempfile.mkdtemp(prefix="cesiq-bench-checkout-"))
    database_url = with_database(server_url, args.database)
    common = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "STRIPE_", "CESIQ_", "PAGE_CACHE", "REDIS_"))
    }
    common.update(
        DATABASE_URL=database_url,
        CESIQ_VAR_DIR=str(work / "var"),
        DJANGO_MEDIA_ROOT=str(work / "media"),
        DJANGO_STATIC_ROOT=str(work / "static"),
    )
    seed_env = {**common, "DJANGO_SETTINGS_MODULE": "cesiq_site.settings.dev"}
    stripe_port, site_port = free_port(), free_port()
    base = f"http://127.0.0.1:{site_port}"
    production = {
        **common,
        "DJANGO_SETTINGS_MODULE": "cesiq_site.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_CSRF_TRUSTED_ORIGINS": base,
        "STRIPE_SECRET_KEY": STRIPE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": f"http://127.0.0.1:{stripe_port}",
        "WAGTAILADMIN_BASE_URL": base,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        # Behind a proxy that writes the buyer's address: each buyer is counted as itself by
        # the rate limits and the per-connection cap on unpaid holds.
        "CESIQ_CLIENT_IP_HEADER": "X-Forwarded-For",
        "REDIS_URL": redis_url,
        "REDIS_BROKER_DB": str(redis_db),
        "REDIS_CACHE_DB": str(redis_db + 1),
    }
    status = 0
    processes = []
    slug = f"bench-{int(time.time())}"
    fixture_file, report_file = work / "fixture.json", work / "report.json"
    buyers_window, results, activity = [], [], ""  # what the finally clause reads
    try:
        import redis

        for db in (redis_db, redis_db + 1):  # this run's broker and cache start empty
            redis.Redis.from_url(with_database(redis_url, str(db))).flushdb()
        if not args.reuse:
            print(f"creating database {args.database}, migrations and demo content…", flush=True)
            admin_sql(
                server_url,
                f'DROP DATABASE IF EXISTS "{args.database}"',
                f'CREATE DATABASE "{args.database}"',
            )
            manage(seed_env, "migrate", "--noinput")
            manage(seed_env, "seed_demo")
        manage(seed_env, "compile_translations")
        manage(production, "collectstatic", "--noinput")
        print(f"preparing the activities and {args.events} paid sessions…", flush=True)
        subprocess.run(
            [
                PYTHON,
                __file__,
                "--phase=fixture",
                f"--out={fixture_file}",
                f"--slug={slug}",
                f"--capacity={args.capacity}",
                f"--events={args.events}",
            ],
            cwd=ROOT,
            env=production,
            check=True,
        )
        fixture = json.loads(fixture_file.read_text())
        # Every run from the same state of the tables (a kept database grows with each run):
        # autovacuum does not start its work on the fixture's rows during the measurement.
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")

        processes.append(
            Process(
                "fake Stripe",
                [
                    PYTHON,
                    "-m",
                    "devtools.fake_stripe",
                    "--port",
                    str(stripe_port),
                    "--webhook-url",
                    base + WEBHOOK_PATH,
                    "--quiet",
                ],
                production,
                ready=lambda: answers(stripe_port, "/"),
            )
        )
        gunicorn = [
            PYTHON,
            "-m",
            "gunicorn",
            "cesiq_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{site_port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            "--log-level",
            "warning",
        ]
        if args.worker_class == "gthread":  # gunicorn turns sync workers with threads into gthread
            gunicorn += ["--threads", str(args.threads)]
        web_env = dict(production)
        if args.profile:
            web_env["CESIQ_BENCH_PROFILE"] = args.profile
            gunicorn += ["--config", str(ROOT / "bench" / "profile_gunicorn.py")]
        elif args.request_cpu:
            web_env["CESIQ_BENCH_REQUEST_CPU"] = str(work)
            gunicorn += ["--config", str(ROOT / "bench" / "request_cpu_gunicorn.py")]
        processes.append(
            Process("gunicorn", gunicorn, web_env, ready=lambda: answers(site_port, "/healthz"))
        )
        processes.append(
            Process(
                "celery worker",
                celery_worker_command("--concurrency=1", nice=args.worker_nice),
                production,
            )
        )
        activity = fixture["activity_path"]
        # Warm-up: each gunicorn worker imports and connects before the buyers come, and the
        # Celery worker's process builds one confirmation (its first one imports the QR code
        # and calendar libraries and compiles the email templates: seconds of CPU that a
        # worker running for days pays once, not at each sale).
        for _ in range(args.workers * 2):
            answers(site_port, activity, timeout=120)
        warmup, events = fixture["events"][0], fixture["events"][1:]
        warmed, _seconds = post_events(site_port, [warmup], 1)
        if warmed != [(200, "queued")]:
            raise RuntimeError(f"the warm-up payment was answered {warmed}")
        wait_for_worker(with_database(redis_url, str(redis_db)))

        load = os.getloadavg()
        model = f"{args.workers} {args.worker_class} workers" + (
            f" × {args.threads} threads" if args.worker_class == "gthread" else ""
        )
        print(f"load average before: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on 2 CPUs")
        print(
            f"gunicorn {model}, settings.production, PostgreSQL, Redis, "
            f"1 Celery worker (nice {args.worker_nice}), fake Stripe"
        )
        sessions = {p.process.pid for p in processes}
        cpu_before = cpu_seconds(sessions, args.database)
        own_before = time.process_time()
        buyers_window = [time.time()]
        results, elapsed = run_buyers(base, activity, args)
        buyers_window.append(time.time())
        own_cpu = time.process_time() - own_before  # the buyers' threads: on the same cores
        cpu_after = cpu_seconds(sessions, args.database)
        paid = sorted(s for outcome, s, _d in results if outcome == "paid")
        refused = [r for r in results if r[0] == "refused"]
        errors = [r for r in results if r[0] == "error"]
        waiting = sum(1 for outcome, _s, d in results if outcome == "paid" and d == "waiting")
        rate = len(paid) / elapsed
        p50, p95 = percentile(paid, 0.5), percentile(paid, 0.95)
        print(f"\ncheckout: {args.buyers} buyers, {args.concurrency} at a time")
        print(f"elapsed:              {elapsed:.2f} s")
        print(f"orders paid:          {len(paid)} ({rate:.1f} orders/s)")
        print(f"refused (sold out):   {len(refused)}")
        print(f"buyer p50:            {p50 * 1000:.0f} ms")
        print(f"buyer p95:            {p95 * 1000:.0f} ms")
        print(f"landed before paid:   {waiting} (the page said « en attente »)")
        hits = ACTIVITY_PAGE_CACHE.count("hit")
        print(f"activity page cached: {hits} of {len(ACTIVITY_PAGE_CACHE)} buyers")
        hits = FORM_PAGE_CACHE.count("hit")
        print(f"form page cached:     {hits} of {len(FORM_PAGE_CACHE)} buyers")
        site_cpu = cpu_after["site"] - cpu_before["site"]
        db_cpu = cpu_after["database"] - cpu_before["database"]
        if paid:
            per_order = (site_cpu + db_cpu) / len(paid)
            print(
                f"CPU per paid order:   {per_order * 1000:.0f} ms (site, worker, fake Stripe "
                f"{site_cpu / len(paid) * 1000:.0f} ms; PostgreSQL {db_cpu / len(paid) * 1000:.0f}"
                f" ms), refused buyers included: 2 idle cores would sell "
                f"{2 / per_order:.1f} orders/s"
            )
            share = {k: (cpu_after[k] - cpu_before[k]) / len(paid) * 1000 for k in PARTS}
            print(
                "  of which:          " + ", ".join(f"{PARTS[k]} {share[k]:.0f} ms" for k in PARTS)
            )
            print(
                f"the buyers (bench): {own_cpu / len(paid) * 1000:.0f} ms per paid order, on the "
                "same 2 cores (HTTP, parsing the form): not the site's, but not free either"
            )
        for _outcome, _s, detail in errors[:5]:
            print(f"ERROR: {detail}")
        if errors:
            print(f"errors:               {len(errors)}")
            status = 1

        cpu_before = cpu_seconds(sessions, args.database)
        first, first_elapsed = post_events(site_port, events, args.concurrency)
        cpu_first = cpu_seconds(sessions, args.database)
        replays, replay_elapsed = post_events(site_port, events, args.concurrency)
        cpu_replays = cpu_seconds(sessions, args.database)
        drained_after = wait_for_worker(with_database(redis_url, str(redis_db)))
        cpu_drained = cpu_seconds(sessions, args.database)

        def per_event(start, end):
            # "site" is already gunicorn + worker + fake Stripe: summing every key counted
            # them twice (the figures before 3 December 2026, evening, were double).
            return (end["site"] + end["database"]) - (start["site"] + start["database"])

        first_cpu = per_event(cpu_before, cpu_first) / len(events)
        replay_cpu = per_event(cpu_first, cpu_replays) / len(events)
        first_rate = len(events) / first_elapsed
        replay_rate = len(events) / replay_elapsed
        print(f"\nwebhook: {len(events)} checkout.session.completed events, 20 clients")
        print(f"first time:           {first_rate:.0f} events/s ({first_elapsed:.2f} s)")
        print(f"replays:              {replay_rate:.0f} events/s ({replay_elapsed:.2f} s)")
        print(
            f"CPU per event:        first time {first_cpu * 1000:.1f} ms "
            f"(2 idle cores: {2 / first_cpu:.0f}/s; the worker's confirmations included when "
            f"it ran meanwhile), replay {replay_cpu * 1000:.1f} ms ({2 / replay_cpu:.0f}/s)"
        )
        first_parts = {
            k: (cpu_first[k] - cpu_before[k]) / len(events) * 1000 for k in (*PARTS, "database")
        }
        print(
            "  of which:          "
            + ", ".join(f"{PARTS[k]} {first_parts[k]:.1f} ms" for k in PARTS)
            + f", PostgreSQL {first_parts['database']:.1f} ms"
        )
        worker_cpu = (cpu_drained["worker"] - cpu_before["worker"]) / len(events)
        print(
            f"worker:               {worker_cpu * 1000:.1f} ms per confirmation (the {len(events)}"
            f" tasks, Celery's own work included; its queue empty {drained_after:.1f} s after"
            " the replays)"
        )
        wrong_first = [a for a in first if a != (200, "queued")]
        wrong_replays = [a for a in replays if a != (200, "replay")]
        if wrong_first or wrong_replays:
            print(f"FAIL: unexpected webhook answers: {(wrong_first + wrong_replays)[:5]}")
            status = 1

        subprocess.run(
            [PYTHON, __file__, "--phase=report", f"--out={report_file}", f"--slug={fixture_file}"],
            cwd=ROOT,
            env=production,
            check=True,
        )
        report = json.loads(report_file.read_text())
        sale, hooks = report["sale"], report["hooks"]
        print("\nfrom the database")
        print(f"seats sold:           {sale['paid_seats']} of {sale['capacity']}")
        print(f"seats held:           {sale['held']} (paid, or held and not expired)")
        print(f"oversold seats:       {sale['oversold'] + hooks['oversold']}")
        for name, part in (("checkout", sale), ("webhook", hooks)):
            print(
                f"{name + ':':<21} {part['paid']} orders paid, payment applied once "
                f"{part['applied_once']}, twice or more {part['applied_twice']}; "
                f"confirmations written {part['confirmations_written']}, "
                f"sent {part['confirmations_sent']}"
            )
        lags = hooks["applied_after"]
        if lags:
            print(
                f"webhook burst:        each payment applied by the worker "
                f"{percentile(lags, 0.5):.2f} s (p50), {percentile(lags, 0.95):.2f} s (p95), "
                f"{lags[-1]:.2f} s (last) after its event was recorded"
            )
        if sale["oversold"] or hooks["oversold"]:
            print("FAIL: oversold")
            status = 1
        if sale["paid"] != len(paid):
            print(f"FAIL: the database has {sale['paid']} paid orders, buyers saw {len(paid)}")
            status = 1
        for part in (sale, hooks):
            if part["applied_twice"] or part["applied_once"] != part["paid"]:
                print("FAIL: a payment applied twice or not at all")
                status = 1
            if not (part["paid"] == part["confirmations_written"] == part["confirmations_sent"]):
                print("FAIL: a paid order's confirmation is missing or unsent")
                status = 1
        if hooks["paid"] != len(events) + 1:  # and the warm-up's
            print(f"FAIL: {hooks['paid']} webhook orders paid, {len(events)} + 1 events sent")
            status = 1
        if len(paid) + len(refused) == args.buyers and sale["paid_seats"] < sale["capacity"]:
            print("FAIL: places left unsold while buyers were refused")
            status = 1
        for ok, message in (
            (rate >= args.goal_rate, f"orders/s {rate:.1f} < {args.goal_rate}"),
            (p50 <= args.goal_p50, f"buyer p50 {p50:.2f} s > {args.goal_p50} s"),
            (first_rate >= args.goal_events, f"events/s {first_rate:.0f} < {args.goal_events}"),
        ):
            if not ok:
                print(f"FAIL: {message}")
                status = 1
        load = os.getloadavg()
        print(f"\nload average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        if status == 0:
            print("every goal met, nothing oversold, every payment applied once")
    finally:
        for process in reversed(processes):
            process.stop()
        if args.request_cpu and len(buyers_window) == 2:
            print_request_cpu(
                work, buyers_window, activity, sum(1 for r in results if r[0] == "paid")
            )
        if not args.keep:
            admin_sql(server_url, f'DROP DATABASE IF EXISTS "{args.database}"')
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept: database {args.database}, files in {work}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
