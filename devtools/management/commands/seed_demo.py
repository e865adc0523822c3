"""Build (or bring up to date) the demo site: pages in French and English, settings, staff groups
(their permissions are in home/permissions.py), the demo administrator, one demo account per
team and a few demo orders. Running it twice gives the same result.

Development only (devtools): it creates ``admin`` / ``changeme``, so it refuses to run unless
DEBUG (or the test settings) and demo payments are on."""

import contextlib
import io
import json
import urllib.error
import urllib.request
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import (
    Collection,
    Locale,
    Page,
    Site,
)

from devtools.demo import checkin as checkin_demo
from devtools.demo import content as demo_content
from devtools.demo import editorial as editorial_demo
from devtools.demo import events as events_demo
from devtools.demo import network as network_demo
from devtools.demo import news as news_demo
from devtools.demo import newsletter as newsletter_demo
from devtools.demo import resources as resources_demo
from devtools.demo import schools as schools_demo
from devtools.demo import shop as shop_demo
from devtools.demo import supporters as supporters_demo
from devtools.fake_stripe import FakeStripe, StateFileBusy
from devtools.indexing import indexes_updated_at_the_end
from events import services as events_services
from home import permissions
from home.models import HomePage, SiteSettings, StandardPage

DEMO_PASSWORD = "changeme"  # noqa: S105 — demo mode only, printed by `make run`


def refuse_outside_demo():
    """The seed creates a superuser with a published password: demo and tests only."""
    if not (settings.DEBUG or getattr(settings, "TESTING", False)):
        raise CommandError(
            "seed_demo crée le compte admin / changeme : il ne s'exécute qu'avec DEBUG "
            "(cesiq_site.settings.dev). seed_demo creates admin / changeme: it only runs with "
            "DEBUG on."
        )
    if not settings.DEMO_PAYMENTS:
        raise CommandError(
            "seed_demo paie ses commandes de démonstration avec le faux Stripe : il faut "
            "DEMO_PAYMENTS (cesiq_site.settings.dev). seed_demo pays its demo orders through the "
            "fake Stripe: DEMO_PAYMENTS must be on."
        )


@contextlib.contextmanager
def demo_stripe():
    """A fake Stripe for the seed's card payments; yields pay(order) -> the paid order.

    In the demo (``FAKE_STRIPE_STATE_FILE``, under var/) it keeps what it learns in the same
    file as the fake that ``make run`` starts, so the seeded payments can be refunded after any
    restart; in the tests it lives in memory.
    """
    from orders import services

    fake = FakeStripe(state_file=getattr(settings, "FAKE_STRIPE_STATE_FILE", None))
    try:
        fake.start()
    except StateFileBusy as exc:
        raise CommandError(f"{exc} Arrêtez-le avant de relancer seed_demo.") from None
    try:
        # The fake Stripe's own test key, not a secret.
        with override_settings(STRIPE_API_BASE=fake.url, STRIPE_SECRET_KEY="sk_test_seed"):  # noqa: S106

            def pay(order):
                url = services.start_checkout(
                    order, success_url="http://localhost/ok", cancel_url="http://localhost/"
                )
                session_id = url.rstrip("/").rsplit("/", 1)[1]
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect())
                try:
                    # The fake Stripe's hosted page, on this machine: the "Payer" button.
                    opener.open(urllib.request.Request(url + "/pay", data=b""), timeout=10)  # noqa: S310
                except urllib.error.HTTPError as exc:  # the 303 to the success page
                    if exc.code != 303:
                        raise
                event = next(
                    e
                    for e in reversed(fake.events)
                    if e["type"] == "checkout.session.completed"
                    and e["data"]["object"]["id"] == session_id
                )
                # What the webhook would receive (no site is listening during the seed).
                services.handle_stripe_event(json.loads(json.dumps(event)))
                order.refresh_from_db()
                return order

            yield pay
            fake.wait_for_webhooks()
    finally:
        fake.stop()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def served_at(url):
    """The default Site's hostname and port for the address the demo is served at (`make
    run` gives it): Wagtail's own emails (a page approved, a comment) link to pages through
    them; « localhost » led nowhere."""
    served = urlsplit(url)
    return served.hostname or "localhost", served.port or (443 if served.scheme == "https" else 80)


class Command(BaseCommand):
    help = "Crée ou met à jour le contenu de démonstration (idempotent)."

    def handle(self, *args, **options):
        refuse_outside_demo()
        # The search and reference indexes are built once at the end, not at every save.
        with transaction.atomic(), indexes_updated_at_the_end():
            self.seed()
        self.stdout.write(self.style.SUCCESS("Contenu de démonstration prêt."))

    def seed(self):
        locales = {
            code: Locale.objects.get_or_create(language_code=code)[0]
            for code, _name in settings.LANGUAGES
        }
        self.ensure_tree_roots(locales["fr"])
        home = self.seed_home(locales)
        self.seed_pages(home, locales)
        events_demo.seed(home, locales)
        checkin_demo.seed_attendee_names()
        shop_demo.seed(home, locales)
        supporters_demo.seed(home, locales)
        news_demo.seed(home, locales)
        resources_demo.seed(home, locales)
        network_demo.seed(home, locales)
        editorial_demo.seed(home)
        newsletter_demo.seed(home, locales, permissions.DEMO_EMAIL_DOMAIN)
        self.seed_settings(home)
        self.seed_groups()
        self.seed_admin()
        self.seed_staff_users()
        self.seed_orders()
        shop_demo.seed_orders(demo_stripe, permissions.DEMO_EMAIL_DOMAIN)
        schools_demo.seed(home, locales)

    def ensure_tree_roots(self, locale):
        """Wagtail's migrations create the root page and collection; a flushed database (as
        after `manage.py flush` or a transactional test) has neither."""
        if not Page.get_root_nodes():
            Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
        if not Collection.get_root_nodes():
            Collection.add_root(name="Root")

    # --- pages ----------------------------------------------------------------------------

    def seed_home(self, locales):
        root = Page.get_first_root_node()
        home = HomePage.objects.filter(locale=locales["fr"], depth=2).first()
        if home is None:
            home = HomePage(slug="accueil", locale=locales["fr"], **self.home_fields("fr"))
            root.add_child(instance=home)
        self.update_page(home, self.home_fields("fr"))

        site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
        site.hostname, site.port = served_at(settings.WAGTAILADMIN_BASE_URL)
        site.site_name, site.root_page = "CÉSIQ", home
        site.save()
        # Wagtail's starter page is not ours: remove it once our home page is the root.
        Page.objects.filter(depth=2, content_type__model="page").exclude(pk=home.pk).delete()

        english = home.get_translation_or_none(locales["en"])
        if english is None:
            english = home.copy_for_translation(locales["en"])
        english = english.specific
        english.slug = "home"
        self.update_page(english, self.home_fields("en"))
        return home

    def home_fields(self, lang):
        data = demo_content.HOME[lang]
        return {
            "title": data["title"],
            "hero_title": data["hero_title"],
            "hero_text": data["hero_text"],
            "hero_cta_label": data["hero_cta_label"],
            "hero_image": self.hero_image(),
        }

    def seed_pages(self, home, locales):
        for spec in demo_content.PAGES:
            fr_page = home.get_children().filter(slug=spec["slug"]).first()
            if fr_page is None:
                fr_page = StandardPage(
                    slug=spec["slug"], title=spec["fr"]["title"], locale=locales["fr"]
                )
                home.add_child(instance=fr_page)
            fr_page = fr_page.specific
            self.update_page(fr_page, self.standard_fields(spec, "fr"))

            en_page = fr_page.get_translation_or_none(locales["en"])
            if en_page is None:
                en_page = fr_page.copy_for_translation(locales["en"])
            self.update_page(en_page.specific, self.standard_fields(spec, "en"))

        # The home pages' button and call-to-action point at pages that exist only now.
        mission = home.get_children().get(slug="mission")
        for lang, page in [("fr", home), ("en", home.get_translation(locales["en"]).specific)]:
            self.update_page(
                page,
                {
                    "hero_cta_page": mission,
                    "body": self.stream(demo_content.HOME[lang]["body"], home),
                },
            )

    def standard_fields(self, spec, lang):
        data = spec[lang]
        return {
            "title": data["title"],
            "slug": data["slug"],
            "introduction": data["introduction"],
            "show_in_menus": spec["show_in_menus"],
            "body": self.stream(data["body"]),
        }

    def stream(self, blocks, home=None):
        """Turn the content lists into StreamField data, resolving page links by slug."""
        result = []
        for block_type, value in blocks:
            if block_type == "call_to_action":
                value = dict(value)
                slug = value.pop("page_slug")
                target = home.get_children().filter(slug=slug).first() if home else None
                value["page"] = target
                if target is None:
                    value["external_url"] = "https://cesiq.example/"
            result.append((block_type, value))
        return result

    def update_page(self, page, fields):
        for name, value in fields.items():
            setattr(page, name, value)
        page.save_revision().publish()

    def hero_image(self):
        """A generated illustration, so the demo needs no file from the internet."""
        Image = get_image_model()
        existing = Image.objects.filter(title="Illustration CÉSIQ").first()
        if existing:
            return existing
        from PIL import Image as PILImage
        from PIL import ImageDraw

        canvas = PILImage.new("RGB", (1200, 900), "#0b6e4f")
        draw = ImageDraw.Draw(canvas)
        colours = ["#f4c95d", "#e4572e", "#17bebb", "#ffffff", "#76b041"]
        for i, colour in enumerate(colours):
            x = 120 + i * 220
            draw.ellipse((x - 90, 520 - (i % 2) * 120, x + 90, 700 - (i % 2) * 120), fill=colour)
        draw.arc((100, 120, 1100, 1100), 200, 340, fill="#f4c95d", width=40)
        buffer = io.BytesIO()
        canvas.save(buffer, "JPEG", quality=85)
        image = Image(title="Illustration CÉSIQ", collection=Collection.get_first_root_node())
        image.file = ImageFile(buffer, name="cesiq-illustration.jpg")
        image.save()
        return image

    # --- settings, groups, users ----------------------------------------------------------

    def seed_settings(self, home):
        site = Site.objects.get(root_page=home)
        site_settings = SiteSettings.for_site(site)
        for name, value in demo_content.SITE_SETTINGS.items():
            setattr(site_settings, name, value)
        site_settings.privacy_page = home.get_children().get(slug="confidentialite")
        # The sharing image of pages that have none of their own (Open Graph, Twitter card).
        site_settings.share_image = self.hero_image()
        site_settings.save()

    def seed_groups(self):
        """Each staff group with exactly the permissions `home.permissions.TEAMS` lists."""
        permissions.apply_teams(demo_content.STAFF_GROUPS)

    def demo_password_hash(self):
        """The demo password hashed once per seed for the five demo accounts: each PBKDF2 hash
        costs about a second of CPU, and this password is public anyway."""
        if not hasattr(self, "_demo_password_hash"):
            self._demo_password_hash = make_password(DEMO_PASSWORD)
        return self._demo_password_hash

    def seed_admin(self):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username="admin",
            defaults={"email": "admin@cesiq.example", "first_name": "Admin", "last_name": "Démo"},
        )
        user.is_staff = user.is_superuser = True
        if created:
            user.password = self.demo_password_hash()
        user.save()
        user.groups.add(Group.objects.get(name="Administration"))

    def seed_staff_users(self):
        """One demo account per team. Not `is_staff`: Wagtail's admin needs only the team's
        `access_admin`, and that flag would open Django's own admin (/django-admin/) to them."""
        User = get_user_model()
        for username, group_name in permissions.DEMO_USERS.items():
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "email": f"{username}@{permissions.DEMO_EMAIL_DOMAIN}",
                    "first_name": group_name,
                    "last_name": "Démo",
                },
            )
            user.is_staff = user.is_superuser = False
            if created:
                user.password = self.demo_password_hash()
            user.save()
            user.groups.set([Group.objects.get(name=group_name)])

    # --- demo orders ------------------------------------------------------------------------

    def seed_orders(self):
        """A few orders in the states staff meet, made by the same services as the public site
        (paid free registrations already fill the sold-out workshop, see devtools.demo.events).

        Orders paid by card (one of them partly refunded) go through the fake Stripe, started
        for the seed only: checkout, the hosted page's "Payer", the signed event applied by the
        webhook's own service, the refund through the Refund API. A state is never written by
        hand. Each order is found again by its buyer's address, so a second run adds none.
        """
        from events.models import EventPage
        from orders import services as orders
        from orders.models import Order

        def missing(email):
            return not Order.objects.filter(buyer_email=email).exists()

        # Demo orders go on the long training, which no other test or demo counts seats of.
        page = EventPage.objects.get(
            slug="formation-citoyennete-mondiale", locale__language_code="fr"
        )
        first_date, second_date = page.dates.order_by("start")[:2]
        ticket = page.ticket_types.first()

        def buy(email, name, date, now=None):
            return orders.place_order(
                kind="tickets",
                buyer_name=name,
                buyer_email=email,
                language="fr",
                selections=[orders.Selection(item=ticket, quantity=1, option=date)],
                now=now,
            )

        # Pending: places held until the hold runs out (then the periodic sweep expires it).
        email = f"commande-en-attente@{permissions.DEMO_EMAIL_DOMAIN}"
        if missing(email):
            events_services.register(
                page,
                date_id=first_date.pk,
                tickets=[(ticket, 2, None)],
                buyer_name="Acheteuse démo (en attente)",
                buyer_email=email,
                language="fr",
            )

        # Expired: placed two hours ago and never paid.
        email = f"commande-expiree@{permissions.DEMO_EMAIL_DOMAIN}"
        if missing(email):
            placed = timezone.now() - timedelta(hours=2)
            orders.expire_order(buy(email, "Acheteur démo (expiré)", second_date, now=placed))

        # Cancelled before it was paid: its places are back on sale, nothing to refund.
        email = f"commande-annulee@{permissions.DEMO_EMAIL_DOMAIN}"
        if missing(email):
            order = buy(email, "Participante démo (annulée)", second_date)
            orders.cancel_order(order, reason="Démo : annulée à la demande de la participante")

        # Paid by card, and paid then partly refunded.
        paid_email = f"commande-payee@{permissions.DEMO_EMAIL_DOMAIN}"
        refunded_email = f"commande-remboursee@{permissions.DEMO_EMAIL_DOMAIN}"
        if missing(paid_email) or missing(refunded_email):
            with demo_stripe() as pay:
                if missing(paid_email):
                    pay(buy(paid_email, "Acheteur démo (payé)", first_date))
                if missing(refunded_email):
                    order = pay(buy(refunded_email, "Acheteuse démo (remboursée)", first_date))
                    refund = orders.refund(
                        order, Decimal("20.00"), reason="Démo : geste commercial", user=None
                    )
                    # Now, while the fake Stripe runs (the after-commit task then finds it done).
                    orders.execute_refund(refund.pk)
