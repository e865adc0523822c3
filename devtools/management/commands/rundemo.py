"""Serve the demo site together with the fake Stripe, so that a demo purchase follows the
production code path: Checkout Session over HTTP, hosted page, signed webhook back to the site.

The fake keeps its state in ``FAKE_STRIPE_STATE_FILE`` (var/fake-stripe.json), which
``seed_demo`` also writes: every seeded payment can be refunded after any restart.

``--prepare`` (what ``make run`` uses) first migrates and seeds the demo database, in this
same process (each Python start costs seconds here), and only when needed: a second
``make run`` with nothing changed starts serving at once.
"""

import hashlib
import json
import os
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from devtools.fake_stripe import FakeStripe, StateFileBusy

# What decides the demo content: the seed's own code and data. A change to any of them, or
# any migration applied, runs the seed again (it is idempotent: it brings the content up to
# date). `make seed` runs it unconditionally.
# What the seed reads: its data, its command, and the teams' permissions it gives the demo
# accounts (home/permissions.py, which no migration carries).
SEED_SOURCES = (
    "devtools/demo/*.py",
    "devtools/management/commands/seed_demo.py",
    "home/permissions.py",
)


def unapplied_migrations(connection):
    executor = MigrationExecutor(connection)
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def seed_fingerprint(connection):
    """The seed's sources and the migrations applied to this database, as one digest."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for pattern in SEED_SOURCES:
        for path in sorted(base.glob(pattern)):
            digest.update(path.relative_to(base).as_posix().encode())
            digest.update(path.read_bytes())
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            digest.update(f"{app}.{name}\n".encode())
    return digest.hexdigest()


def database_label(connection):
    """Which database the stamp is about (a SQLite file, or a server's database)."""
    params = connection.settings_dict
    return (
        f"{params['ENGINE']}|{params.get('HOST') or ''}|{params.get('PORT') or ''}|{params['NAME']}"
    )


def demo_is_seeded(connection):
    """The seed's home page is the default site's root (a flushed or new database has none)."""
    from wagtail.models import Site

    return (
        Site.objects.using(connection.alias)
        .filter(is_default_site=True, root_page__depth=2, root_page__slug="accueil")
        .exists()
    )


class Command(BaseCommand):
    help = "Démarre le site de démonstration et le faux Stripe (paiements de démonstration)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--prepare",
            action="store_true",
            help="Migre et charge le contenu de démonstration d'abord, si nécessaire.",
        )

    def handle(self, *args, addrport, prepare=False, **options):
        if not settings.DEBUG or not settings.DEMO_PAYMENTS or not settings.STRIPE_API_BASE:
            raise CommandError("rundemo needs DEBUG and demo payments (cesiq_site.settings.dev).")
        host, _, port = addrport.rpartition(":")
        # Links in emails point at this server, whatever port it was given (the emails of the
        # demo's own orders, written by the seed, too).
        settings.WAGTAILADMIN_BASE_URL = f"http://{addrport}"
        if prepare:
            self.prepare()
        self.serve_site_here()
        stripe_url = settings.STRIPE_API_BASE.rstrip("/")
        stripe_host, _, stripe_port = stripe_url.split("//", 1)[1].rpartition(":")
        fake = FakeStripe(
            host=stripe_host,
            port=int(stripe_port),
            webhook_url=f"http://{host}:{port}/payments/stripe/webhook/",
            webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
            state_file=getattr(settings, "FAKE_STRIPE_STATE_FILE", None),
        )
        try:
            # Stripe's own clock runs too: a demo refund set to fail later does fail.
            fake.start(tick=2)
        except StateFileBusy as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:  # its port is taken: another demo, or something else
            if "STRIPE_API_BASE" in os.environ:  # asked for: that port or none
                raise CommandError(
                    f"Le faux Stripe ne peut pas écouter sur {stripe_host}:{stripe_port} "
                    f"({exc.strerror}). Un autre « make run » tourne-t-il ? Arrêtez-le, ou "
                    "choisissez un autre port avec STRIPE_API_BASE=http://127.0.0.1:12112."
                ) from None
            # The usual port, taken by another demo (a second checkout, PORT=8001 make run):
            # any free port does, and the site's Stripe calls go there.
            fake.port = 0
            fake.start(tick=2)
            settings.STRIPE_API_BASE = fake.url
        self.stdout.write(f"Faux Stripe (MODE DÉMO — aucun paiement réel) : {fake.url}/")
        try:
            # No autoreloader: it would start a second fake Stripe in its child process.
            # Static files through the site's own URLs (as WhiteNoise serves them in
            # production), not runserver's handler, which answers 500 to a path that climbs
            # out of the static folder (/static/..%2f..%2fmanage.py) where the URLs say 400.
            call_command("runserver", addrport, use_reloader=False, use_static_handler=False)
        finally:
            fake.stop()

    def serve_site_here(self):
        """The seed, done for another port, left the Site's address behind (Wagtail's emails
        link to pages through it)."""
        from wagtail.models import Site

        from .seed_demo import served_at

        site = Site.objects.filter(is_default_site=True).first()
        address = served_at(settings.WAGTAILADMIN_BASE_URL)
        if site is not None and (site.hostname, site.port) != address:
            site.hostname, site.port = address
            site.save()

    def prepare(self):
        """`make migrate seed`, skipping what is already done."""
        connection = connections[DEFAULT_DB_ALIAS]
        if unapplied_migrations(connection):
            call_command("migrate", interactive=False)
        stamp = Path(settings.VAR_DIR) / "demo-seed.json"
        wanted = {"database": database_label(connection), "seed": seed_fingerprint(connection)}
        try:
            done = json.loads(stamp.read_text())
        except (OSError, ValueError):
            done = None
        if done == wanted and demo_is_seeded(connection):
            self.stdout.write("Contenu de démonstration déjà à jour (make seed pour le refaire).")
            return
        call_command("seed_demo")
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(json.dumps(wanted))
