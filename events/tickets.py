"""Tickets: QR codes and calendar files (iCalendar, RFC 5545), written by hand: the format is
small and a dependency would not make it simpler."""

import io
from datetime import UTC

import qrcode
import qrcode.image.svg
from django.utils import timezone
from django.utils.html import strip_tags
from PIL import Image

# Any of the eight mask patterns gives a valid code that every reader decodes; the library
# otherwise draws all eight to score them and keep the "best" (a small gain in contrast for a
# short code shown on a screen or printed), which is most of a ticket's CPU in the worker.
MASK_PATTERN = 0


def _qr(code, **options):
    qr = qrcode.QRCode(mask_pattern=MASK_PATTERN, **options)
    qr.add_data(code)
    return qr


def qr_svg(code):
    """An SVG QR code of the ticket code, for the ticket page (scales, prints sharply)."""
    image = _qr(code, box_size=10).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def qr_png(code, box_size=6, border=2):
    """A PNG QR code of the ticket code, inline in emails (mail clients show PNG best).

    Made from the code's matrix in one image operation (black and white, each module
    `box_size` pixels square): the same pixels as the library's own image, which draws each
    module as a rectangle, at two thirds of its CPU."""
    matrix = _qr(code, border=border).get_matrix()  # the quiet zone included
    size = len(matrix)
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    image = Image.frombytes("L", (size, size), pixels).convert("1")
    image = image.resize((size * box_size, size * box_size), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def attachment_name(kind, key, language):
    """A confirmation's file name in the buyer's language: ("ticket", code) → billet-… or
    ticket-…, ("calendar", date id) → activite-….ics or activity-….ics."""
    french = (language or "fr").startswith("fr")
    if kind == "ticket":
        return f"{'billet' if french else 'ticket'}-{key}.png"
    return f"{'activite' if french else 'activity'}-{key}.ics"


def _escape(text):
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line):
    """Lines longer than 75 octets are folded (RFC 5545 §3.1)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode("utf-8")
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += piece
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def _location(page, elsewhere):
    """The place by its name, then its address (« Maison de la solidarité, 125, rue… »): a
    calendar shows the first words, and the name is what people look for at the door.
    `elsewhere` without a venue (online: the link, else the activity's page)."""
    if page.venue:
        return ", ".join(p for p in (page.venue.name, page.venue.full_address) if p)
    return elsewhere


def _utc(moment):
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def vevent(page, date, *, url, online_link=""):
    description = page.summary
    if online_link:
        description += f"\n\n{online_link}"
    location = _location(page, online_link or url)
    # A postponed date keeps its place in calendars, marked as not certain, until it moves.
    status = {"cancelled": "CANCELLED", "postponed": "TENTATIVE"}.get(
        date.shown_status, "CONFIRMED"
    )
    lines = [
        "BEGIN:VEVENT",
        f"UID:cesiq-date-{date.pk}@cesiq",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART:{_utc(date.start)}",
        f"DTEND:{_utc(date.end)}",
        f"SUMMARY:{_escape(page.title)}",
        f"DESCRIPTION:{_escape(strip_tags(description))}",
        f"LOCATION:{_escape(location)}",
        f"URL:{url}",
        f"STATUS:{status}",
        f"SEQUENCE:{date.sequence}",
        "END:VEVENT",
    ]
    return lines


def calendar(events, name="CÉSIQ"):
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//CÉSIQ//Activités//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
        "X-WR-TIMEZONE:America/Toronto",
    ]
    for event in events:
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


def google_calendar_url(page, date, url):
    from urllib.parse import urlencode

    fmt = "%Y%m%dT%H%M%SZ"
    params = {
        "action": "TEMPLATE",
        "text": page.title,
        "dates": f"{date.start.astimezone(UTC).strftime(fmt)}/"
        f"{date.end.astimezone(UTC).strftime(fmt)}",
        "details": f"{page.summary}\n{url}",
        "location": _location(page, url),
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(params)
