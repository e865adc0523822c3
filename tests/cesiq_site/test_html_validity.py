"""The Nu HTML Checker (vnu-jar, from the npm registry; `.ci/run` installs it) finds no error in
any public page kind, in French and in English, nor in the HTML emails a registration and a
waiting-list join send. Without Java or vnu.jar the test is skipped (and fails in CI)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.a11y_pages import page_kinds
from tests.conftest import service_missing

pytestmark = pytest.mark.django_db

VNU_JAR = Path(
    os.environ.get(
        "VNU_JAR", settings.BASE_DIR / "var/ci-node/node_modules/vnu-jar/build/dist/vnu.jar"
    )
)


# A run checks a few dozen documents and ends: with only the JIT's first tier and the simplest
# garbage collector it takes about half the CPU (1.2 s instead of 2.3 s for one page here); the
# checker is the same program giving the same messages. That tier's code needs a larger stack
# for the HTML schema's recursion (the checker asks for at least 512k).
JAVA_OPTIONS = ["-Xss4m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


def vnu_errors(documents, tmp_path):
    """{name: [message…]} for every document with an error, as the checker words them."""
    if not shutil.which("java"):
        service_missing("Java is not installed (apt-get install default-jre-headless)")
    if not VNU_JAR.exists():
        service_missing(f"vnu.jar not found at {VNU_JAR} (npm install vnu-jar, see .ci/run)")
    files = {}
    for index, (name, html) in enumerate(documents):
        path = tmp_path / f"{index:03d}.html"
        path.write_text(html, encoding="utf-8")
        files[str(path)] = name
    run = subprocess.run(
        ["java", *JAVA_OPTIONS, "-jar", str(VNU_JAR), "--errors-only", "--format", "json"]
        + list(files),
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(run.stderr)
    errors = {}
    for message in report.get("messages", []):
        url = message.get("url", "")
        where = files.get(url.removeprefix("file:").removeprefix("//"), url)
        errors.setdefault(where, []).append(
            f"{message.get('lastLine')}: {message.get('message')} — {message.get('extract', '')}"
        )
    return errors


def test_every_page_kind_is_valid_html(client, demo_site, tmp_path):
    documents = []
    for name, french, english in page_kinds():
        for path in (french, english):
            response = client.get(path)
            assert response.status_code in (200, 404), (path, response.status_code)
            documents.append((f"{name} {path}", response.content.decode()))
    errors = vnu_errors(documents, tmp_path)
    assert errors == {}, "\n".join(f"{k}: {v}" for k, v in errors.items())


def test_html_emails_are_valid_html(
    client, demo_site, tmp_path, django_capture_on_commit_callbacks
):
    from events.models import EventPage
    from orders.models import OutboxEmail
    from tests.events.conftest import registration_data

    free = EventPage.objects.get(slug="conference-justice-climatique", locale__language_code="fr")
    ticket = free.source.ticket_types.get()
    full = EventPage.objects.get(slug="atelier-presque-complet", locale__language_code="fr")
    with django_capture_on_commit_callbacks(execute=True):
        for page in (free, free.get_translations().get().specific):
            client.post(
                page.url + page.reverse_subpage("register"),
                registration_data(free, **{f"quantity_{ticket.pk}": 1}),
            )
        client.post(
            full.url + "liste-attente/",
            {
                "date": full.source.upcoming_dates[0].pk,
                "places": 1,
                "name": "Awa Diallo",
                "email": "liste@example.org",
                "consent": "on",
                "website": "",
            },
        )
    emails = list(OutboxEmail.objects.all())
    assert len(emails) >= 2
    errors = vnu_errors([(f"{e.language} {e.subject}", e.body_html) for e in emails], tmp_path)
    assert errors == {}, "\n".join(f"{k}: {v}" for k, v in errors.items())


def test_the_checker_reports_what_the_issue_found(tmp_path):
    """The check can fail: the home page's old picture markup is reported."""
    bad = (
        '<!DOCTYPE html><html lang="fr"><head><title>x</title></head><body><picture>'
        '<source srcset="a.avif" sizes="100vw"><img src="a.jpg" sizes="100vw" alt="">'
        "</picture></body></html>"
    )
    errors = vnu_errors([("old home page", bad)], tmp_path)
    assert len(errors["old home page"]) == 2
