"""Serve the demo site together with the fake Stripe, so that a demo purchase follows the
production code path: Checkout Session over HTTP, hosted page, signed webhook back to the site.

The fake keeps its state in ``FAKE_STRIPE_STATE_FILE`` (var/fake-stripe.json), which
``seed_demo`` also writes: every seeded payment can be refunded after any restart.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from devtools.fake_stripe import FakeStripe, StateFileBusy


class Command(BaseCommand):
    help = "Démarre le site de démonstration et le faux Stripe (paiements de démonstration)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        if not settings.DEBUG or not settings.DEMO_PAYMENTS or not settings.STRIPE_API_BASE:
            raise CommandError("rundemo needs DEBUG and demo payments (cesiq_site.settings.dev).")
        host, _, port = addrport.rpartition(":")
        # Links in emails point at this server, whatever port it was given.
        settings.WAGTAILADMIN_BASE_URL = f"http://{addrport}"
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
        self.stdout.write(f"Faux Stripe (MODE DÉMO — aucun paiement réel) : {fake.url}/")
        try:
            # No autoreloader: it would start a second fake Stripe in its child process.
            call_command("runserver", addrport, use_reloader=False)
        finally:
            fake.stop()
