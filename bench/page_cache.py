"""Cached pages against a static file: the site served by gunicorn on production settings.

The page cache (cesiq_site/pagecache.py) should serve every public page kind to anonymous
visitors at least half as fast as the same stack serves a static CSS file (WhiteNoise). This
benchmark builds what it needs and removes it afterwards:

- a throwaway PostgreSQL database (`--database`, dropped at the end) with the migrations and
  the demo content (`seed_demo`), media files in a temporary folder;
- the static files collected with the production settings (WhiteNoise's manifest);
- gunicorn on a free port with `cesiq_site.settings.production` (sync workers, `--workers`),
  the cache on Redis (REDIS_URL);

then runs `wrk` on the static file, on each page (after checking that the second request is a
cache hit), and on the static file again, and prints each page's rate as a ratio to the static
file's (the mean of both runs). Absolute rates drift with the machine's load; ratios much less.
Exit code 1 if a page is below `--goal` (0.5) or was not served from the cache.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cesiq REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/page_cache.py            # wrk -t2 -c16 -d10s per URL

`--uncached` also measures every page with the page cache off (PAGE_CACHE_SECONDS=0), and
the CPU time gunicorn's processes spent per request (from /proc, over 20 requests one at a
time after wrk ran on the page);
exit code 1 also if an uncached page is below `--uncached-goal` (0.018, issue 13's goal 2) or
above `--cpu-goal` ms of CPU per request (20). Without wrk, PostgreSQL or Redis it says what
is missing and exits 0 (2 with CI=true).
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from support import PYTHON, ROOT, admin_sql, free_port, manage, skip, with_database


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per URL (10)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
    parser.add_argument("--goal", type=float, default=0.5, help="lowest ratio accepted (0.5)")
    parser.add_argument("--uncached", action="store_true", help="measure without the cache too")
    parser.add_argument(
        "--uncached-goal",
        type=float,
        default=0.018,
        help="lowest ratio accepted for an uncached page, with --uncached (0.018)",
    )
    parser.add_argument(
        "--cpu-goal",
        type=float,
        default=20,
        help="most CPU ms per request accepted for an uncached page, with --uncached (20)",
    )
    parser.add_argument(
        "--database", default="cesiq_bench_pages", help="throwaway database, dropped at the end"
    )
    parser.add_argument(
        "--only", help="only the page kinds whose name holds one of these (e.g. 'activity,shop')"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    return parser.parse_args(argv)


def fetch(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as response:
        return response.status, dict(response.headers), response.read().decode(errors="replace")


class Server:
    """gunicorn on production settings, on a free port."""

    def __init__(self, env, workers):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "cesiq_site.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if fetch(self.base + "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def wrk(url, args):
    result = subprocess.run(
        [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{args.seconds}s",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses\n{result.stdout}")
    return float(rate.group(1)), int(re.search(r"(\d+) requests in", result.stdout).group(1))


def cpu_seconds(group):
    """CPU time (user + system) used so far by the processes of a process group (gunicorn's
    master and workers), from /proc; None where /proc is not readable."""
    total = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, pgrp, … utime (14th field of stat), stime (15th).
        if int(fields[2]) == group:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


CPU_REQUESTS = 20


def timed_wrk(server, url, args):
    """(requests per second, CPU milliseconds the server spent per request). The CPU time is
    measured over CPU_REQUESTS requests made one after the other once wrk is done (under wrk,
    requests still running when it stops would be counted without being answered)."""
    rate, _requests = wrk(url, args)
    before = cpu_seconds(server.process.pid)
    for _ in range(CPU_REQUESTS):
        fetch(url)
    after = cpu_seconds(server.process.pid)
    cpu_ms = None
    if before is not None and after is not None:
        cpu_ms = (after - before) * 1000 / CPU_REQUESTS
    return rate, cpu_ms


def first_link(base, path, prefix, skip=()):
    """The first link under `prefix` on the page at `path` (an item of a listing)."""
    _status, _headers, html = fetch(base + path)
    pattern = r'href="(' + re.escape(prefix) + r'[a-z0-9-]+/)"'
    return next(link for link in re.findall(pattern, html) if link not in skip)


# The demo's English pages keep their French slugs under translated section paths.
ENGLISH_SECTIONS = [
    ("/activites/", "/en/activities/"),
    ("/boutique/", "/en/shop/"),
    ("/actualites/", "/en/news/"),
    ("/ressources-pedagogiques/", "/en/teaching-resources/"),
    ("/reseau/", "/en/network/"),
    ("/", "/en/"),
]


def english(path):
    """The English translation of the French page at `path`, with the same filters."""
    french, english_path = next(pair for pair in ENGLISH_SECTIONS if path.startswith(pair[0]))
    return english_path + path[len(french) :]


def pages_to_measure(base, only=None):
    """Every public page kind in both languages, on the demo site (an activity and a product
    found from the listings' links)."""
    _status, _headers, home = fetch(base + "/")
    css = re.search(r'href="(/static/css/site[^"]*\.css)"', home).group(1)
    # the iCalendar feed and the producers are links of the listings, not items
    activity = first_link(base, "/activites/", "/activites/", skip={"/activites/calendrier/"})
    product = first_link(base, "/boutique/", "/boutique/", skip={"/boutique/producteurs/"})
    french = [
        ("home", "/"),
        ("standard page", "/mission/"),
        ("activity list", "/activites/"),
        ("activity list, filtered", "/activites/?audience=adultes"),
        ("month view", "/activites/?vue=mois"),
        ("activity page", activity),
        ("shop catalogue", "/boutique/"),
        ("product page", product),
        ("news list", "/actualites/"),
        ("news article", "/actualites/justice-climatique-militantes-du-sud/"),
        ("campaign", "/actualites/12-jours-action-violence-femmes/"),
        ("resource list", "/ressources-pedagogiques/"),
        (
            "resource",
            first_link(base, "/ressources-pedagogiques/", "/ressources-pedagogiques/"),
        ),
        ("network directory", "/reseau/"),
    ]
    pages = []
    for name, path in french:
        if only and not any(part.strip() in name for part in only.split(",")):
            continue
        pages.append((f"{name} (fr)", path))
        pages.append((f"{name} (en)", english(path)))
    return css, pages


def measure(server, args, cached=True):
    css, pages = pages_to_measure(server.base, args.only)
    failures = []
    if cached:
        for name, path in pages:
            fetch(server.base + path)
            _status, headers, _body = fetch(server.base + path)
            if headers.get("X-Page-Cache") != "hit":
                failures.append(f"{name} ({path}) was not served from the cache")
    static_before = wrk(server.base + css, args)[0]
    rates = [(name, path, *timed_wrk(server, server.base + path, args)) for name, path in pages]
    static_after = wrk(server.base + css, args)[0]
    static = (static_before + static_after) / 2
    return css, static_before, static_after, static, rates, failures


def report(title, css, static_before, static_after, static, rates):
    print(f"\n{title}")
    print(f"static file {css}: {static_before:.0f} req/s before, {static_after:.0f} after")
    print(f"{'page':<29} {'path':<52} {'req/s':>8} {'ratio':>6} {'CPU ms/req':>10}")
    for name, path, rate, cpu_ms in rates:
        cpu = f"{cpu_ms:>10.1f}" if cpu_ms is not None else f"{'?':>10}"
        print(f"{name:<29} {path:<52} {rate:>8.0f} {rate / static:>6.3f} {cpu}")


def main(argv=None):
    args = parse_args(argv)
    if not shutil.which("wrk"):
        return skip("wrk is not installed (apt-get install wrk)")
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith(("postgres://", "postgresql://")):
        return skip("DATABASE_URL must point to PostgreSQL (production-like settings)")
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        return skip("REDIS_URL is not set (the production cache is Redis)")
    if args.database == urlsplit(server_url).path.lstrip("/"):
        sys.exit(f"--database {args.database} is DATABASE_URL's database; choose a throwaway name")
    redis_db = urlsplit(redis_url).path.lstrip("/") or "0"

    work = Path(tempfile.mkdtemp(prefix="cesiq-bench-pages-"))
    database_url = with_database(server_url, args.database)
    common = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "STRIPE_", "CESIQ_", "PAGE_CACHE"))
    }
    common.update(
        DATABASE_URL=database_url,
        CESIQ_VAR_DIR=str(work / "var"),
        DJANGO_MEDIA_ROOT=str(work / "media"),
        DJANGO_STATIC_ROOT=str(work / "static"),
    )
    seed_env = {**common, "DJANGO_SETTINGS_MODULE": "cesiq_site.settings.dev"}
    seed_env.pop("REDIS_URL", None)  # tasks in process while seeding
    production = {
        **common,
        "DJANGO_SETTINGS_MODULE": "cesiq_site.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "STRIPE_SECRET_KEY": "sk_live_placeholder",
        "STRIPE_WEBHOOK_SECRET": "whsec_placeholder",
        "WAGTAILADMIN_BASE_URL": "http://127.0.0.1",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "REDIS_URL": redis_url,
        "REDIS_CACHE_DB": redis_db,
        "REDIS_BROKER_DB": redis_db,
    }
    status = 0
    servers = []
    try:
        print(f"creating database {args.database}, migrations and demo content…", file=sys.stderr)
        admin_sql(
            server_url,
            f'DROP DATABASE IF EXISTS "{args.database}"',
            f'CREATE DATABASE "{args.database}"',
        )
        manage(seed_env, "migrate", "--noinput")
        manage(seed_env, "seed_demo")
        manage(seed_env, "compile_translations")
        manage(production, "collectstatic", "--noinput")

        runs = [("cached (page cache on)", {}, True)]
        if args.uncached:
            runs.append(("uncached (PAGE_CACHE_SECONDS=0)", {"PAGE_CACHE_SECONDS": "0"}, False))
        print(
            f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, gunicorn "
            f"{args.workers} sync workers, settings.production, PostgreSQL, Redis, WhiteNoise"
        )
        for title, extra, cached in runs:
            server = Server({**production, **extra}, args.workers)
            servers.append(server)
            try:
                css, before, after, static, rates, failures = measure(server, args, cached)
            finally:
                server.stop()
            report(title, css, before, after, static, rates)
            if cached:
                for failure in failures:
                    print(f"FAIL: {failure}")
                    status = 1
                for name, _path, rate, _cpu in rates:
                    ratio = rate / static
                    if ratio < args.goal:
                        print(f"FAIL: {name} at {ratio:.3f}× the static file (< {args.goal})")
                        status = 1
            else:
                for name, _path, rate, cpu_ms in rates:
                    ratio = rate / static
                    if ratio < args.uncached_goal:
                        print(
                            f"FAIL: uncached {name} at {ratio:.3f}× the static file "
                            f"(< {args.uncached_goal})"
                        )
                        status = 1
                    if cpu_ms is not None and cpu_ms > args.cpu_goal:
                        print(f"FAIL: uncached {name} uses {cpu_ms:.1f} ms CPU (> {args.cpu_goal})")
                        status = 1
        if status == 0:
            print(f"\nevery cached page at or above {args.goal}× the static file")
            if args.uncached:
                print(
                    f"every uncached page at or above {args.uncached_goal}× the static file, "
                    f"at most {args.cpu_goal} ms CPU"
                )
    finally:
        for server in servers:
            server.stop()
        if not args.keep:
            admin_sql(server_url, f'DROP DATABASE IF EXISTS "{args.database}"')
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept: database {args.database}, files in {work}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
