"""Lighthouse's SEO category on the main public page kinds, in French and in English: 100.

Lighthouse comes from the npm registry (`.ci/run` installs it beside vnu-jar into var/ci-node)
and drives the same Debian Chromium as the journeys. Its SEO audits check what a crawler needs:
a 200 status, a <title> and a meta description, a crawlable page (no noindex, robots.txt
allows it), a valid hreflang set, a canonical address, link texts that say where they go,
crawlable anchors, a viewport and legible font sizes. Searching pages (`?q=`) are deliberately
noindex and not listed here.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.conftest import CHROMIUM
from tests.conftest import service_missing

pytestmark = pytest.mark.django_db(transaction=True)

LIGHTHOUSE = Path(
    os.environ.get(
        "LIGHTHOUSE_CLI",
        settings.BASE_DIR / "var/ci-node/node_modules/lighthouse/cli/index.js",
    )
)

# One of each main kind, both languages among them.
PAGES = [
    "/",
    "/en/activities/",
    "/activites/atelier-consommation-equitable/",
    "/en/news/justice-climatique-militantes-du-sud/",
    "/boutique/cafe-perou-biologique/",
]
# Runs Lighthouse on every address with one Chromium (one start instead of one per page).
RUNNER = Path(__file__).with_name("lighthouse_seo.mjs")


def lighthouse_seo(urls):
    """{url: (score 0–100, [failing audits])} of Lighthouse's SEO category."""
    result = subprocess.run(
        ["node", str(RUNNER), str(LIGHTHOUSE.parent.parent), *urls],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    return {
        url: (round(found["score"] * 100), found["failing"] + found["errors"])
        for url, found in report.items()
    }


@pytest.mark.slow
def test_main_page_kinds_score_100_in_lighthouse_seo(site_url):
    if not LIGHTHOUSE.exists():
        service_missing(f"Lighthouse not found at {LIGHTHOUSE} (npm install lighthouse)")
    scores = lighthouse_seo([site_url + path for path in PAGES])
    assert len(scores) == len(PAGES)
    found = {url: result for url, result in scores.items() if result != (100, [])}
    assert found == {}, found
