"""Québec French typography (OQLF) on what people read: pages (templates and the editors' rich
text as rendered), emails and their subjects; times as « 18 h » and « 18 h 30 »; no break
between a number and its unit; « 0 résultat »; the OQLF's month abbreviations. English pages
are left as they are."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.utils import translation

from cesiq_site.typography import OQLF_MONTHS, french_html, french_text, month_abbr

NBSP, NNBSP = "\u00a0", "\u202f"


def test_spaces_before_and_after_french_punctuation():
    assert french_text("Total : « oui » ; vraiment ? Oui !") == (
        f"Total{NBSP}: «{NBSP}oui{NBSP}»{NNBSP}; vraiment{NNBSP}? Oui{NNBSP}!"
    )
    # Only existing spaces change; addresses and code are not prose.
    assert french_text("https://cesiq.org/a:b?x=1 Bonjour!") == "https://cesiq.org/a:b?x=1 Bonjour!"


def test_times_and_units():
    assert french_text("18 h 00 – 20 h 30") == f"18{NBSP}h – 20{NBSP}h{NBSP}30"
    assert french_text("le 3 décembre 2026, 9 h 00") == f"le 3 décembre 2026, 9{NBSP}h"
    assert french_text("12,50 $ et 5 % de 3 km") == f"12,50{NBSP}$ et 5{NBSP}% de 3{NBSP}km"
    assert french_text("3 heures") == "3 heures"


def test_the_first_of_the_month_is_1er():
    assert (
        french_text("jusqu'au 1 janvier 2027, 9 h") == f"jusqu'au 1er{NBSP}janvier 2027, 9{NBSP}h"
    )
    assert french_text("du 1 mai au 31 mai") == f"du 1er{NBSP}mai au 31 mai"
    # Other days, and numbers that only end in 1, stay as they are.
    assert french_text("le 11 janvier et le 21 mars") == "le 11 janvier et le 21 mars"
    assert french_text("1,1 mars") == "1,1 mars"
    assert french_text("1 maison") == "1 maison"


def test_markup_scripts_and_typed_text_are_left_alone():
    html = (
        '<p title="a : b"><strong>Date</strong> : demain</p>'
        "<script>x = a ? b : c;</script><textarea>a : b</textarea><pre>c : d</pre>"
    )
    assert french_html(html) == (
        f'<p title="a : b"><strong>Date</strong>{NBSP}: demain</p>'
        "<script>x = a ? b : c;</script><textarea>a : b</textarea><pre>c : d</pre>"
    )


def test_oqlf_month_abbreviations():
    with translation.override("fr"):
        shown = [month_abbr(datetime.date(2026, m, 1)) for m in range(1, 13)]
    assert shown == OQLF_MONTHS
    assert shown[6] == "juill." and shown[5] == "juin"
    with translation.override("en"):
        assert month_abbr(datetime.date(2026, 7, 1)) == "Jul"


@pytest.mark.django_db
def test_french_pages_and_rich_text_as_rendered(client, demo_site):
    home = client.get("/").content.decode()
    # The editors' rich text (a StreamField paragraph typed with plain spaces).
    assert f"une centaine d'activités{NBSP}: " in home
    assert "activités : " not in home
    register = client.get("/activites/atelier-consommation-equitable/inscription/")
    assert f"Vous avez un code de rabais ou de membre{NNBSP}?" in register.content.decode()


@pytest.mark.django_db
def test_times_on_an_activity_page_have_no_zero_minutes(client, demo_site):
    html = BeautifulSoup(
        client.get("/activites/atelier-consommation-equitable/").content, "html.parser"
    )
    times = [t.get_text() for t in html.select(".activity__when time")]
    assert times
    for shown in times:
        assert " h 00" not in shown and f"{NBSP}h{NBSP}00" not in shown, shown
        assert f"{NBSP}h" in shown, shown


@pytest.mark.django_db
def test_english_pages_keep_plain_spaces(client, demo_site):
    page = client.get("/en/").content.decode()
    assert NNBSP not in page


@pytest.mark.django_db
def test_no_result_is_singular(client, demo_site):
    html = BeautifulSoup(client.get("/recherche/?q=zzzxqy").content, "html.parser")
    assert "0 résultat" in html.get_text()
    assert "0 résultats" not in html.get_text()


@pytest.mark.django_db
def test_french_emails_and_subjects(client, demo_site, django_capture_on_commit_callbacks):
    from events.models import EventPage
    from orders.models import OutboxEmail
    from tests.events.conftest import registration_data

    free_activity = EventPage.objects.get(
        slug="conference-justice-climatique", locale__language_code="fr"
    )
    ticket = free_activity.source.ticket_types.get()
    data = registration_data(free_activity, **{f"quantity_{ticket.pk}": 1})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(free_activity.url + "inscription/", data)
    [email] = OutboxEmail.objects.filter(to="awa@example.org")
    assert email.subject == email.subject.strip()
    assert " !" not in email.body_text and " :" not in email.body_text
    assert f"Merci{NNBSP}!" in email.body_html
    assert " h 00" not in email.body_html
