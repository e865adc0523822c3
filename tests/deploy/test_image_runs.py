"""The image's files, laid out as the Dockerfile lays them out (only what the build context and
the COPY lines give), run with the production settings: the system checks pass, no demo
command exists, gunicorn serves, and the HEALTHCHECK passes with production's
DJANGO_ALLOWED_HOSTS (the old one sent `Host: 127.0.0.1:8000`, which Django rejects)."""

import http.client
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time

import pytest

from tests.deploy.build_context import ROOT, image_files
from tests.deploy.dockerignore import context_files

ALLOWED = "cesiq.example,www.cesiq.example"


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """/app of the image: the real build context (no planted files) through the COPY lines."""
    app = tmp_path_factory.mktemp("image") / "app"
    for path in image_files(context_files(ROOT)):
        target = app / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, target)
    (app / "var").mkdir()
    (app / "static").mkdir()
    return app


def production_env(app, **extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "POSTGRES_", "REDIS_", "STRIPE_", "CESIQ_"))
    }
    env.update(
        PYTHONDONTWRITEBYTECODE="1",
        DJANGO_SETTINGS_MODULE="cesiq_site.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS=ALLOWED,
        CESIQ_VAR_DIR=str(app / "var"),
        DJANGO_STATIC_ROOT=str(app / "static"),
        DJANGO_MEDIA_ROOT=str(app / "var" / "media"),
        STRIPE_SECRET_KEY="sk_live_placeholder",
        STRIPE_WEBHOOK_SECRET="whsec_placeholder",
        **extra,
    )
    return env


def manage(app, *args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=app,
        env=production_env(app, **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_checks_pass_and_no_demo_command_exists(image):
    assert not (image / "tests").exists() and not (image / "devtools").exists()
    # Production shares its cache through Redis (cesiq.W002 otherwise); checking connects to
    # nothing.
    check = manage(
        image, "check", "--deploy", "--fail-level", "WARNING", REDIS_URL="redis://redis:6379/0"
    )
    assert check.returncode == 0, check.stdout + check.stderr
    commands = manage(image, "help", "--commands")
    assert commands.returncode == 0, commands.stderr
    names = set(commands.stdout.split())
    assert {"migrate", "createsuperuser", "compile_translations"} <= names
    assert not {"seed_demo", "rundemo"} & names


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(image):
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "cesiq_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=image,
        env=production_env(image),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("gunicorn stopped: " + process.stderr.read()[-3000:])
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start")
    yield port
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def healthcheck(image, port, **env):
    return subprocess.run(
        [sys.executable, str(image / "cesiq_site" / "healthcheck.py"), "web"],
        env=production_env(image, PORT=str(port), **env),
        capture_output=True,
        text=True,
        timeout=30,
    )


def status_with_host(port, host):
    # The port opens before the worker has imported Django (gunicorn loads the application
    # after forking): on a busy machine the first answer took more than 10 s.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"})
    status = connection.getresponse().status
    connection.close()
    return status


def test_the_health_check_passes_with_production_allowed_hosts(image, gunicorn):
    # What the old HEALTHCHECK sent: refused by host validation, so never healthy.
    assert status_with_host(gunicorn, f"127.0.0.1:{gunicorn}") == 400

    result = healthcheck(image, gunicorn)
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"database": {"ok": true' in result.stdout

    chosen = healthcheck(image, gunicorn, DJANGO_HEALTHCHECK_HOST="www.cesiq.example")
    assert chosen.returncode == 0, chosen.stdout
    wrong = healthcheck(image, gunicorn, DJANGO_HEALTHCHECK_HOST="evil.example")
    assert wrong.returncode == 1 and wrong.stdout.startswith("400")


def test_the_health_check_fails_when_nothing_answers(image):
    result = healthcheck(image, free_port())
    assert result.returncode == 1
    assert "no answer" in result.stdout
