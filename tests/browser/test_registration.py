"""Registering in a real browser: find an activity with the filters, buy two paid tickets
through the demo checkout page, register for a free activity with the keyboard alone; in
French and in English, with an accessibility check on every page of the journey."""

import pytest

from tests.browser.conftest import axe_violations
from tests.conftest import plain

pytestmark = pytest.mark.django_db(transaction=True)


def check_accessibility(page):
    assert axe_violations(page) == [], page.url


@pytest.mark.parametrize(
    ("lang", "start", "words"),
    [
        (
            "fr",
            "/activites/",
            {
                "audience": "Adultes",
                "title": "Atelier : consommer équitable au quotidien",
                "register": "S'inscrire",
                "ticket": "Régulier",
                "person": "Personne",
                "name": "Votre nom",
                "email": "Votre courriel",
                "consent": "J'accepte",
                "submit": "Confirmer l'inscription",
                "pay": "Payer",
                "total": "50,00",
                "done": "Votre commande est confirmée",
                "filter": "Filtrer",
                "public": "Public",
            },
        ),
        (
            "en",
            "/en/activities/",
            {
                "audience": "Adults",
                "title": "Workshop: fair-trade shopping every day",
                "register": "Register",
                "ticket": "Regular",
                "person": "Person",
                "name": "Your name",
                "email": "Your email",
                "consent": "I agree",
                "submit": "Confirm registration",
                "pay": "Pay",
                "total": "$50.00",
                "done": "Your order is confirmed",
                "filter": "Filter",
                "public": "Audience",
            },
        ),
    ],
)
def test_buy_two_paid_tickets_through_the_demo_checkout(
    browser_page, site_url, demo_checkout, lang, start, words
):
    page = browser_page
    page.goto(site_url + start)
    check_accessibility(page)
    page.get_by_label(words["public"]).select_option(label=words["audience"])
    page.get_by_role("button", name=words["filter"], exact=True).click()
    page.get_by_role("link", name=words["title"]).click()
    check_accessibility(page)
    page.get_by_role("link", name=words["register"], exact=True).click()
    check_accessibility(page)

    page.get_by_role("radio").first.check()
    page.get_by_label(words["ticket"]).fill("2")
    # Each person's block says which ticket is theirs (several types here).
    legends = page.locator("[data-attendee-block]:not([hidden]) legend")
    assert [" ".join(t.split()) for t in legends.all_inner_texts()] == [
        f"{words['person']} {n} — {words['ticket']}" for n in (1, 2)
    ]
    page.get_by_label(words["name"]).fill("Awa Diallo")
    page.get_by_label(words["email"]).fill("awa@example.org")
    page.get_by_label(words["consent"]).check()
    page.get_by_role("button", name=words["submit"]).click()

    # The demo checkout page of the fake Stripe, clearly not a real payment.
    page.wait_for_url(demo_checkout.url + "/checkout/**")
    assert "MODE DÉMO — aucun paiement réel" in page.content()
    assert words["total"] in page.content()  # the page speaks the buyer's language
    page.get_by_role("button", name=words["pay"], exact=True).click()

    page.wait_for_url(f"{site_url}/**")
    page.wait_for_selector(f"text={words['done']}", timeout=20_000)
    check_accessibility(page)


def test_register_for_a_free_activity_with_the_keyboard_alone(browser_page, site_url):
    page = browser_page
    page.goto(site_url + "/activites/conference-justice-climatique/inscription/")
    check_accessibility(page)

    page.keyboard.press("Tab")  # skip link
    # Reach the first date radio button by tabbing, then fill everything with the keyboard.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    else:
        pytest.fail("no date radio button reachable with Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("2")  # Entrée libre: a name field for each of the two tickets
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "attendee_1_name"
    page.keyboard.type("Awa Diallo")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "attendee_2_name"
    page.keyboard.type("Jean Tremblay")
    page.keyboard.press("Tab")
    page.keyboard.type("Awa Diallo")
    page.keyboard.press("Tab")
    page.keyboard.type("awa@example.org")
    # The form's own code field is hidden: the code box above is the one place for a code.
    page.keyboard.press("Tab")  # consent (the spam trap is not reachable)
    assert page.evaluate("document.activeElement.name") == "consent"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # privacy policy link
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")

    page.wait_for_selector("text=Votre commande est confirmée")
    assert "Conférence : la justice climatique vue du Sud" in plain(
        page.locator("main").inner_text()
    )
    check_accessibility(page)


def test_registration_errors_are_announced_and_accessible(browser_page, site_url):
    page = browser_page
    page.goto(site_url + "/activites/atelier-consommation-equitable/inscription/")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirmer l'inscription").click()
    assert page.get_by_role("alert").is_visible() or page.locator(".field__error").count() > 0
    check_accessibility(page)


def test_join_the_waiting_list_of_a_full_date(browser_page, site_url):
    page = browser_page
    page.goto(site_url + "/activites/atelier-produits-menagers/")
    assert page.get_by_text("Complet", exact=True).is_visible()
    page.get_by_role("link", name="Rejoindre la liste d'attente", exact=True).click()
    check_accessibility(page)
    page.get_by_label("Nombre de places").fill("2")
    page.get_by_label("Votre nom").fill("Awa Diallo")
    page.get_by_label("Votre courriel").fill("awa@example.org")
    page.get_by_label("J'accepte").check()
    page.get_by_role("button", name="M'inscrire sur la liste d'attente").click()
    page.wait_for_selector("text=Vous êtes sur la liste d'attente")
    check_accessibility(page)

    from events.models import WaitingListEntry

    entry = WaitingListEntry.objects.get(email="awa@example.org")
    assert (entry.places, entry.state) == (2, "waiting")


def test_applying_a_code_after_filling_the_form_keeps_what_was_typed(browser_page, site_url):
    """The newcomer filled the form, then typed a code at the top and pressed « Appliquer »:
    the page came back empty. Now it comes back with the code's prices and all that was
    typed."""
    page = browser_page
    page.goto(site_url + "/activites/atelier-consommation-equitable/inscription/")
    assert page.locator("[data-apply-hint]").count() == 0  # the script keeps what is typed
    page.get_by_role("radio").first.check()
    page.get_by_label("Régulier").fill("2")
    page.get_by_label("Votre nom").fill("Léa Tremblay")
    page.get_by_label("Vous avez un code de rabais ou de membre ?").fill("partenaire")
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_selector(".notice[role=status]")
    assert "sera appliqué" in page.locator(".notice[role=status]").inner_text()
    assert page.get_by_label("Votre nom").input_value() == "Léa Tremblay"
    assert page.get_by_label("Régulier").input_value() == "2"
    assert page.get_by_role("radio").first.is_checked()
    assert page.get_by_label("Tarif solidaire").count() == 1
    assert page.locator(".error-summary").count() == 0
    check_accessibility(page)


def test_each_person_keeps_their_name_when_another_ticket_type_is_added(
    browser_page, site_url, demo_checkout
):
    """Blocks follow the form's order of ticket types: one « Régulier » added after a student's
    name was typed used to hand that name to the « Régulier » ticket."""
    page = browser_page
    page.goto(site_url + "/activites/atelier-consommation-equitable/inscription/")
    page.get_by_role("radio").first.check()
    page.get_by_label("Étudiant·e").fill("1")
    page.locator("[name=attendee_1_name]").fill("Léa Roy")
    page.get_by_label("Régulier").fill("1")
    legends = page.locator("[data-attendee-block]:not([hidden]) legend")
    assert [" ".join(t.split()) for t in legends.all_inner_texts()] == [
        "Personne 1 — Régulier",
        "Personne 2 — Étudiant·e",
    ]
    assert page.locator("[name=attendee_1_name]").input_value() == ""
    assert page.locator("[name=attendee_2_name]").input_value() == "Léa Roy"
    page.locator("[name=attendee_1_name]").fill("Awa Diallo")
    # The student count cleared to be typed again: her name comes back with her ticket.
    page.get_by_label("Étudiant·e").fill("")
    page.get_by_label("Étudiant·e").fill("1")
    assert page.locator("[name=attendee_2_name]").input_value() == "Léa Roy"
    page.get_by_label("Votre nom").fill("Awa Diallo")
    page.get_by_label("Votre courriel").fill("awa@example.org")
    page.get_by_label("J'accepte").check()
    page.get_by_role("button", name="Confirmer l'inscription").click()
    page.wait_for_url(demo_checkout.url + "/checkout/**")

    from orders.models import OrderLine

    lines = OrderLine.objects.filter(order__buyer_email="awa@example.org")
    tickets = [(line.details["attendees"], line.description.rsplit(" — ", 1)[1]) for line in lines]
    assert sorted(tickets) == [(["Awa Diallo"], "Régulier"), (["Léa Roy"], "Étudiant·e")]
