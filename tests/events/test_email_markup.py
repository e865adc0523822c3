"""HTML emails are documents of their own (WCAG 2.4.2, 1.3.1): their <title> is the
subject, they open with one heading, and the subject never starts with a space."""

import pytest
from bs4 import BeautifulSoup

from orders.models import OutboxEmail
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("lang", "prefix"), [("fr", ""), ("en", "/en")])
def test_confirmation_email_has_its_subject_as_title_and_heading(
    client, free_activity, django_capture_on_commit_callbacks, lang, prefix
):
    page = free_activity if lang == "fr" else free_activity.get_translations().get().specific
    ticket = free_activity.source.ticket_types.get()
    data = registration_data(free_activity, **{f"quantity_{ticket.pk}": 1})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page.url + "inscription/", data)
    assert response.status_code == 302
    emails = list(OutboxEmail.objects.filter(to="awa@example.org"))
    assert emails
    for email in emails:
        assert email.subject == email.subject.strip()
        html = BeautifulSoup(email.body_html, "html.parser")
        assert html.title.get_text() == email.subject
        assert [h.get_text() for h in html.find_all("h1")] == [email.subject]
        assert html.html["lang"] == f"{lang}-CA"
