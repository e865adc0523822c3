"""Ticket codes and waiting-list tokens: unguessable, URL-safe, never the start of a spreadsheet
formula; and the codes already printed on tickets (URL-safe base 64, which may start with "-")
keep working at the door and on the ticket page."""

import math
import string
from urllib.parse import quote

import pytest

from events import checkin
from events.models import (
    TICKET_CODE_ALPHABET,
    TICKET_CODE_LENGTH,
    TICKET_CODE_LETTERS,
    Attendee,
    WaitingListEntry,
    new_ticket_code,
)
from tests.events.conftest import registration_data

LEGACY_CODE = "-Kq7_xZ2mB9vT4wR"  # the shape secrets.token_urlsafe(12) gave, starting with "-"


def test_codes_are_unguessable_url_safe_and_never_start_a_formula():
    # The alphabet alone decides: no character that can open a formula may come first.
    assert not set(TICKET_CODE_LETTERS) & set("=+-@\t\r")
    assert set(TICKET_CODE_LETTERS) <= set(string.ascii_lowercase)
    bits = math.log2(len(TICKET_CODE_LETTERS)) + (TICKET_CODE_LENGTH - 1) * math.log2(
        len(TICKET_CODE_ALPHABET)
    )
    assert bits >= 96
    codes = {new_ticket_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in codes:
        assert len(code) == TICKET_CODE_LENGTH
        assert code[0] in TICKET_CODE_LETTERS
        assert set(code) <= set(TICKET_CODE_ALPHABET)
        assert quote(code, safe="") == code
    assert len(new_ticket_code()) <= Attendee._meta.get_field("ticket_code").max_length
    assert len(new_ticket_code()) <= WaitingListEntry._meta.get_field("token").max_length


@pytest.mark.django_db
def test_a_code_made_before_still_opens_its_ticket_and_the_door(
    client, free_activity, django_capture_on_commit_callbacks
):
    date = free_activity.source.upcoming_dates[0]
    ticket = free_activity.source.ticket_types.get(name="Entrée libre")
    data = registration_data(
        free_activity, date=date.pk, attendee_names="Fatou Diallo", **{f"quantity_{ticket.pk}": 1}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(free_activity.url + "inscription/", data)
    assert response.status_code == 302
    attendee = Attendee.objects.get(name="Fatou Diallo", date=date)
    assert attendee.ticket_code[0] in TICKET_CODE_LETTERS
    Attendee.objects.filter(pk=attendee.pk).update(ticket_code=LEGACY_CODE)

    page = client.get(f"/billet/{LEGACY_CODE}/")
    assert page.status_code == 200
    assert "Fatou Diallo" in page.content.decode()
    assert checkin.check_in(date, LEGACY_CODE, user=None).status == "ok"
