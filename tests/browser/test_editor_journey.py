"""An editor's whole journey with a news article, in a real browser (issue 14).

The `redaction` account writes an article under "Actualités" in Wagtail's admin (title, date,
chapeau, a paragraph, a theme), sees it in the preview panel, and submits it to the
moderation workflow "Approbation de la coordination". That is the real journey: the team may
also publish at once (it has the permission, the English copy below is published that way),
but an article goes through the coordination, so the `administration` account, the
workflow's reviewer, finds it on its dashboard and approves it, which publishes it. The
article is then on the public news list. The editor translates it through "Traduire"
(wagtail-simple-translation), writes the English title and publishes the English copy, which
is then at its /en/ address, each language's page linking the other through the language
switcher. Both public article pages pass axe (WCAG 2.1 A/AA).
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PATIENCE_MS, axe_violations

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Forum jeunesse sur la solidarité internationale"
CHAPEAU = "Deux cents jeunes de la région réunis à Québec pour parler de justice climatique."
PARAGRAPH = "Le forum a eu lieu samedi, avec des ateliers animés par nos organismes membres."
THEME = "Justice climatique"
ENGLISH_TITLE = "Youth forum on international solidarity"
PASSWORD = "changeme"  # the demo accounts' password (home/permissions.py, README)


@pytest.fixture(autouse=True)
def patient_assertions():
    """The admin's preview refreshes after a pause in typing and renders on the server: on a
    loaded machine that takes more than the 5 s Playwright waits by default for an assertion
    to come true (it stops waiting as soon as it is)."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=PATIENCE_MS)


def log_in(page, site_url, username):
    page.context.clear_cookies()
    page.goto(site_url + "/admin/login/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label(re.compile("Password|Mot de passe")).fill(PASSWORD)
    page.get_by_role("button", name="S'identifier").click()
    expect(page).to_have_url(site_url + "/admin/")


def field_errors(page):
    """What the admin said is wrong with the form, field by field (empty when it was saved)."""
    texts = [
        " ".join(field.inner_text().split())
        for field in page.locator(".w-field--error, .help-critical, .error-message").all()
    ]
    return [text[:300] for text in texts if text]


def footer_action(page, name):
    footer = page.get_by_role("navigation", name="Actions (pied de page)")
    footer.get_by_role("button", name="Plus d'actions").click()
    footer.get_by_role("button", name=name, exact=True).click()


@pytest.mark.slow
def test_an_article_is_written_approved_published_and_translated(browser_page, site_url, settings):
    # Wagtail 8 autosaves a new page as a draft now and then; a submission made while that
    # autosave is on its way creates the page a second time and is refused (its slug is
    # taken). Wagtail's race, not this journey's: autosave is off here (the live server runs
    # in this process, so the setting reaches it).
    settings.WAGTAIL_AUTOSAVE_INTERVAL = 0
    page = browser_page
    page.set_viewport_size({"width": 1400, "height": 1000})

    # The editor writes the article under the French news list.
    log_in(page, site_url, "redaction")
    page.goto(site_url + "/admin/pages/")
    page.get_by_role("link", name="Explorer les sous-pages de « Accueil »").click()
    page.get_by_role("link", name="Explorer les sous-pages de « Actualités »").click()
    page.get_by_role("link", name="Ajouter une sous-page").click()
    page.get_by_role("link", name="Article d’actualité", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouveau: Article d’actualité")
    page.get_by_role("textbox", name="Titre*").fill(TITLE)
    expect(page.get_by_role("textbox", name="Date de publication*")).not_to_be_empty()
    page.get_by_role("textbox", name="Chapeau*").fill(CHAPEAU)
    page.get_by_role("button", name="Insérer un bloc").click()
    page.get_by_role("option", name="Texte", exact=True).click()
    paragraph = page.get_by_role("region", name="Texte *").get_by_role("textbox")
    paragraph.click()
    paragraph.press_sequentially(PARAGRAPH)  # typed: the rich text editor reads key strokes
    expect(paragraph).to_have_text(PARAGRAPH)
    # Draftail writes what was typed into the form's field a moment after the last key stroke;
    # the preview posts the form, so it is opened once the text is there (opened sooner, it
    # shows the article without it and waits for the next automatic refresh).
    expect(page.locator("input[name='body-0-value']")).to_have_value(
        re.compile(re.escape("par nos organismes membres."))
    )
    page.get_by_role("listbox", name="Thèmes").select_option(label=THEME)

    # The preview panel shows the article as the site will.
    page.get_by_role("button", name="Afficher/masquer la prévisualisation").click()
    preview = page.frame_locator("#w-preview-iframe")
    expect(preview.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(preview.get_by_text(PARAGRAPH)).to_be_visible()
    expect(preview.get_by_role("link", name=THEME)).to_be_visible()

    # Submitted to the coordination: not public yet.
    footer_action(page, "Soumettre à Approbation de la coordination")
    page.wait_for_load_state()
    assert field_errors(page) == []
    expect(page.get_by_role("status").first).to_contain_text(
        re.compile(re.escape(TITLE) + r".*soumise\s+pour\s+modération")
    )
    page.goto(site_url + "/actualites/")
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)

    # The coordination approves it from its dashboard; that publishes it.
    log_in(page, site_url, "administration")
    review = page.get_by_role("region", name="En attente de votre vérification")
    review.get_by_role("link", name=TITLE).click()
    footer_action(page, "Approuver et Publier")
    expect(page.get_by_role("status").first).to_contain_text(TITLE)

    page.goto(site_url + "/actualites/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text(CHAPEAU)).to_be_visible()
    expect(page.get_by_text(PARAGRAPH)).to_be_visible()
    expect(page.get_by_role("link", name=THEME)).to_be_visible()
    french_url = page.url
    assert axe_violations(page) == [], french_url

    # The editor translates it: "Traduire" makes the English copy, a draft to write.
    log_in(page, site_url, "redaction")
    page.goto(site_url + "/admin/pages/")
    page.get_by_role("link", name="Explorer les sous-pages de « Accueil »").click()
    page.get_by_role("link", name="Explorer les sous-pages de « Actualités »").click()
    page.get_by_role("link", name=TITLE, exact=True).click()
    header_actions = page.get_by_role("navigation", name="Actions", exact=True)
    header_actions.get_by_role("button", name="Actions", exact=True).click()
    header_actions.get_by_role("link", name="Traduire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Traduire la page {TITLE}")
    page.get_by_role("checkbox", name="Anglais").check()
    page.get_by_role("button", name="Soumettre").click()

    # The English copy opens in the editor, with the French text to replace.
    title = page.get_by_role("textbox", name="Titre*")
    expect(title).to_have_value(TITLE)
    title.fill(ENGLISH_TITLE)
    footer_action(page, "Publier")
    expect(page.get_by_role("status").first).to_contain_text(ENGLISH_TITLE)

    # Each language's page links the other through the language switcher.
    page.context.clear_cookies()
    page.goto(french_url)
    switcher = page.get_by_role("navigation", name="Choix de la langue")
    switcher.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(re.escape(site_url) + r"/en/news/[\w-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ENGLISH_TITLE)
    english_url = page.url
    assert axe_violations(page) == [], english_url
    back = page.get_by_role("navigation", name="Language")
    back.get_by_role("link", name="Français").click()
    expect(page).to_have_url(french_url)

    page.goto(site_url + "/en/news/")
    expect(page.get_by_role("link", name=ENGLISH_TITLE)).to_have_attribute(
        "href", english_url.removeprefix(site_url)
    )
