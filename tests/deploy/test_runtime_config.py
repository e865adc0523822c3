"""How the containers are configured and watched: the database from separate POSTGRES_*
variables (a password with @ / : # % breaks a URL), the health checks' choices, and the compose
file (no password pasted into a URL, beat watched, the worker restarted)."""

import json
import os
import re
import subprocess
import sys
import time

import pytest

from cesiq_site.healthcheck import check_beat, healthcheck_host
from tests.deploy.build_context import ROOT

HARD_PASSWORD = "p@ss:w/rd#50%?&="


def database_settings(**env):
    """settings.DATABASES['default'] as production would compute it from `env`."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "POSTGRES_", "DJANGO_"))
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="cesiq_site.settings.test")
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_database_from_separate_variables_keeps_any_password():
    database = database_settings(
        POSTGRES_HOST="postgres",
        POSTGRES_PORT="5433",
        POSTGRES_DB="cesiq",
        POSTGRES_USER="cesiq",
        POSTGRES_PASSWORD=HARD_PASSWORD,
    )
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"], database["USER"]) == (
        "postgres",
        "5433",
        "cesiq",
        "cesiq",
    )
    assert database["PASSWORD"] == HARD_PASSWORD


def test_a_database_url_wins_and_its_percent_encoded_password_is_decoded():
    from urllib.parse import quote

    url = f"postgres://cesiq:{quote(HARD_PASSWORD, safe='')}@db.internal:5432/cesiq"
    database = database_settings(DATABASE_URL=url, POSTGRES_HOST="ignored")
    assert (database["HOST"], database["PASSWORD"]) == ("db.internal", HARD_PASSWORD)


def test_without_either_the_demo_uses_sqlite():
    assert database_settings()["ENGINE"] == "django.db.backends.sqlite3"


@pytest.mark.parametrize(
    ("env", "host"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "cesiq.org,www.cesiq.org"}, "cesiq.org"),
        ({"DJANGO_ALLOWED_HOSTS": " .cesiq.org , cesiq.ca"}, "cesiq.org"),
        ({"DJANGO_ALLOWED_HOSTS": "a.org", "DJANGO_HEALTHCHECK_HOST": "int.cesiq"}, "int.cesiq"),
        ({"DJANGO_ALLOWED_HOSTS": "*"}, "localhost"),
        ({}, "localhost"),
    ],
)
def test_the_web_health_check_sends_a_host_django_accepts(env, host):
    assert healthcheck_host(env) == host


def test_beat_is_healthy_while_it_keeps_writing_its_schedule(tmp_path):
    schedule = tmp_path / "celerybeat-schedule"
    assert check_beat(str(schedule), 600)[0] is False  # beat never started
    # dbm.gnu writes one file; dbm.dumb writes several with suffixes.
    (tmp_path / "celerybeat-schedule.dat").write_bytes(b"x")
    now = time.time()
    assert check_beat(str(schedule), 600, now=now + 60)[0] is True
    assert check_beat(str(schedule), 600, now=now + 601)[0] is False
    schedule.write_bytes(b"x")
    os.utime(schedule, (now + 590, now + 590))
    assert check_beat(str(schedule), 600, now=now + 700)[0] is True


COMPOSE = (ROOT / "docker-compose.yml").read_text()


def service(name):
    """The text of one top-level service of docker-compose.yml."""
    match = re.search(rf"^  {name}:\n(.*?)(?=^  \S|^\S|\Z)", COMPOSE, re.M | re.S)
    assert match, name
    return match.group(1)


def test_compose_never_writes_the_password_into_a_url():
    assert not re.search(r"://[^\s]*\$\{?POSTGRES_PASSWORD", COMPOSE)
    assert "POSTGRES_HOST: postgres" in COMPOSE
    assert "DATABASE_URL" not in COMPOSE


def test_compose_watches_beat_and_restarts_the_worker():
    beat = service("beat")
    assert "healthcheck:" in beat and "healthcheck.py" in beat and '"beat"' in beat
    schedule = re.search(r"--schedule=(\S+?)\"", beat).group(1)
    assert f'"--schedule", "{schedule}"' in beat  # the check reads the file beat writes
    assert "restart: unless-stopped" in service("worker")
    assert "healthcheck:" in service("worker")
    assert "disable: true" in service("migrate")


def test_the_web_runs_threaded_workers_sized_from_the_environment():
    """The production process model (bench/checkout_http.py measures it): gthread workers,
    their number and their threads from the environment, the same defaults in compose."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    command = re.search(r"^CMD (.*)$", dockerfile, re.M).group(1)
    assert "--worker-class gthread" in command
    assert "--workers ${WEB_CONCURRENCY:-2}" in command
    assert "--threads ${WEB_THREADS:-4}" in command
    assert "WEB_CONCURRENCY: ${WEB_CONCURRENCY:-2}" in COMPOSE
    assert "WEB_THREADS: ${WEB_THREADS:-4}" in COMPOSE


def test_the_worker_yields_the_cpu_to_the_web_processes():
    """The worker runs below the web in CPU priority where they share a machine (measured by
    bench/checkout_http.py, which starts its worker the same way)."""
    command = re.search(r"^    command: (\[.*\])$", service("worker"), re.M).group(1)
    assert command.startswith('["nice", "-n", "10", "celery", "-A", "cesiq_site", "worker"')
