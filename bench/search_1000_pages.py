"""How long the site search takes with 1,000 pages: server time of `/recherche/?q=…`.

It creates a throwaway database (migrations and the demo content), adds pages until the French
tree holds 1,000 (standard pages and activities with a date each, their text drawn from a
vocabulary of the site's themes), indexes them, then requests the search page through
Django's test client for several French queries (each one a number of times, first hit
discarded) and prints p50 / p95 / max of the time spent in Django. Exit code 1 if a query's
p50 is above the budget (50 ms).

On PostgreSQL (DATABASE_URL) this is the French full-text search; without DATABASE_URL it
measures the SQLite fallback in a temporary file.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cesiq \
        .venv/bin/python bench/search_1000_pages.py --pages 1000 --repeat 20
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ["climat", "femme", "equitable", "solidarité internationale", "atelier", "xylophone"]
WORDS = [
    "justice",
    "climatique",
    "femmes",
    "enfants",
    "droits",
    "souveraineté",
    "alimentaire",
    "décroissance",
    "antiracisme",
    "commerce",
    "équitable",
    "solidarité",
    "internationale",
    "coopération",
    "éducation",
    "citoyenneté",
    "mondiale",
    "atelier",
    "conférence",
    "projection",
    "formation",
    "animation",
    "scolaire",
    "jeunesse",
    "adultes",
    "paysannes",
    "semences",
    "café",
    "chocolat",
    "coopérative",
    "Québec",
    "Saint-Roch",
    "Limoilou",
    "bénévoles",
    "partenaires",
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages in the French tree")
    parser.add_argument("--repeat", type=int, default=20, help="requests per query (20)")
    parser.add_argument("--budget-ms", type=float, default=50.0, help="p50 limit (50 ms)")
    parser.add_argument("--database", default="cesiq_bench_search", help="throwaway database")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def setup_django(tmp):
    os.environ["DJANGO_SETTINGS_MODULE"] = "cesiq_site.settings.test"
    if not os.environ.get("DATABASE_URL"):
        os.environ["CESIQ_VAR_DIR"] = tmp
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def add_pages(total, rng):
    from django.utils import timezone
    from wagtail.models import Locale, Page

    from events.models import EventDate, EventIndexPage, EventPage
    from home.models import StandardPage

    french = Locale.get_default()
    home = Page.objects.get(depth=2, locale=french).specific
    events = EventIndexPage.objects.get(locale=french)
    have = Page.objects.filter(locale=french).count()
    now = timezone.now()
    for n in range(max(total - have, 0)):
        title = f"{sentence(rng, 4)[:-1]} {n}"
        if n % 5 == 0:
            page = events.add_child(
                instance=EventPage(
                    title=title,
                    summary=sentence(rng, 20),
                    audience="adultes",
                    format="atelier",
                    body=[("paragraph", f"<p>{sentence(rng, 60)}</p>")],
                )
            )
            start = now + timedelta(days=rng.randint(-200, 200))
            EventDate.objects.create(page=page, start=start, end=start + timedelta(hours=2))
        else:
            home.add_child(
                instance=StandardPage(
                    title=title,
                    introduction=sentence(rng, 25),
                    body=[("paragraph", f"<p>{sentence(rng, 80)}</p>")],
                )
            )
    return Page.objects.filter(locale=french).count()


def percentile(values, fraction):
    values = sorted(values)
    return values[int(fraction * (len(values) - 1))]


def timed(call, repeat):
    """Milliseconds per call, the first (warm-up) call left out."""
    from cesiq_site import ratelimit

    times = []
    for i in range(repeat + 1):
        ratelimit.reset()
        started = time.perf_counter()
        response = call()
        elapsed = (time.perf_counter() - started) * 1000
        if getattr(response, "status_code", 200) != 200:
            raise SystemExit(f"unexpected answer {response.status_code}")
        if i:
            times.append(elapsed)
    return times


def measure(args):
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from wagtail.models import Locale

    from search import engine, views

    setup_test_environment()
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    count = add_pages(args.pages, random.Random(args.seed))
    call_command("update_index", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    if connection.vendor == "postgresql":
        # Fresh tables have no statistics; autovacuum gathers them on a live database.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    french = Locale.get_default()
    print(f"pages in the French tree: {count}")
    print("search = engine.run + engine.hits for the first page of results (the budget);")
    print("request = the whole /recherche/ response, page chrome included\n")
    reference = timed(lambda: client.get("/mission/"), args.repeat)
    print(f"{'(a plain page: /mission/)':36}  request p50 {statistics.median(reference):6.1f} ms")
    failed = False
    for query in QUERIES:

        def work(query=query):
            outcome = engine.run(query, french)
            engine.hits(outcome.ordered[: views.PER_PAGE], query, outcome)
            return outcome

        search = timed(work, args.repeat)
        request = timed(lambda query=query: client.get("/recherche/", {"q": query}), args.repeat)
        found = work().total
        p50 = statistics.median(search)
        flag = "" if p50 <= args.budget_ms else "  OVER BUDGET"
        failed |= bool(flag)
        print(
            f"{query!r:28} {found:4} found  search p50 {p50:6.1f} ms  "
            f"p95 {percentile(search, 0.95):6.1f} ms  request p50 "
            f"{statistics.median(request):6.1f} ms{flag}"
        )
    return 1 if failed else 0


def main(argv=None):
    args = parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(tmp)
        from django.db import connection

        print(f"database: {connection.vendor}", file=sys.stderr)
        original = connection.settings_dict["NAME"]
        if args.database == original:
            sys.exit(f"--database {args.database} is the main database; choose a throwaway name")
        connection.settings_dict.setdefault("TEST", {})["NAME"] = (
            args.database if connection.vendor == "postgresql" else str(Path(tmp) / "bench.db")
        )
        print("creating the database (migrations, demo content)…", file=sys.stderr)
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            return measure(args)
        finally:
            connection.close()
            connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
