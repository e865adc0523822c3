"""A date typed into the admin in the Québec way (« 15/01/2027 ») is kept, read by the server
in French, and saved as that day; Wagtail's picker replaced it with today's, without a word."""

from datetime import date

import pytest

from news.models import ArticlePage
from tests.browser.conftest import admin_login

pytestmark = pytest.mark.django_db(transaction=True)


def saved_date(article):
    return ArticlePage.objects.get(pk=article.pk).get_latest_revision_as_object().date


def test_a_date_typed_day_first_is_kept_and_saved(browser_page, site_url, settings):
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 0  # Wagtail's autosave would save meanwhile
    article = ArticlePage.objects.filter(locale__language_code="fr").first()
    page = browser_page
    admin_login(page, site_url, "redaction")
    page.goto(f"{site_url}/admin/pages/{article.pk}/edit/")
    field = page.locator("#id_date")
    field.fill("15/01/2027")
    page.locator("#id_title").click()  # leaving the field
    page.keyboard.press("Escape")
    assert field.input_value() == "15/01/2027"
    save_draft = page.get_by_role("button", name="Enregistrer le brouillon")
    save_draft.click()
    page.get_by_text("a été mise à jour").wait_for()
    assert saved_date(article) == date(2027, 1, 15)
    # Something the server cannot read is refused in words, not replaced by today.
    page.goto(f"{site_url}/admin/pages/{article.pk}/edit/")
    field.fill("15 janvier 2027")
    page.locator("#id_title").click()
    assert field.input_value() == "15 janvier 2027"
    save_draft.click()
    page.get_by_text("Saisissez une date valide.").wait_for()
    assert saved_date(article) == date(2027, 1, 15)
