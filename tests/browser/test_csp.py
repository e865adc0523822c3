"""The Content-Security-Policy is sent and nothing the site shows breaks it: Chromium reports
no violation (neither a `securitypolicyviolation` event nor a console error) on the public
pages in French and English, the registration form and its errors, the demo checkout round
trip back to the receipt, the Wagtail admin pages staff use and the check-in page.

The fake Stripe's hosted page is a dev tool on another origin: its own policy is not ours, so
only violations in the site's own documents count."""

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import Locale

from events.models import EventPage
from orders.models import Order
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db(transaction=True)

WATCH = """
document.addEventListener("securitypolicyviolation", (e) => {
    window.__cspViolation({
        document: e.documentURI,
        directive: e.effectiveDirective,
        blocked: e.blockedURI,
        source: e.sourceFile + ":" + e.lineNumber,
        sample: e.sample,
    });
});
"""


class CSPWatch:
    """Everything Chromium says about the policy, in documents of the site."""

    def __init__(self, page, site_url):
        self.page, self.site_url = page, site_url
        self.violations = []
        page.expose_function("__cspViolation", self._violation)
        page.context.add_init_script(WATCH)
        page.on("console", self._console)

    def _violation(self, report):
        if report["document"].startswith(self.site_url):
            self.violations.append(report)

    def _console(self, message):
        text = message.text
        where = message.page.url if message.page else ""
        if "Content Security Policy" in text and where.startswith(self.site_url):
            self.violations.append({"document": where, "console": text})

    def visit(self, path, *, policy="strict"):
        response = self.page.goto(self.site_url + path)
        assert response.status == 200, (path, response.status)
        self.check(response, policy)
        return response

    def check(self, response=None, policy="strict"):
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(150)  # violation events are delivered asynchronously
        if response is not None:
            header = response.header_value("content-security-policy")
            assert header, f"no Content-Security-Policy on {response.url}"
            directives = dict(d.strip().split(" ", 1) for d in header.split(";") if " " in d)
            assert directives["object-src"] == "'none'" and "frame-ancestors" in directives
            assert "'unsafe-eval'" not in header
            if policy == "strict":
                assert "'unsafe-inline'" not in header, header
            else:  # the admin: inline scripts and styles, nothing else relaxed
                assert directives["script-src"] == "'self' 'unsafe-inline'", header
        found, self.violations = self.violations, []
        assert found == [], self.page.url


@pytest.fixture
def watch(browser_page, site_url):
    return CSPWatch(browser_page, site_url)


def test_the_watch_sees_what_the_policy_blocks(watch):
    """A script injected without the nonce is refused and reported: the check below is real."""
    watch.visit("/")
    watch.page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = true"; document.head.appendChild(s); }"""
    )
    watch.page.wait_for_timeout(200)
    assert watch.page.evaluate("window.__ran === true") is False
    assert [v.get("directive") for v in watch.violations if "directive" in v] == ["script-src-elem"]
    watch.violations = []
    # The page's own inline script ran, with its nonce.
    assert watch.page.evaluate("document.documentElement.classList.contains('js')")


def test_public_pages_and_the_demo_checkout_break_no_policy(watch, demo_checkout, site_url):
    page = watch.page
    for path in ["/", "/en/", "/activites/", "/en/activities/"]:
        watch.visit(path)
    watch.visit("/activites/?audience=adultes&vue=mois")

    workshop = EventPage.objects.get(
        slug="atelier-consommation-equitable", locale__language_code="fr"
    )
    english = workshop.get_translation(Locale.objects.get(language_code="en"))
    watch.visit(english.url)
    watch.visit(workshop.url)  # with its JSON-LD data block, which is not a script to run
    assert page.locator('script[type="application/ld+json"]').count() >= 1
    watch.visit(workshop.url + "inscription/")

    # The form's error state.
    page.get_by_role("button", name="Confirmer l'inscription").click()
    page.wait_for_load_state("load")
    assert page.locator(".field__error, [role=alert]").count() > 0
    watch.check()

    # Two paid tickets, through the demo checkout and back to the receipt.
    page.get_by_role("radio").first.check()
    page.get_by_label("Régulier").fill("2")
    page.get_by_label("Votre nom").fill("Awa Diallo")
    page.get_by_label("Votre courriel").fill("awa@example.org")
    page.get_by_label("J'accepte").check()
    page.get_by_role("button", name="Confirmer l'inscription").click()
    page.wait_for_url(demo_checkout.url + "/checkout/**")  # form-action let the redirect go
    page.get_by_role("button", name="Payer", exact=True).click()
    page.wait_for_url(f"{site_url}/**")
    page.wait_for_selector("text=Votre commande est confirmée", timeout=20_000)
    watch.check()
    receipt = page.url
    watch.visit(receipt.removeprefix(site_url))


def test_admin_pages_staff_use_break_no_policy(watch, site_url, django_user_model):
    activity = EventPage.objects.get(
        slug="conference-justice-climatique", locale__language_code="fr"
    )
    date = activity.source.upcoming_dates[0]
    ticket = activity.source.ticket_types.get(name="Entrée libre")
    data = registration_data(
        activity,
        buyer_email="csp@example.org",
        date=date.pk,
        attendee_names="Fatou Diallo",
        **{f"quantity_{ticket.pk}": 1},
    )
    assert Client().post(activity.url + "inscription/", data).status_code == 302
    order = Order.objects.get(buyer_email="csp@example.org")
    django_user_model.objects.create_superuser("csp-admin", "csp@example.org", "pw")

    page = watch.page
    watch.visit("/admin/login/")  # open to anyone: as strict as the public site
    page.fill("#id_username", "csp-admin")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(site_url + "/admin/")
    watch.check()

    for path in [
        "/admin/",
        reverse("wagtailadmin_pages:edit", args=[activity.pk]),
        reverse("order:index"),
        reverse("order:inspect", args=[order.pk]),
        reverse("events_staff:attendees", args=[date.pk]),
        reverse("events_staff:sign_in_sheet", args=[date.pk]),
        reverse("orders_sales_report"),
    ]:
        watch.visit(path, policy="admin")

    # The check-in page, and its own script running: checking a ticket in by its code.
    watch.visit(reverse("events_staff:checkin", args=[date.pk]), policy="admin")
    code = order.lines.get().attendees.get().ticket_code
    page.get_by_label("Code du billet").fill(code)
    page.get_by_label("Code du billet").press("Enter")
    page.wait_for_selector("#checkin-result[data-status=ok]")
    watch.check()

    # A logged-in editor sees the public site with Wagtail's user bar: still no violation.
    watch.visit("/")
    assert page.locator("#wagtail-userbar-template, wagtail-userbar").count() >= 1
