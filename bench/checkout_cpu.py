"""CPU and SQL queries of each step of a paid checkout, in one process (issue 13, goal 3).

`checkout_http.py` says how fast the whole checkout goes over HTTP and how its CPU splits
between gunicorn, the Celery worker and the fake Stripe; this says which step costs what, so
that work goes where the CPU is. For `--buyers` buyers (30) of a new activity (made in the
database the environment names: a seeded one, such as the one `checkout_http.py --keep`
leaves), with Django's test client, DEBUG off, the cache and broker on Redis:

| step | what runs |
| --- | --- |
| activity page | GET the activity page |
| form | GET its registration form |
| register | POST it: the order, its hold, the Checkout Session at the fake Stripe |
| webhook | `checkout.session.completed`, signed, POSTed to the webhook (first time) |
| worker | the Celery task `orders.apply_stripe_event` (the payment, then the confirmation) |
| confirmation | GET the order's page the buyer lands on (`?retour=paiement`) |

CPU is this thread's (`time.thread_time`, the median over buyers): the fake Stripe runs in
another thread of this process and is left out (its own CPU is printed apart). Queries are
those of the last buyer. `--profile STEP` prints where that step's CPU goes (cProfile; SORT,
LINES; CALLERS=pattern: who calls them, CALLEES=pattern: what they call; DUMP=file: the raw
profile).

    DJANGO_SETTINGS_MODULE=cesiq_site.settings.dev \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cesiq_bench_checkout \\
    REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/checkout_cpu.py
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cesiq_site.settings.dev")
os.environ["PAGE_CACHE_SECONDS"] = os.environ.get("PAGE_CACHE_SECONDS", "300")
os.environ.setdefault("CESIQ_CLIENT_IP_HEADER", "X-Forwarded-For")

STEPS = ("activity page", "form", "register", "webhook", "worker", "confirmation")
FORM_ENCODED = "application/x-www-form-urlencoded"
ASIDE_QUEUE = "bench-checkout-cpu"  # the webhook's tasks, never run: emptied at the end
WEBHOOK_SECRET = "whsec_bench_checkout_cpu"  # noqa: S105 — signs events in this process only


def make_activity(capacity):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from checkout_http import bench_activity

    return bench_activity(f"bench-cpu-{int(time.time())}", "Atelier mesuré", capacity)


def registration_fields(html, number):
    """The form's fields as buyer `number` fills them (checkout_http.py's buyers do the same)."""
    fields = form_fields(html)
    from checkout_http import fill_registration

    return fill_registration(fields, number)


def form_fields(html):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from checkout_http import FormParser

    parser = FormParser()
    parser.feed(html)
    fields = dict(parser.fields)
    for name, value in parser.radios.items():
        fields.setdefault(name, value)
    return fields


class Steps:
    """Runs one buyer's steps, measuring each (CPU of this thread, queries)."""

    def __init__(self, fake, page_url):
        self.fake, self.page_url = fake, page_url
        self.cpu = {step: [] for step in STEPS}
        self.queries = {}
        self.sql = {}
        self.queued = []

    def queue_aside(self, task):
        """Have the webhook queue its task as it does (the message sent to Redis, measured), in
        a queue of its own that no worker reads, and keep the event for the worker step."""
        publish = task.apply_async

        def delay(event_pk):
            self.queued.append(event_pk)
            return publish((event_pk,), queue=ASIDE_QUEUE)

        task.delay = delay

    def measure(self, step, function, profile=None):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            if profile is not None:
                profile.enable()
            start = time.thread_time()
            result = function()
            self.cpu[step].append((time.thread_time() - start) * 1000)
            if profile is not None:
                profile.disable()
        self.queries[step] = len(captured)
        self.sql[step] = [q["sql"] for q in captured.captured_queries]
        return result

    def buyer(self, number, profile_step=None, profile=None):
        import http.client

        from django.test import Client

        from devtools.fake_stripe import sign_payload
        from orders import outbox
        from orders.models import Order, OutboxEmail
        from orders.tasks import apply_stripe_event

        def prof(step):
            return profile if step == profile_step else None

        client = Client(HTTP_X_FORWARDED_FOR=f"10.9.{number // 256}.{number % 256}")
        response = self.measure(
            "activity page", lambda: client.get(self.page_url), prof("activity page")
        )
        assert response.status_code == 200, response.status_code
        register = self.page_url + "inscription/"
        response = self.measure("form", lambda: client.get(register), prof("form"))
        assert response.status_code == 200, response.status_code
        fields = registration_fields(response.content.decode(), number)
        # Sent as browsers send a form without files (the test client's default is multipart).
        response = self.measure(
            "register",
            lambda: client.post(register, urlencode(fields), content_type=FORM_ENCODED),
            prof("register"),
        )
        assert response.status_code == 302, (response.status_code, response.content[:500])
        checkout = urlsplit(response["Location"])
        # Pay at the fake Stripe (its thread: not measured here); it keeps the event.
        seen = len(self.fake.events)
        connection = http.client.HTTPConnection(checkout.hostname, checkout.port)
        connection.request("POST", checkout.path + "/pay", body=b"")
        answer = connection.getresponse()
        answer.read()
        connection.close()
        assert answer.status == 303, answer.status
        event = next(
            e for e in self.fake.events[seen:] if e["type"] == "checkout.session.completed"
        )
        payload = json.dumps(event, indent=2).encode()
        response = self.measure(
            "webhook",
            lambda: client.post(
                "/payments/stripe/webhook/",
                data=payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=sign_payload(payload, WEBHOOK_SECRET),
            ),
            prof("webhook"),
        )
        assert response.content == b"queued", response.content
        order = Order.objects.get(code=event["data"]["object"]["client_reference_id"])

        def worker():
            # The task's body, as the worker runs it (without Celery's own work around it):
            # the payment applied, then the confirmation written and sent; then any email it
            # left to other tasks (`orders.send_outbox_email`), sent here.
            apply_stripe_event.run(self.queued.pop())
            for email in OutboxEmail.objects.filter(order=order, state="pending"):
                outbox.send_now(email.pk)

        self.measure("worker", worker, prof("worker"))
        assert not OutboxEmail.objects.filter(order=order).exclude(state="sent").exists()
        url = order.get_absolute_url() + "?retour=paiement"
        response = self.measure("confirmation", lambda: client.get(url), prof("confirmation"))
        assert response.status_code == 200 and b"payment-wait" not in response.content


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=30)
    parser.add_argument("--profile", choices=STEPS, help="print where this step's CPU goes")
    parser.add_argument("--sql", choices=STEPS, help="print this step's queries (last buyer)")
    parser.add_argument(
        "--full-sql",
        action="store_true",
        help="with --sql: each query whole, not its 300 first characters",
    )
    args = parser.parse_args()

    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # as in production (no debug context, no query log)
    for engine in settings.TEMPLATES:
        engine.setdefault("OPTIONS", {})["debug"] = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_SECRET_KEY = "sk_test_bench_checkout_cpu"
    import logging

    logging.getLogger("stripe").setLevel(logging.WARNING)
    from devtools.fake_stripe import FakeStripe

    fake = FakeStripe(webhook_secret=WEBHOOK_SECRET).start()  # no webhook_url: events kept
    settings.STRIPE_API_BASE = fake.url
    try:
        page = make_activity(capacity=args.buyers + 10)
        steps = Steps(fake, page.url)
        from orders.tasks import apply_stripe_event

        steps.queue_aside(apply_stripe_event)
        steps.buyer(0)  # warms per-process caches, templates, connections
        steps.cpu = {step: [] for step in STEPS}
        profile = None
        if args.profile:
            import cProfile

            profile = cProfile.Profile(time.thread_time)  # CPU, not waits
        process_start, thread_start = time.process_time(), time.thread_time()
        for number in range(1, args.buyers + 1):
            steps.buyer(number, args.profile, profile)
        others = (time.process_time() - process_start) - (time.thread_time() - thread_start)
    finally:
        fake.stop()
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(ASIDE_QUEUE)
    if profile is not None:
        import pstats

        if os.environ.get("DUMP"):  # the raw profile, for pstats or snakeviz
            profile.dump_stats(os.environ["DUMP"])
        stats = pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("LINES", "60")))
        if os.environ.get("CALLERS"):  # who calls the functions matching this
            stats.print_callers(os.environ["CALLERS"])
        if os.environ.get("CALLEES"):  # what the functions matching this call
            stats.print_callees(os.environ["CALLEES"])
        return
    print(f"{args.buyers} buyers, one process; CPU of the site's thread, median per buyer")
    print(f"{'step':16} {'CPU ms':>7} {'queries':>7}")
    total = 0.0
    for step in STEPS:
        median = statistics.median(steps.cpu[step])
        total += median
        print(f"{step:16} {median:7.1f} {steps.queries[step]:7d}")
    print(f"{'total':16} {total:7.1f}")
    for sql in steps.sql[args.sql] if args.sql else ():
        print(sql if args.full_sql else sql[:300])
    print(f"fake Stripe and other threads: {others / args.buyers * 1000:.1f} ms per buyer")


if __name__ == "__main__":
    main()
