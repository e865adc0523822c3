"""CPU and SQL queries of uncached pages, in one process (issue 13, goal 2).

Renders each page kind (both languages), the activity registration form and an order's
confirmation page with Django's test client, page cache off, DEBUG off, on the database and
cache the environment names (DATABASE_URL, REDIS_URL: the seeded demo, `make seed` or
`manage.py seed_demo`). Each URL is asked once to warm per-process caches and renditions,
then `--requests` times: CPU is `time.process_time()` per request (the median), queries are
those of the last request. `--profile URL` prints where one URL's CPU goes (cProfile).
`--calls` adds the Python function calls per request (cProfile's count over 5 more requests):
unlike CPU time it does not depend on the machine's load, so it compares two versions fairly
on a busy machine.

    DJANGO_SETTINGS_MODULE=cesiq_site.settings.dev DATABASE_URL=postgres://…/cesiq \
        REDIS_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/render_cpu.py
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cesiq_site.settings.dev")
os.environ["PAGE_CACHE_SECONDS"] = "0"

KINDS = [
    ("home", "home.HomePage", ""),
    ("standard page", "home.StandardPage", ""),
    ("activity list", "events.EventIndexPage", ""),
    ("month view", "events.EventIndexPage", "?vue=mois"),
    ("activity", "events.EventPage", ""),
    ("shop catalogue", "shop.ProductIndexPage", ""),
    ("product", "shop.ProductPage", ""),
    ("news list", "news.NewsIndexPage", ""),
    ("article", "news.ArticlePage", ""),
    ("campaign", "news.CampaignPage", ""),
    ("resource list", "resources.ResourceIndexPage", ""),
    ("resource", "resources.ResourcePage", ""),
    ("network directory", "network.NetworkDirectoryPage", ""),
]


def urls():
    from django.apps import apps
    from wagtail.models import Page

    found = []
    for language in ("fr", "en"):
        for name, label, query in KINDS:
            page = (
                Page.objects.live()
                .public()
                .type(apps.get_model(label))
                .filter(locale__language_code=language)
                .order_by("path")
                .first()
            )
            if page is not None:
                found.append((f"{name} ({language})", page.url + query))
    found += _forms()
    return found


def _forms():
    """The registration form of a bookable activity and a paid order's confirmation page."""
    from events.models import EventPage
    from orders.models import Order, OrderState

    found = []
    for page in EventPage.objects.live().filter(locale__language_code="fr").order_by("path"):
        if page.specific.registration_open():
            found.append(("registration form (fr)", page.url + "inscription/"))
            break
    order = Order.objects.filter(state=OrderState.PAID).order_by("pk").first()
    if order is not None:
        found.append(
            (
                "order confirmation (fr)",
                order.get_absolute_url(),
            )
        )
    return found


def measure(client, url, requests):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            start = time.process_time()
            response = client.get(url)
            times.append((time.process_time() - start) * 1000)
        assert response.status_code == 200, url
    return statistics.median(times), len(captured)


def calls_per_request(client, url, requests=5):
    import cProfile
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        client.get(url)
    profile.disable()
    return pstats.Stats(profile).total_calls // requests


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--profile", metavar="URL")
    parser.add_argument("--only", help="measure the URLs whose name contains this")
    parser.add_argument("--calls", action="store_true", help="also count function calls")
    args = parser.parse_args()

    import django
    from django.conf import settings

    django.setup()
    settings.DEBUG = False  # as in production (no debug context, no query log)
    for engine in settings.TEMPLATES:
        engine.setdefault("OPTIONS", {})["debug"] = False
    from django.test import Client

    client = Client()
    if args.profile:
        import cProfile
        import pstats

        client.get(args.profile)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            client.get(args.profile)
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
            int(os.environ.get("LINES", "60"))
        )
        return
    calls_title = f" {'calls':>7}" if args.calls else ""
    print(f"{'page':28} {'CPU ms':>7} {'queries':>7}{calls_title}  path")
    for name, url in urls():
        if args.only and args.only not in name:
            continue
        cpu, queries = measure(client, url, args.requests)
        calls = f" {calls_per_request(client, url):7d}" if args.calls else ""
        print(f"{name:28} {cpu:7.1f} {queries:7d}{calls}  {url}", flush=True)


if __name__ == "__main__":
    main()
