"""Screenshots of every kind of page, in French and English, on a phone and a laptop, so that a
reviewer can look at the site without running it: `make screenshots` → var/screenshots/.

The pages are the ones the accessibility and HTML checks visit (tests/a11y_pages.py), plus the
staff check-in page of a date, taken logged in as the demo's ticketing team. The site is served
from the demo database by a server thread of this command; Chromium is Debian's
(CHROMIUM_PATH, default /usr/bin/chromium), driven by Playwright.
"""

import os
import re
import threading
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.core.wsgi import get_wsgi_application
from django.urls import reverse

WIDTHS = (390, 1366)
STAFF = ("billetterie", "changeme")


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Command(BaseCommand):
    help = "Captures d'écran de chaque type de page (FR/EN, 390 et 1366 px) dans var/screenshots/."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.VAR_DIR) / "screenshots"))

    def handle(self, *args, out, **options):
        chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
        if not Path(chromium).exists():
            raise CommandError(f"Chromium introuvable : {chromium} (apt-get install chromium)")
        from playwright.sync_api import sync_playwright

        from events.models import EventPage
        from tests.a11y_pages import page_kinds

        pages = [(name, fr, en) for name, fr, en in page_kinds()]
        event = EventPage.objects.live().filter(locale__language_code="fr").first()
        date = event.upcoming_dates[0] if event and event.upcoming_dates else None

        server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
        server.set_app(StaticFilesHandler(get_wsgi_application()))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        taken = 0
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium,
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                )
                for width in WIDTHS:
                    context = browser.new_context(
                        viewport={"width": width, "height": 900}, locale="fr-CA"
                    )
                    page = context.new_page()
                    for name, fr, en in pages:
                        for language, path in (("fr", fr), ("en", en)):
                            page.goto(base + path)
                            target = folder / f"{slug(name)}-{language}-{width}.png"
                            page.screenshot(path=str(target), full_page=True)
                            taken += 1
                    if date is not None:
                        page.goto(base + "/admin/login/")
                        page.fill("#id_username", STAFF[0])
                        page.fill("#id_password", STAFF[1])
                        page.click("button[type=submit]")
                        page.goto(base + reverse("events_staff:checkin", args=[date.pk]))
                        page.screenshot(
                            path=str(folder / f"check-in-fr-{width}.png"), full_page=True
                        )
                        taken += 1
                    context.close()
                browser.close()
        finally:
            server.shutdown()
        self.stdout.write(f"{taken} captures dans {folder}/")
