"""What the benchmarks share: a free port, a throwaway PostgreSQL database beside the one
named in DATABASE_URL, `manage.py` in a child process, and how to say a benchmark could not
run (exit 0 on a developer's machine, 2 in CI)."""

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def skip(reason):
    print(f"skipped: {reason}")
    return 2 if os.environ.get("CI", "").lower() == "true" else 0


def load():
    """The load average, as printed beside every figure."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def within_goal(seconds, goal):
    """Print whether `seconds` met the goal; the exit code (1 when it did not)."""
    if seconds > goal:
        print(f"slower than the goal ({goal:.0f} s)")
        return 1
    print(f"within the goal ({goal:.0f} s)")
    return 0


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_database(url, name):
    """The same server's URL with another database (or Redis db) name."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def admin_sql(server_url, *statements):
    """Statements run on the server's `postgres` database (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def manage(env, *args, quiet=True):
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def celery_worker_command(*options, nice=0, python_options=()):
    """A Celery worker of the site, as production starts it (docker-compose.yml: quiet, no
    gossip nor mingle, `nice -n N` when N is not 0), with the given worker options."""
    command = [
        PYTHON,
        *python_options,
        "-m",
        "celery",
        "--quiet",
        "-A",
        "cesiq_site",
        "worker",
        *options,
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
    ]
    return ["nice", "-n", str(nice), *command] if nice else command
