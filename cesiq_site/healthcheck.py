"""Container health checks, run by Docker's HEALTHCHECK (see Dockerfile, docker-compose.yml).

Standard library only, run as a script (``python /app/cesiq_site/healthcheck.py web``): it
starts in a few milliseconds and does not import Django, so checking every 30 seconds costs
nothing.

``web`` asks the running gunicorn for ``/healthz`` over HTTP, with a Host header that
production's ``DJANGO_ALLOWED_HOSTS`` accepts: ``DJANGO_HEALTHCHECK_HOST`` when set, else the
first allowed host. That checks what the load balancer sees (gunicorn answers, host validation
passes, the database is reachable) without weakening host validation for /healthz. Running the
check in process (the Django test client, a management command) would boot a second Django
every 30 seconds and say nothing about the server that actually serves.

``beat`` checks that Celery beat still writes its schedule file: beat saves it every few
minutes while it sends the periodic tasks (the shortest runs every minute), so a file older
than ``--max-age`` seconds means beat is stuck.
"""

import argparse
import glob
import http.client
import os
import sys
import time


def healthcheck_host(environ=os.environ):
    """The Host header to send: one that Django's ALLOWED_HOSTS accepts."""
    host = environ.get("DJANGO_HEALTHCHECK_HOST", "").strip()
    if host:
        return host
    allowed = [h.strip() for h in environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not allowed or allowed[0] == "*":
        return "localhost"  # Django's own default list accepts it
    first = allowed[0]
    # ".cesiq.org" allows cesiq.org and every subdomain: the bare domain is one of them.
    return first[1:] if first.startswith(".") else first


def check_web(port, host, timeout=4.0):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        # The proxy in front sets X-Forwarded-Proto; without it production would redirect.
        connection.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        body = response.read(2000).decode("utf-8", "replace")
    except OSError as exc:
        return False, f"no answer on port {port}: {exc}"
    finally:
        connection.close()
    return response.status == 200, f"{response.status} {body}"


def check_beat(schedule, max_age, now=None):
    now = time.time() if now is None else now
    # The schedule is a shelve: one file, or several with suffixes, depending on the dbm module.
    files = glob.glob(glob.escape(schedule)) + glob.glob(glob.escape(schedule) + ".*")
    if not files:
        return False, f"no schedule file at {schedule}"
    age = now - max(os.path.getmtime(path) for path in files)
    return age <= max_age, f"schedule written {age:.0f} s ago (at most {max_age} s)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    web = sub.add_parser("web", help="ask gunicorn for /healthz")
    web.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    web.add_argument("--host", default=None, help="Host header (default: see above)")
    beat = sub.add_parser("beat", help="is Celery beat's schedule file fresh?")
    beat.add_argument("--schedule", default="/tmp/celerybeat-schedule")  # noqa: S108
    beat.add_argument("--max-age", type=int, default=600)
    args = parser.parse_args(argv)

    if args.what == "web":
        ok, message = check_web(args.port, args.host or healthcheck_host())
    else:
        ok, message = check_beat(args.schedule, args.max_age)
    print(message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
