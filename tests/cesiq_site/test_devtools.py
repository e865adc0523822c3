"""The development tools (devtools: fake Stripe, demo data, seed_demo, rundemo) exist in the demo
and the tests, never in production: production settings do not install them, the production
site works without the directory (the Docker image leaves it out), and the commands that
create admin / changeme refuse to run outside the demo."""

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.core.management.base import CommandError

from devtools.apps import devtools_only_in_development
from tests.cesiq_site.test_settings import ROOT, production_env, run_manage

# Imported in a fresh interpreter before Django: any import of devtools fails, as in an image
# built without the directory.
WITHOUT_DEVTOOLS = """
import importlib.abc, sys
class NoDevtools(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "devtools" or name.startswith("devtools."):
            raise ModuleNotFoundError(f"No module named {name!r} (left out of the image)")
sys.meta_path.insert(0, NoDevtools())
import json
import django
django.setup()
from django.conf import settings
from django.core.management import call_command, get_commands
print(json.dumps({
    "installed": "devtools" in settings.INSTALLED_APPS,
    "commands": sorted(c for c in get_commands() if c in ("seed_demo", "rundemo")),
}))
call_command("check", "--deploy", "--fail-level", "ERROR")
"""


def test_production_runs_without_the_development_tools():
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "STRIPE_", "CESIQ_"))
    }
    env.update(production_env())
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_DEVTOOLS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[0])
    assert report == {"installed": False, "commands": []}


def test_production_has_no_demo_commands():
    result = run_manage("seed_demo", **production_env())
    assert result.returncode != 0
    assert "Unknown command: 'seed_demo'" in result.stderr
    listed = run_manage("help", "--commands", **production_env())
    assert listed.returncode == 0, listed.stderr
    assert "seed_demo" not in listed.stdout.split()
    assert "rundemo" not in listed.stdout.split()


def test_the_demo_has_its_commands():
    listed = run_manage("help", "--commands", DJANGO_SETTINGS_MODULE="cesiq_site.settings.dev")
    assert listed.returncode == 0, listed.stderr
    assert {"seed_demo", "rundemo"} <= set(listed.stdout.split())


def test_a_system_check_refuses_devtools_with_debug_off(settings):
    settings.DEBUG = False
    settings.TESTING = False
    [error] = devtools_only_in_development(None)
    assert error.id == "devtools.E001"
    settings.DEBUG = True
    assert devtools_only_in_development(None) == []


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_outside_the_demo(settings):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.count()
    settings.DEBUG = False
    settings.TESTING = False
    with pytest.raises(CommandError, match="admin / changeme"):
        call_command("seed_demo", verbosity=0)
    settings.TESTING = True
    settings.DEMO_PAYMENTS = False
    with pytest.raises(CommandError, match="DEMO_PAYMENTS"):
        call_command("seed_demo", verbosity=0)
    assert get_user_model().objects.count() == users


@pytest.mark.django_db
def test_a_seeded_payment_can_be_refunded_after_a_restart(
    settings, tmp_path, admin_user, django_capture_on_commit_callbacks
):
    """As a new user tried it: `make run` seeds paid orders through a fake Stripe, stops, starts
    again; refunding a seeded order from the admin must reach a Stripe that knows the payment
    (it answered "No such payment_intent" when the seed's fake kept its memory to itself)."""
    from devtools.fake_stripe import FakeStripe
    from orders import services
    from orders.models import Order, RefundState

    state = tmp_path / "var" / "fake-stripe.json"
    settings.FAKE_STRIPE_STATE_FILE = state
    # The paid demo order as if it did not exist yet, so that the seed pays one again.
    Order.objects.filter(buyer_email__startswith="commande-payee@").update(
        buyer_email="commande-payee-avant@example.org"
    )
    call_command("seed_demo", verbosity=0)
    order = Order.objects.get(buyer_email__startswith="commande-payee@")
    assert order.state == "paid"
    assert state.exists()

    with FakeStripe(state_file=state) as restarted:  # `make run` again: another process
        settings.STRIPE_API_BASE = restarted.url
        settings.STRIPE_SECRET_KEY = "sk_test_demo"
        with django_capture_on_commit_callbacks(execute=True):
            services.refund(order, Decimal("5.00"), reason="Démo : essai", user=admin_user)
        refund = order.refunds.get()
        assert refund.state == RefundState.SUCCEEDED
        assert refund.stripe_refund_id in restarted.refunds


def test_rundemo_says_so_when_the_fake_stripe_port_asked_for_is_taken(db, settings, monkeypatch):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings.DEBUG, settings.DEMO_PAYMENTS = True, True
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
        monkeypatch.setenv("STRIPE_API_BASE", settings.STRIPE_API_BASE)
        settings.FAKE_STRIPE_STATE_FILE = None
        with pytest.raises(CommandError, match=f"127.0.0.1:{port}.*STRIPE_API_BASE"):
            call_command("rundemo", "127.0.0.1:0")


def test_a_second_demo_gets_a_fake_stripe_of_its_own(db, settings, monkeypatch):
    """Another `make run` (a second checkout, PORT=8001) holds the usual port: this one's fake
    Stripe takes a free one, and the site's payments and emails follow it and its port."""
    import socket
    import urllib.request

    from devtools.management.commands import rundemo

    served = {}

    def runserver(name, addrport, **options):
        served["stripe"] = settings.STRIPE_API_BASE
        served["links"] = settings.WAGTAILADMIN_BASE_URL
        with urllib.request.urlopen(settings.STRIPE_API_BASE + "/") as answer:
            served["status"] = answer.status

    monkeypatch.delenv("STRIPE_API_BASE", raising=False)
    monkeypatch.setattr(rundemo, "call_command", runserver)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings.DEBUG, settings.DEMO_PAYMENTS = True, True
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
        settings.FAKE_STRIPE_STATE_FILE = None
        call_command("rundemo", "127.0.0.1:8001")
    assert served["stripe"].startswith("http://127.0.0.1:")
    assert served["stripe"] != f"http://127.0.0.1:{port}"
    assert served["links"] == "http://127.0.0.1:8001"
    assert served["status"] == 200


def test_the_demo_server_refuses_a_path_out_of_the_static_folder_without_an_error(
    db, settings, monkeypatch
):
    """runserver's own static handler answered 500 to /static/..%2f..%2fmanage.py; the demo
    serves its static files through the site's URLs, which say 400."""
    from django.contrib.staticfiles.management.commands.runserver import Command as Runserver
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test.client import RequestFactory

    from devtools.management.commands import rundemo
    from tests.faults import free_port

    asked = {}
    monkeypatch.setattr(rundemo, "call_command", lambda name, addrport, **o: asked.update(o))
    settings.DEBUG, settings.DEMO_PAYMENTS = True, True
    settings.FAKE_STRIPE_STATE_FILE = None
    monkeypatch.delenv("STRIPE_API_BASE", raising=False)
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"
    call_command("rundemo", "127.0.0.1:8001")
    # Wagtail's emails link to pages through the Site: at the address served.
    from wagtail.models import Site

    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.root_url) == (
        "127.0.0.1",
        8001,
        "http://127.0.0.1:8001",
    )
    # runserver's defaults, then what the demo asks for.
    handler = Runserver().get_handler(
        **{"use_static_handler": True, "insecure_serving": False, **asked}
    )

    def status(path):
        answer = {}
        environ = RequestFactory().get("/").environ
        environ["PATH_INFO"] = path
        # As Django's test client does: the test's connection stays open across the request.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            body = handler(environ, lambda code, headers, *exc: answer.update(code=code))
            b"".join(body)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return int(answer["code"].split()[0])

    # 400 in the demo (its static URLs), 404 here (the test settings have none): not 500.
    assert status("/static/..%2f..%2fmanage.py") in (400, 404)
    assert status("/media/..%2f..%2fmanage.py") in (400, 404)


@pytest.mark.parametrize(
    "path, title",
    [
        ("/activites/nulle-part/", "Page introuvable"),
        ("/en/nowhere/", "Page not found"),
        # No address pattern matches these: Django answers before any view runs.
        ("/ancienne-page.php", "Page introuvable"),
        ("/en/old-page.html", "Page not found"),
        ("/activites/nulle%20part/", "Page introuvable"),
    ],
)
def test_the_demo_answers_a_page_not_found_with_the_sites_own_page(
    client, demo_site, settings, path, title
):
    """DEBUG is on in the demo: a newcomer following a dead link got Django's technical page
    (the site's address patterns, in English), not the site's translated 404."""
    import importlib

    settings.DEBUG = True
    settings.MIDDLEWARE = importlib.import_module("cesiq_site.settings.dev").MIDDLEWARE
    response = client.get(path)
    assert response.status_code == 404
    html = BeautifulSoup(response.content, "html.parser")
    assert html.h1.get_text(strip=True) == title
    assert "URLconf" not in response.content.decode()
