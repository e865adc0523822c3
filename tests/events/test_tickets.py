"""Tickets: unguessable codes with QR codes, in the confirmation email with the .ics, on a
ticket page; calendar files for an activity and a subscribable feed."""

import pytest
from bs4 import BeautifulSoup
from django.core import mail

from events.models import Attendee, EventPage
from orders.models import Order
from tests.events.conftest import follow_confirmation_link, registration_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(client, free_activity, django_capture_on_commit_callbacks):
    ticket = free_activity.source.ticket_types.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            free_activity.url + "inscription/",
            registration_data(free_activity, **{f"quantity_{ticket.pk}": 2}),
        )
    return Order.objects.get(buyer_email="awa@example.org")


def test_an_english_confirmation_names_its_files_in_english(
    client, free_activity, django_capture_on_commit_callbacks
):
    from wagtail.models import Locale

    english = free_activity.get_translation(Locale.objects.get(language_code="en"))
    ticket = free_activity.source.ticket_types.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            english.url + "register/",
            registration_data(english, **{f"quantity_{ticket.pk}": 1}),
        )
    order = Order.objects.get(buyer_email="awa@example.org")
    assert order.language == "en"
    [code] = Attendee.objects.filter(order_line__order=order).values_list("ticket_code", flat=True)
    message = next(m for m in mail.outbox if m.to == ["awa@example.org"])
    names = sorted(part.get_filename() for part in message.message().walk() if part.get_filename())
    date = Attendee.objects.get(order_line__order=order).date
    assert names == [f"activity-{date.pk}.ics", f"ticket-{code}.png"]


def test_confirmation_email_carries_qr_codes_inline_and_the_ics(registered):
    message = next(m for m in mail.outbox if m.to == ["awa@example.org"])
    codes = list(
        Attendee.objects.filter(order_line__order=registered).values_list("ticket_code", flat=True)
    )
    assert len(codes) == 2
    html = message.alternatives[0][0]
    for code in codes:
        assert f'src="cid:ticket-{code}"' in html
        assert code in message.body
    parts = {part.get_filename(): part for part in message.message().walk() if part.get_filename()}
    for code in codes:
        qr = parts[f"billet-{code}.png"]
        assert qr["Content-ID"] == f"<ticket-{code}>"
        assert qr.get_content_disposition() == "inline"
        assert qr.get_payload(decode=True).startswith(b"\x89PNG")
    ics = next(p for name, p in parts.items() if name.endswith(".ics"))
    body = ics.get_payload(decode=True).decode()
    assert (
        "BEGIN:VEVENT" in body and "SUMMARY:Conférence : la justice climatique vue du Sud" in body
    )


@pytest.mark.parametrize("code", ["jdfa05c3zhgzsr1ev053", "A" * 32, "é-ticket 12"])
def test_the_emailed_qr_code_has_the_pixels_of_the_librarys_own_image(code):
    """qr_png draws the code's matrix in one operation: module for module and pixel for pixel
    the image the qrcode library draws rectangle by rectangle (that a reader decodes it is
    checked in Chromium: tests/browser/test_checkin.py)."""
    import io

    import qrcode
    from PIL import Image

    from events.tickets import MASK_PATTERN, qr_png

    reference = qrcode.QRCode(mask_pattern=MASK_PATTERN, box_size=6, border=2)
    reference.add_data(code)
    expected = io.BytesIO()
    reference.make_image().save(expected, format="PNG")
    ours, theirs = (Image.open(io.BytesIO(png)) for png in (qr_png(code), expected.getvalue()))
    assert ours.mode == theirs.mode == "1"
    assert ours.size == theirs.size
    assert ours.tobytes() == theirs.tobytes()


def test_ticket_page_shows_the_qr_code(client, registered):
    attendee = Attendee.objects.filter(order_line__order=registered).first()
    response = client.get(f"/billet/{attendee.ticket_code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and attendee.ticket_code in html
    assert response["X-Robots-Tag"] == "noindex"
    assert client.get("/billet/devine-pas/").status_code == 404
    english = client.get(f"/en/ticket/{attendee.ticket_code}/").content.decode()
    assert "Talk: climate justice seen from the South" in english


def test_pages_at_a_secret_address_keep_it_from_other_sites_but_not_from_their_forms(
    client, registered
):
    # "same-origin": the address goes to no other site as a Referer, and the browser still
    # sends the page's origin with its forms ("no-referrer" made it "Origin: null", which
    # Django's CSRF check refuses: tests/browser/test_private_pages.py).
    attendee = Attendee.objects.filter(order_line__order=registered).first()
    for url in (registered.get_absolute_url(), f"/billet/{attendee.ticket_code}/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert (response["X-Robots-Tag"], response["Referrer-Policy"]) == (
            "noindex",
            "same-origin",
        ), url
        # Nor is it repeated for search engines or link previews (a receipt pasted in a chat).
        head = BeautifulSoup(response.content, "html.parser").head
        assert head.select_one('meta[name="robots"]')["content"] == "noindex", url
        assert not head.select('link[rel="canonical"], link[rel="alternate"], meta[property]')
        assert url.strip("/").split("/")[-1] not in str(head), url


def test_the_receipt_of_tickets_reads_its_lines_once_and_no_delivery_or_workshop(
    client, registered
):
    """The sections of the receipt (a shop order's delivery, a school's workshop) look at the
    lines the page read before they look for rows of their own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(registered.get_absolute_url())
    assert response.status_code == 200
    assert registered.code in response.content.decode()
    tables = [
        query["sql"].split(" FROM ", 1)[1].split()[0]
        for query in captured
        if " FROM " in query["sql"]
    ]
    assert tables.count('"orders_orderline"') == 1, tables
    assert not any(t in ('"shop_fulfilment"', '"schools_workshopbooking"') for t in tables), tables


def test_the_cancellation_deadline_reads_the_date_and_its_page_at_once(
    registered, django_assert_num_queries
):
    """The receipt asks each ticket line until when its buyer may cancel: the line's date and
    its activity page (the hours before it starts) are one query, not two."""
    from datetime import timedelta

    from events.models import EventDate

    line = registered.lines.get()
    ticket = line.item
    date = EventDate.objects.get(quota__order_lines=line)
    with django_assert_num_queries(1):
        deadline = ticket.buyer_cancellation_deadline(line)
    assert deadline == date.start - timedelta(hours=date.page.cancellation_hours)


def test_online_link_only_in_the_registrants_email(
    client, demo_site, django_capture_on_commit_callbacks
):
    page = EventPage.objects.get(slug="webinaire-decroissance", locale__language_code="fr")
    assert "visio.example" not in client.get(page.url).content.decode()
    ticket = page.source.ticket_types.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            page.url + "inscription/", registration_data(page, **{f"quantity_{ticket.pk}": 1})
        )
    # The webinar confirms free registrations by email: the link comes first, not the tickets.
    order = Order.objects.get(buyer_email="awa@example.org")
    [request] = [m for m in mail.outbox if m.to == ["awa@example.org"]]
    assert "visio.example" not in request.body
    follow_confirmation_link(client, order, django_capture_on_commit_callbacks)
    message = next(
        m for m in mail.outbox if m.to == ["awa@example.org"] and "Confirmation" in m.subject
    )
    assert "https://visio.example/cesiq-decroissance" in message.body


def test_activity_ics_and_filtered_feed(client, activity):
    response = client.get(activity.url + "calendrier/")
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.count("BEGIN:VEVENT") == 2
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))

    feed = client.get("/activites/calendrier/", {"audience": "scolaire"}).content.decode()
    assert feed.count("BEGIN:VEVENT") == 1
    assert "Animation scolaire" in feed
    english = client.get("/en/activities/calendrier/").content.decode()
    assert "SUMMARY:Workshop: fair-trade shopping every day" in english
    assert "Atelier passé" not in feed


def test_google_calendar_link_on_the_activity_page(client, activity):
    html = client.get(activity.url).content.decode()
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in html
    assert activity.url + "calendrier/" in html
    # The place by its name, then its address, as in the .ics (the name was missing).
    from urllib.parse import parse_qs, urlsplit

    link = BeautifulSoup(html, "html.parser").select_one('a[href^="https://calendar.google"]')
    venue = activity.venue
    assert parse_qs(urlsplit(link["href"]).query)["location"] == [
        f"{venue.name}, {venue.full_address}"
    ]


def test_english_sentences_ending_on_a_time_have_one_period(client, registered):
    # Canadian English times end in "a.m." or "p.m.": a sentence must not put its own period
    # after them ("until December 25, 2026, 10:00 a.m..").
    from django.utils import translation

    with translation.override("en"):
        url = registered.get_absolute_url()
    assert url.startswith("/en/")
    html = client.get(url).content.decode()
    assert "can cancel this order" in html
    assert "m.." not in html


def test_tickets_are_numbered_within_their_type_by_name_or_number(client, registered):
    """« Entrée libre — billet 2 sur 2 », never a number restarting without its type, nor the
    ticket's code as its name."""
    from bs4 import BeautifulSoup

    attendees = list(Attendee.objects.filter(order_line__order=registered).order_by("pk"))
    assert [a.name for a in attendees] == ["", ""]  # nobody named
    message = next(m for m in mail.outbox if m.to == ["awa@example.org"])
    lines = message.body.splitlines()
    assert "Entrée libre — billet 1 sur 2" in lines and "Entrée libre — billet 2 sur 2" in lines
    html = message.alternatives[0][0]
    assert "<strong>Entrée libre</strong> — billet 2 sur 2" in html

    attendees[0].name = "Léa Tremblay"
    attendees[0].save()
    page = BeautifulSoup(client.get(registered.get_absolute_url()).content, "html.parser")
    links = [
        a.get_text(strip=True)
        for a in page.select(".receipt__tickets a:not(.receipt__cancel-ticket)")
    ]
    assert links == ["Entrée libre — Léa Tremblay", "Entrée libre — billet 2 sur 2"]


def test_tickets_of_two_types_each_numbered_within_their_type(
    client, activity, fake_stripe, django_capture_on_commit_callbacks
):
    """Two « Régulier » and one « Étudiant·e » on one order: each type numbers its own, the
    single one has no number, and the receipt groups the tickets under their line."""
    from urllib.parse import urlsplit

    from bs4 import BeautifulSoup

    from tests.conftest import post_webhook
    from tests.orders.test_payments import last_event, press

    regular = activity.source.ticket_types.get(name="Régulier")
    student = activity.source.ticket_types.get(name="Étudiant·e")
    data = registration_data(activity, **{f"quantity_{regular.pk}": 2, f"quantity_{student.pk}": 1})
    response = client.post(activity.url + "inscription/", data)
    assert response["Location"].startswith(fake_stripe.url + "/checkout/")
    _status, location = press(response["Location"], "pay")
    with django_capture_on_commit_callbacks(execute=True):
        event = last_event(fake_stripe, "checkout.session.completed")
        assert post_webhook(client, event).status_code == 200
    order = Order.objects.get(buyer_email="awa@example.org")
    assert order.state == "paid"

    message = next(m for m in mail.outbox if m.to == ["awa@example.org"])
    names = [part.get_filename() for part in message.message().walk() if part.get_filename()]
    assert len([n for n in names if n.endswith(".ics")]) == 1  # one date, one calendar file
    assert len([n for n in names if n.startswith("billet-")]) == 3
    lines = message.body.splitlines()
    assert [line for line in lines if line.startswith(("Régulier", "Étudiant·e"))] == [
        "Régulier — billet 1 sur 2",
        "Régulier — billet 2 sur 2",
        "Étudiant·e",
    ]
    page = BeautifulSoup(client.get(urlsplit(location).path).content, "html.parser")
    groups = page.select(".receipt__tickets > ul > li")
    assert len(groups) == 2
    assert [
        [a.get_text(strip=True) for a in group.select("a:not(.receipt__cancel-ticket)")]
        for group in groups
    ] == [
        ["Régulier — billet 1 sur 2", "Régulier — billet 2 sur 2"],
        ["Étudiant·e"],
    ]
    assert all("Atelier" in group.get_text() for group in groups)  # the line says which
