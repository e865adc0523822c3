"""At the door, on a phone: a staff member logs in, checks one person in by typing the ticket
code and another by searching a name; the check-in page passes axe (WCAG 2.1 A/AA). At 390 px
nothing is cut and the buttons are large; without signal, two phones check the same ticket in,
and when the signal returns their scans reach the server, which shows staff the conflict."""

import base64
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Attendee, CheckInScan, EventPage
from events.tickets import qr_png
from orders.models import Order
from tests.browser.conftest import PATIENCE_MS, axe_violations
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db(transaction=True)


def register_at_the_talk(email, names):
    """Register `names` for the demo's free talk, first date, as its form does: their
    tickets (Attendee rows), in order."""
    page = EventPage.objects.get(slug="conference-justice-climatique", locale__language_code="fr")
    date = page.source.upcoming_dates[0]
    ticket = page.source.ticket_types.get(name="Entrée libre")
    data = registration_data(
        page,
        buyer_email=email,
        date=date.pk,
        attendee_names="\n".join(names),
        **{f"quantity_{ticket.pk}": len(names)},
    )
    assert Client().post(page.url + "inscription/", data).status_code == 302
    order = Order.objects.get(buyer_email=email)
    return list(Attendee.objects.filter(order_line__order=order).order_by("pk"))


@pytest.fixture
def door(site_url, django_user_model):
    fatou, lea = register_at_the_talk("door@example.org", ["Fatou Diallo", "Léa Tremblay"])
    django_user_model.objects.create_superuser("accueil-mobile", "accueil@example.org", "pw")
    return fatou.date, fatou, lea


def log_in(page, site_url):
    page.goto(site_url + "/admin/login/")
    page.fill("#id_username", "accueil-mobile")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(site_url + "/admin/")


def test_checking_in_on_a_phone_by_code_and_by_name(phone_page, site_url, door):
    date, fatou, lea = door
    page = phone_page
    log_in(page, site_url)

    page.goto(site_url + reverse("events_staff:checkin", args=[date.pk]))
    code = page.get_by_label("Code du billet")
    assert code.evaluate("el => document.activeElement === el")
    counts = page.locator(".checkin-counts")
    before = int(page.locator("#count-in").inner_text())
    expected = int(page.locator("#count-expected").inner_text())

    code.fill(fatou.ticket_code)
    code.press("Enter")
    result = page.locator("#checkin-result")
    expect(result).to_have_attribute("data-status", "ok")
    assert "Valide" in result.inner_text() and "Fatou Diallo" in result.inner_text()
    # Focus lands on the result (read out), and typing goes on into the code field.
    assert result.evaluate("el => document.activeElement === el")
    assert f"{before + 1} / {expected}" in counts.inner_text()
    assert axe_violations(page) == [], page.url

    # The same ticket again: already in, with the time.
    page.get_by_label("Code du billet").fill(fatou.ticket_code)
    page.get_by_role("button", name="Valider").click()
    page.wait_for_selector("#checkin-result[data-status=already]")
    assert "Déjà entré·e à" in page.locator("#checkin-result").inner_text()

    page.get_by_label("Chercher un nom").fill("Tremblay")
    page.get_by_role("button", name="Chercher", exact=True).click()
    page.get_by_role("button", name="Faire entrer Léa Tremblay").click()
    result = page.locator("#checkin-result")
    expect(result).to_contain_text("Léa Tremblay")
    assert "Valide" in result.inner_text()
    expect(counts).to_contain_text(f"{before + 2} / {expected}")
    assert axe_violations(page) == [], page.url

    # Undo, from the result panel.
    page.get_by_role("button", name="Annuler l'entrée").first.click()
    expect(page.locator("#checkin-result")).to_contain_text("Entrée annulée")
    expect(counts).to_contain_text(f"{before + 1} / {expected}")

    fatou.refresh_from_db()
    lea.refresh_from_db()
    assert fatou.checked_in_at is not None
    assert lea.checked_in_at is None


def test_at_390_px_nothing_is_cut_and_buttons_are_thumb_sized(chromium, site_url, door):
    date, _fatou, _lea = door
    context = chromium.new_context(
        locale="fr-CA",
        timezone_id="UTC",  # a phone set to another zone than the office's
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    log_in(page, site_url)
    page.goto(site_url + reverse("events_staff:checkin", args=[date.pk]))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for name in ("Valider", "Chercher", "Scanner avec la caméra"):
        button = page.get_by_role("button", name=name, exact=True)
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (name, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
        assert button.evaluate("el => el.scrollWidth <= el.clientWidth"), name
    # The visible title (the last breadcrumb) is whole; the activity and date wrap below it.
    title = page.locator("nav[aria-label] ol li").last
    assert title.inner_text().strip() == "Accueil (entrées)"
    assert title.evaluate("el => el.scrollWidth <= el.clientWidth")
    what = page.locator(".checkin-what")
    assert "Conférence" in what.inner_text()
    assert what.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert what.bounding_box()["x"] + what.bounding_box()["width"] <= 390
    page.screenshot(path="var/screenshots/checkin-390.png", full_page=True)
    context.close()


def test_the_qr_reader_is_served_by_the_site_and_reads_a_ticket(phone_page, site_url, door):
    """jsQR (vendored) decodes the QR code printed on a ticket, under the admin's CSP."""
    date, fatou, _lea = door
    page = phone_page
    log_in(page, site_url)
    page.goto(site_url + reverse("events_staff:checkin", args=[date.pk]))
    src = page.locator("#checkin").get_attribute("data-jsqr-url")
    page.add_script_tag(url=site_url + src)
    png = base64.b64encode(qr_png(fatou.ticket_code)).decode()
    decoded = page.evaluate(
        """png => new Promise(resolve => {
            const img = new Image();
            img.onload = () => {
                const canvas = document.createElement("canvas");
                canvas.width = img.width; canvas.height = img.height;
                const context = canvas.getContext("2d");
                context.drawImage(img, 0, 0);
                const data = context.getImageData(0, 0, img.width, img.height);
                const code = jsQR(data.data, data.width, data.height);
                resolve(code ? code.data : null);
            };
            img.src = "data:image/png;base64," + png;
        })""",
        png,
    )
    assert decoded == fatou.ticket_code


def phone(chromium, site_url):
    context = chromium.new_context(
        locale="fr-CA",
        timezone_id="UTC",  # a phone set to another zone than the office's
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(PATIENCE_MS)
    page = context.new_page()
    log_in(page, site_url)
    return context, page


def test_two_phones_without_signal_sync_when_it_returns_and_staff_see_the_conflict(
    chromium, site_url, door
):
    date, fatou, lea = door
    # A cancelled ticket: kept on the phones (a scan refuses it), not counted as one.
    [cancelled] = register_at_the_talk("annule@example.org", ["Awa Annulée"])
    Attendee.objects.filter(pk=cancelled.pk).update(cancelled_at=timezone.now())
    url = site_url + reverse("events_staff:checkin", args=[date.pk])
    (context_a, a), (context_b, b) = phone(chromium, site_url), phone(chromium, site_url)
    for page in (a, b):
        page.goto(url)
        page.wait_for_selector("#checkin[data-offline-ready]")  # the tickets are on the phone
    expected = int(a.locator("#count-expected").inner_text())
    assert expected == 2
    assert a.locator("#checkin").get_attribute("data-offline-ready") == "2"
    assert "(2 billet(s) valide(s))" in a.locator("#checkin-sync").inner_text()

    # The gym has no signal: both phones let Fatou in (each its own door), A lets Léa in too.
    context_a.set_offline(True)
    context_b.set_offline(True)
    for page in (a, b):
        page.get_by_label("Code du billet").fill(fatou.ticket_code)
        page.get_by_role("button", name="Valider").click()
        result = page.locator("#checkin-result[data-offline=true]")
        expect(result).to_have_attribute("data-status", "ok")
        expect(result).to_contain_text("Valide — Fatou Diallo")
        assert result.evaluate("el => document.activeElement === el")
    a.get_by_label("Code du billet").fill(lea.ticket_code.upper())  # as a reader may give it
    a.get_by_label("Code du billet").press("Enter")
    a.wait_for_selector("#checkin-result[data-status=ok][data-offline=true]")
    # Offline, the same ticket again is refused from the phone's own list.
    a.get_by_label("Code du billet").fill(lea.ticket_code)
    a.get_by_label("Code du billet").press("Enter")
    a.wait_for_selector("#checkin-result[data-status=already]")
    # At the time of the office, written as the page writes it (« 6 h 30 »), not the phone's
    # zone nor its clock's format (« 11:30 »).
    said = " ".join(a.locator("#checkin-result").inner_text().split())
    hours = {timezone.localtime(timezone.now() - timedelta(minutes=m)).hour for m in (0, 2)}
    assert any(re.search(rf"Déjà entré·e à {h} h( \d\d)?\b", said) for h in hours), said
    assert "3 scan(s) en attente" in a.locator("#checkin-sync").inner_text()
    assert f"2 / {expected}" in a.locator(".checkin-counts").inner_text()
    # A name search works from the phone's list too.
    a.get_by_label("Chercher un nom").fill("LEA")  # without its accent, as people type
    a.get_by_role("button", name="Chercher", exact=True).click()
    expect(a.locator("#offline-found")).to_contain_text("Léa Tremblay")
    assert Attendee.objects.filter(checked_in_at__isnull=False).count() == 0
    assert axe_violations(a) == [], "offline result"

    # The signal returns on A: its scans reach the server, once.
    context_a.set_offline(False)
    a.wait_for_selector("#checkin-sync[data-synced='3']")
    fatou.refresh_from_db()
    lea.refresh_from_db()
    assert fatou.checked_in_at is not None and lea.checked_in_at is not None
    assert CheckInScan.objects.count() == 3
    assert a.evaluate(f"localStorage.getItem('cesiq-checkin:queue:{date.pk}')") == "[]"

    # Then on B: Fatou was already in, by A; B let her in as well: a conflict staff see.
    context_b.set_offline(False)
    b.wait_for_selector("#checkin-sync[data-synced='1']")
    conflicts = b.locator("#checkin-conflicts")
    conflicts.wait_for()
    assert "1 conflit à vérifier" in conflicts.inner_text()
    assert "Fatou Diallo" in conflicts.inner_text()
    # The sync's message stays once the phone's ticket list has been refreshed after it.
    assert "Conflit : Fatou Diallo était déjà entré·e" in b.locator("#checkin-sync").inner_text()
    assert CheckInScan.objects.filter(conflict=True).count() == 1
    assert axe_violations(b) == [], "conflict shown"

    # A reloads: the conflict is on its page too, and the counts are the server's.
    a.reload()
    assert "Fatou Diallo" in a.locator("#checkin-conflicts").inner_text()
    assert f"2 / {expected}" in a.locator(".checkin-counts").inner_text()
    context_a.close()
    context_b.close()
