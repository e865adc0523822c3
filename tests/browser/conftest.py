"""Browser journeys: Playwright for Python driving Debian's Chromium against a live server.

Playwright's own browser download does not work on these machines, so the tests launch
Debian's Chromium: its headless shell (`chromium-headless-shell`, the browser Playwright itself
uses for headless runs: the same engine without the desktop browser around it, a quarter less
CPU for the same pages) when installed, else `chromium`; CHROMIUM_PATH chooses another.
Without either they are skipped with the reason, and fail in CI (CI=true), where `.ci/run`
installs both.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import WEBHOOK_SECRET, service_missing

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run in
# a thread with a running loop unless told it is safe (the tests are single-threaded here).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEBIAN_CHROMIUMS = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")
CHROMIUM = os.environ.get("CHROMIUM_PATH") or next(
    (path for path in DEBIAN_CHROMIUMS if Path(path).exists()), DEBIAN_CHROMIUMS[-1]
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WCAG_22_AA = WCAG_21_AA + ["wcag22a", "wcag22aa"]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        service_missing(
            f"Chromium not found at {CHROMIUM} (apt-get install chromium-headless-shell)"
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


# How long an action (`set_default_timeout` below) or an assertion (`expect`) waits for the
# page: Playwright's 5 s for assertions was too short on a loaded machine (CI shares its two
# cores with the other test process, its browser and PostgreSQL): a check-in's answer came
# after it. Both stop waiting as soon as the page is ready.
PATIENCE_MS = 15_000


@pytest.fixture(autouse=True)
def patient_assertions():
    from playwright.sync_api import expect

    expect.set_options(timeout=PATIENCE_MS)


@pytest.fixture
def browser_page(chromium):
    """A fresh browser tab (own cookies) with a French-speaking Québec visitor's settings."""
    context = chromium.new_context(locale="fr-CA", timezone_id="America/Toronto")
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(chromium):
    context = chromium.new_context(
        locale="fr-CA", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo_checkout(live_server, settings):
    """The fake Stripe, sending its signed webhooks to the live site as Stripe would."""
    from devtools.fake_stripe import FakeStripe

    with FakeStripe(
        webhook_url=live_server.url + "/payments/stripe/webhook/", webhook_secret=WEBHOOK_SECRET
    ) as fake:
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_SECRET_KEY = "sk_test_browser"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        yield fake


@pytest.fixture
def site_url(live_server, committed_demo_site):
    """The live server, serving the demo content exactly as seeded (tests/conftest.py)."""
    return live_server.url


AXE_SOURCE = None
# axe-core keeps every node of every passed and inapplicable rule unless told otherwise: with
# resultTypes it keeps one of each (the violations in full), and it does not compute the
# selectors, ancestry and XPath of the nodes it drops. The checks run are the same.
AXE_OPTIONS = {"resultTypes": ["violations"]}
# What comes back from the page: each violation's rule, impact, help and first five targets
# (what the helpers below print), not axe's whole report with its passes and inapplicable
# rules, which Playwright would send over and check field by field for nothing.
AXE_RUN = """([rules, options]) => axe.run(document, {runOnly: rules, ...options}).then(
    (result) => result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.slice(0, 5).map((node) => (node.target.length ? node.target[0] : "?")),
    })))"""


def admin_login(page, site_url, username):
    """Log a seeded team account (password « changeme », as in the demo) into the admin."""
    page.goto(site_url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "changeme")
    page.click("button[type=submit]")
    page.wait_for_url(site_url + "/admin/")


def at_each_width(page, url, widths=(1280, 320)):
    """Load `url` once, then resize the page to each width in turn (yielding it). The public
    pages run no script that depends on the width: at another width they are the same page
    laid out again by their CSS media queries, checked without loading it again."""
    page.set_viewport_size({"width": widths[0], "height": 900})
    page.goto(url)
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        yield width


def load_axe(page):
    """Put axe-core in the page, unless it is there already (the same page checked at
    another width, or a page of a tab that had it: see below). A click that submits a form or
    follows a link returns once the next page has started to arrive: wait for all of it, or
    axe checks half a page (or the old one)."""
    global AXE_SOURCE
    page.wait_for_load_state()
    if page.evaluate("typeof axe !== 'undefined'"):
        return
    if AXE_SOURCE is None:
        import axe_playwright_python

        AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
    page.evaluate(AXE_SOURCE)
    # The next pages of this tab's browser context get it as they load: its 550 kB are sent
    # to the browser once, not once for each page checked.
    if not getattr(page.context, "_cesiq_axe", False):
        page.context.add_init_script(AXE_SOURCE)
        page.context._cesiq_axe = True


def _readable(violations):
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(map(str, v["targets"]))
        for v in violations
    ]


def axe_violations(page, tags=WCAG_21_AA):
    """Run axe-core in the page and return its WCAG 2.1 A/AA violations, readable.

    axe-core comes bundled in the `axe-playwright-python` wheel (the same axe-core that the npm
    registry serves), so the lock file pins it and no npm install is needed.
    """
    load_axe(page)
    return _readable(page.evaluate(AXE_RUN, [{"type": "tag", "values": list(tags)}, AXE_OPTIONS]))


def axe_wcag22_violations(page):
    """WCAG 2.2 A/AA, axe's experimental rules included: those (label-content-name-mismatch
    for 2.5.3, for one) run only when named, so every rule tagged with a WCAG 2.2 A/AA
    criterion is named."""
    load_axe(page)
    rules = page.evaluate("(tags) => axe.getRules(tags).map((rule) => rule.ruleId)", WCAG_22_AA)
    return _readable(page.evaluate(AXE_RUN, [{"type": "rule", "values": rules}, AXE_OPTIONS]))
