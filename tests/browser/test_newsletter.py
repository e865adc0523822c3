"""In a real browser: a visitor subscribes from the footer of the home page and confirms
through the email's link, then writes through the contact form; axe checks every page of the
journey (WCAG 2.1 A/AA)."""

import re

import pytest

from tests.browser.conftest import axe_violations
from tests.conftest import plain

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_wait(settings):
    """A test types faster than a person: the time trap's minimum is lifted (its own tests
    cover it with a controlled clock)."""
    settings.SPAM_MIN_SECONDS = 0


def check(page):
    assert axe_violations(page) == [], page.url


def test_subscribe_from_the_footer_then_write_through_the_contact_form(
    browser_page, site_url, no_wait
):
    from newsletter.models import Subscriber
    from orders.models import OutboxEmail

    page = browser_page
    page.goto(site_url + "/")
    footer = page.locator("footer form")
    footer.get_by_label("Courriel pour l'infolettre").fill("nadia@example.org")
    footer.get_by_label("Je veux recevoir l'infolettre du CÉSIQ", exact=False).check()
    footer.get_by_role("button", name="M'abonner").click()
    page.wait_for_url("**/infolettre/")
    assert "un courriel vient d'y être envoyé" in plain(page.inner_text("main"))
    check(page)

    body = OutboxEmail.objects.get(to="nadia@example.org").body_text
    link = re.search(r"https?://\S+/infolettre/confirmer/\S+/", body).group(0)
    page.goto(site_url + "/infolettre/" + link.split("/infolettre/", 1)[1])
    check(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Je confirme mon inscription à l'infolettre").click()
    assert "Inscription confirmée" in page.inner_text("main")
    check(page)
    assert Subscriber.objects.get(email="nadia@example.org").status == "confirmed"

    page.goto(site_url + "/nous-joindre/")
    check(page)
    page.get_by_label("Votre nom").fill("Nadia")
    page.get_by_label("Votre courriel", exact=False).first.fill("nadia@example.org")
    page.get_by_label("Votre message").fill("Bonjour, offrez-vous des ateliers au secondaire ?")
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer").click()
    assert "Merci, votre message a bien été envoyé." in plain(page.inner_text("main"))
    check(page)
