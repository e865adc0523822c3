"""Registering for an activity: free ones confirmed at once, paid ones through Stripe; the
same places whatever the language; bad input gets a clear message and changes nothing."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from wagtail.models import Locale

from events.models import Attendee, EventPage
from orders.models import Order, OrderState
from tests.conftest import plain
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db


def register_url(page):
    return page.url + "inscription/"


def errors(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [
        e.get_text(" ", strip=True)
        for e in html.select(".field__error, .notice--error p, .error-summary li")
    ]


def ticket(page, name):
    return page.source.ticket_types.get(name=name)


def test_free_registration_is_confirmed_at_once(
    client, free_activity, django_capture_on_commit_callbacks
):
    data = registration_data(
        free_activity, **{f"quantity_{ticket(free_activity, 'Entrée libre').pk}": 2}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(register_url(free_activity), data)
    order = Order.objects.get(buyer_email="awa@example.org")
    assert response.status_code == 302
    assert response["Location"] == order.get_absolute_url()
    assert order.state == OrderState.PAID and order.total == 0
    attendees = Attendee.objects.filter(order_line__order=order)
    assert attendees.count() == 2
    assert len({a.ticket_code for a in attendees}) == 2
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Votre commande est confirmée" in page
    assert "Conférence : la justice climatique vue du Sud" in plain(page)


def test_paid_registration_goes_to_stripe_checkout(client, activity, fake_stripe):
    regular, student = ticket(activity, "Régulier"), ticket(activity, "Étudiant·e")
    data = registration_data(activity, **{f"quantity_{regular.pk}": 1, f"quantity_{student.pk}": 1})
    response = client.post(register_url(activity), data)
    assert response.status_code == 302
    assert response["Location"].startswith(fake_stripe.url + "/checkout/")
    order = Order.objects.get(buyer_email="awa@example.org")
    assert order.state == OrderState.PENDING
    assert order.total == Decimal("40.00")
    date = activity.upcoming_dates[0]
    assert date.seats_left() == 18
    # Stripe's page names each line as the site writes it: « 18 h », not « 18 h 00 ».
    [session_id] = fake_stripe.line_items
    names = [item["description"] for item in fake_stripe.line_items[session_id]]
    assert len(names) == 2 and not any(" h 00" in plain(name) for name in names), names


def test_buyers_checkouts_go_to_stripe_over_one_kept_connection(client, activity, fake_stripe):
    """The site keeps one Stripe client per process, whose connection stays open: no new TCP
    (and, with the real Stripe, TLS) handshake for each buyer's Checkout Session."""
    regular = ticket(activity, "Régulier")
    for n in range(3):
        data = registration_data(activity, **{f"quantity_{regular.pk}": 1})
        data["buyer_email"] = f"personne{n}@example.org"
        response = client.post(register_url(activity), data)
        assert response.status_code == 302
        assert response["Location"].startswith(fake_stripe.url + "/checkout/")
    assert len(fake_stripe.sessions) == 3
    assert fake_stripe.connections == 1


def test_a_checkout_after_stripe_restarted_opens_a_new_connection(client, activity, settings):
    """The kept connection is gone when Stripe's end closes it (a restart, an idle timeout):
    the next buyer's Checkout Session is made over a new one, not refused."""
    from devtools.fake_stripe import FakeStripe

    regular = ticket(activity, "Régulier")

    def register(n):
        data = registration_data(activity, **{f"quantity_{regular.pk}": 1})
        data["buyer_email"] = f"personne{n}@example.org"
        return client.post(register_url(activity), data)

    first = FakeStripe().start()
    url, port = first.url, int(first.url.rsplit(":", 1)[1])
    settings.STRIPE_API_BASE, settings.STRIPE_SECRET_KEY = url, "sk_test_cesiq"
    try:
        assert register(1)["Location"].startswith(url + "/checkout/")
    finally:
        first.stop()
    with FakeStripe(port=port) as again:  # the same address, as after a restart
        response = register(2)
        assert response.status_code == 302
        assert response["Location"].startswith(url + "/checkout/")
        assert len(again.sessions) == 1


def test_english_registration_uses_the_same_places(client, english, activity, fake_stripe):
    regular = ticket(activity, "Régulier")
    data = registration_data(english, **{f"quantity_{regular.pk}": 3})
    response = client.post(register_url(english), data)
    assert response.status_code == 302
    order = Order.objects.get(buyer_email="awa@example.org")
    assert order.language == "en"
    assert order.lines.get().description.startswith("Workshop: fair-trade shopping every day")
    assert order.lines.get().description.endswith("Regular")
    assert activity.upcoming_dates[0].seats_left() == 17


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "Choisissez au moins un billet."),
        ({"consent": ""}, "Cochez la case pour accepter"),
        ({"buyer_email": "pas-un-courriel"}, "Indiquez un courriel valide, comme nom@exemple.ca."),
        ({"date": 999999}, "Cette date n'est plus proposée\u00a0: choisissez-en une autre."),
        ({"website": "http://spam.example"}, "réservé aux robots"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(client, activity, overrides, message):
    response = client.post(register_url(activity), registration_data(activity, **overrides))
    assert response.status_code == 400
    assert any(message in e for e in errors(response)), errors(response)
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_an_empty_form_says_every_mistake_at_once_tickets_included(client, activity):
    """Sent empty, the form named the missing name and email, then only on the next sending
    that a ticket was needed: each fix showed a new error."""
    data = registration_data(activity, buyer_name="", buyer_email="")
    response = client.post(register_url(activity), data)
    assert response.status_code == 400
    found = [plain(e) for e in errors(response)]
    assert "Choisissez au moins un billet." in found
    assert any("courriel" in e for e in found) and any("nom" in e for e in found), found
    # The summary lists them in the page's order: the tickets come before the buyer.
    summary = BeautifulSoup(response.content, "html.parser").select(".error-summary a")
    assert [plain(a.get_text(strip=True)) for a in summary] == [
        "Choisissez au moins un billet.",
        "Indiquez votre nom.",
        "Indiquez votre courriel.",
    ]
    # A wrong quantity is said as such, not as « no ticket » too.
    regular = ticket(activity, "Régulier")
    data[f"quantity_{regular.pk}"] = "beaucoup"
    found = [plain(e) for e in errors(client.post(register_url(activity), data))]
    assert "Choisissez au moins un billet." not in found


def test_paid_registration_reads_nothing_back_before_the_checkout_page(
    client, activity, fake_stripe
):
    """The order just placed goes to Stripe as written: no lock taken again on it, no payment
    attempt or line read back (each statement is CPU of every buyer's POST); pressing « Payer »
    again from the order page still finds the same Checkout page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    regular = ticket(activity, "Régulier")
    data = registration_data(activity, **{f"quantity_{regular.pk}": 2})
    with CaptureQueriesContext(connection) as queries:
        response = client.post(register_url(activity), data)
    assert response.status_code == 302
    statements = [q["sql"] for q in queries.captured_queries]
    assert not [q for q in statements if q.startswith("SELECT") and '"orders_payment"' in q]
    assert not [q for q in statements if '"orders_order"' in q and "FOR UPDATE" in q]
    assert not [q for q in statements if q.startswith('SELECT "orders_orderline"."id"')]
    order = Order.objects.get(buyer_email="awa@example.org")
    payment = order.payments.get()
    assert response["Location"] == payment.checkout_url
    first = fake_stripe.line_items[payment.stripe_session_id][0]
    assert first["quantity"] == 2 and first["description"].endswith("Régulier")
    assert fake_stripe.sessions[payment.stripe_session_id]["amount_total"] == int(order.total * 100)
    from orders import services

    again = services.start_checkout(
        Order.objects.get(pk=order.pk), success_url="http://x/", cancel_url="http://x/"
    )
    assert again == payment.checkout_url and order.payments.count() == 1


def test_quantity_above_the_maximum_per_order(client, activity):
    regular = ticket(activity, "Régulier")
    response = client.post(
        register_url(activity), registration_data(activity, **{f"quantity_{regular.pk}": 11})
    )
    assert response.status_code == 400
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_sold_out_date_is_refused_with_the_places_left(client, demo_site, fake_stripe):
    page = EventPage.objects.get(slug="atelier-presque-complet", locale__language_code="fr")
    only = page.source.ticket_types.get()
    response = client.post(
        register_url(page), registration_data(page, **{f"quantity_{only.pk}": 4})
    )
    assert response.status_code == 400
    assert any("Il ne reste que 3 places" in e for e in errors(response))
    response = client.post(
        register_url(page), registration_data(page, **{f"quantity_{only.pk}": 3})
    )
    assert response.status_code == 302
    html = BeautifulSoup(client.get(page.url).content, "html.parser")
    assert "Complet" in html.select_one(".activity__dates").get_text()


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("-2", "Indiquez 0 billet « Régulier » ou plus."),
        ("1,5", "Indiquez un nombre de billets « Régulier » entier."),
        ("99", "Au plus 10 billets « Régulier » par commande."),
    ],
)
def test_a_wrong_number_of_tickets_names_the_ticket(client, activity, quantity, message):
    """Django said « Assurez-vous que cette valeur est supérieure ou égale à 0 » without
    saying which of the form's tickets."""
    regular = activity.ticket_types.get(name="Régulier")
    data = registration_data(activity, **{f"quantity_{regular.pk}": quantity})
    response = client.post(register_url(activity), data)
    assert response.status_code == 400
    assert message in [plain(e) for e in errors(response)], errors(response)
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_a_date_no_longer_offered_is_said_so(client, demo_site):
    """A date gone from the form (cancelled, begun, an old tab) was « Sélectionnez un choix
    valide. 12 n'en fait pas partie. »"""
    page = EventPage.objects.get(slug="atelier-presque-complet", locale__language_code="fr")
    only = page.source.ticket_types.get()
    data = registration_data(page, **{f"quantity_{only.pk}": 1, "date": "999999"})
    response = client.post(register_url(page), data)
    assert response.status_code == 400
    assert "Cette date n'est plus proposée : choisissez-en une autre." in [
        plain(e) for e in errors(response)
    ]


def test_pay_what_you_can_below_the_minimum(client, demo_site):
    page = EventPage.objects.get(slug="projection-semences", locale__language_code="fr")
    pwyc = page.source.ticket_types.get()
    response = client.post(
        register_url(page),
        registration_data(page, **{f"quantity_{pwyc.pk}": 1, f"amount_{pwyc.pk}": "2.00"}),
    )
    assert response.status_code == 400
    assert "La contribution minimale pour « Contribution volontaire » est de 5,00 $." in [
        plain(e) for e in errors(response)
    ]
    english = page.get_translation(Locale.objects.get(language_code="en"))
    response = client.post(
        register_url(english),
        registration_data(english, **{f"quantity_{pwyc.pk}": 1, f"amount_{pwyc.pk}": "2.00"}),
    )
    assert response.status_code == 400
    assert "The minimum contribution for “Pay what you can” is $5.00." in errors(response)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("7,50", "7.50"), ("7,5", "7.50"), ("7.50", "7.50"), ("7,50 $", "7.50"), ("12", "12.00")],
)
def test_pay_what_you_can_as_people_type_it(client, demo_site, fake_stripe, typed, amount):
    """« 7,50 » is 7,50 $: a number box in a French browser turned it into 750 $ (and the
    server refused « 7,5 »). A text box with a decimal keypad now, read in both ways."""
    page = EventPage.objects.get(slug="projection-semences", locale__language_code="fr")
    pwyc = page.source.ticket_types.get()
    html = BeautifulSoup(client.get(register_url(page)).content, "html.parser")
    box = html.select_one(f"input[name=amount_{pwyc.pk}]")
    assert (box["type"], box["inputmode"]) == ("text", "decimal")
    assert box["value"] == "10,00"  # the suggested amount, written the French way
    response = client.post(
        register_url(page),
        registration_data(page, **{f"quantity_{pwyc.pk}": 1, f"amount_{pwyc.pk}": typed}),
    )
    assert response.status_code == 302, errors(response)
    order = Order.objects.get(buyer_email="awa@example.org")
    assert order.total == Decimal(amount)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("sept", "Indiquez un montant en dollars, par exemple 25 ou 25,50."),
        ("1e3", "Indiquez un montant en dollars, par exemple 25 ou 25,50."),
        ("7,555", "Le montant ne peut pas avoir plus de deux décimales."),
        ("25000", "La contribution maximale pour « Contribution volontaire » est de 10 000,00 $."),
        ("9" * 40, "Indiquez un montant en dollars, par exemple 25 ou 25,50."),
    ],
)
def test_a_contribution_that_is_no_amount_is_refused(client, demo_site, typed, message):
    page = EventPage.objects.get(slug="projection-semences", locale__language_code="fr")
    pwyc = page.source.ticket_types.get()
    response = client.post(
        register_url(page),
        registration_data(page, **{f"quantity_{pwyc.pk}": 1, f"amount_{pwyc.pk}": typed}),
    )
    assert response.status_code == 400
    assert message in [plain(e) for e in errors(response)]
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_cancelled_and_partner_activities_have_no_registration(client, demo_site):
    cancelled = EventPage.objects.get(slug="rencontre-annulee", locale__language_code="fr")
    html = BeautifulSoup(client.get(cancelled.url).content, "html.parser")
    assert "Cette activité est annulée." in html.get_text()
    assert not html.find("a", string="S'inscrire")
    assert not html.find("a", string="Ajouter à mon agenda (.ics)")  # nothing to go to
    response = client.get(register_url(cancelled))
    lead = plain(BeautifulSoup(response.content, "html.parser").select_one(".lead").get_text())
    assert "Inscriptions fermées" in response.content.decode()
    assert lead == "Cette activité est annulée : elle ne prend plus d'inscriptions."
    english = client.get(
        register_url(cancelled.get_translation(Locale.objects.get(language_code="en")))
    )
    lead = BeautifulSoup(english.content, "html.parser").select_one(".lead").get_text()
    assert lead == "This activity is cancelled: it no longer takes registrations."
    partner = EventPage.objects.get(slug="semaine-contre-le-racisme", locale__language_code="fr")
    html = BeautifulSoup(client.get(partner.url).content, "html.parser")
    link = html.find("a", string="S'inscrire chez notre partenaire")
    assert link["href"] == "https://www.example.org/semaine-contre-le-racisme"
    # Its registration address (a link kept from before) says where registration happens.
    html = BeautifulSoup(client.get(register_url(partner)).content, "html.parser")
    assert plain(html.select_one(".lead").get_text()) == (
        "Les inscriptions se font chez notre partenaire."
    )
    link = html.find("a", string="S'inscrire chez notre partenaire")
    assert link["href"] == "https://www.example.org/semaine-contre-le-racisme"


def test_activity_page_has_schema_org_event_data(client, activity):
    import json

    html = BeautifulSoup(client.get(activity.url).content, "html.parser")
    data = json.loads(html.find("script", type="application/ld+json").string)
    assert [e["@type"] for e in data] == ["Event", "Event"]
    first = data[0]
    assert first["name"] == "Atelier : consommer équitable au quotidien"
    assert first["eventStatus"] == "https://schema.org/EventScheduled"
    assert first["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert first["location"]["address"]["addressLocality"] == "Québec"
    assert {o["price"] for o in first["offers"]} == {"25.00", "15.00"}
    assert all(o["priceCurrency"] == "CAD" for o in first["offers"])


def test_answers_to_the_activitys_questions_and_attendee_names_are_kept(
    client, activity, fake_stripe
):
    regular = ticket(activity, "Régulier")
    questions = {q.kind: q for q in activity.source.questions.all()}
    data = registration_data(
        activity,
        **{
            f"quantity_{regular.pk}": 2,
            f"question_{questions['text'].pk}": "Végétarien",
            f"question_{questions['checkbox'].pk}": "on",
            f"question_{questions['choice'].pk}": "Infolettre",
            "attendee_names": "Awa Diallo\nJean Tremblay\n",
        },
    )
    assert client.post(register_url(activity), data).status_code == 302
    line = Order.objects.get(buyer_email="awa@example.org").lines.get()
    assert line.details["answers"] == {
        "Besoins alimentaires": "Végétarien",
        "J'ai besoin d'un aménagement pour participer": "oui",
        "Comment avez-vous connu l'activité ?": "Infolettre",
    }
    assert line.details["attendees"] == ["Awa Diallo", "Jean Tremblay"]


def test_english_form_shows_questions_and_choices_in_english(client, english):
    html = BeautifulSoup(client.get(register_url(english)).content, "html.parser")
    labels = [label.get_text(" ", strip=True) for label in html.select("label")]
    assert any(label.startswith("Dietary needs") for label in labels)
    options = [o.get_text() for o in html.select("select option")]
    assert "Word of mouth" in options


def test_school_groups_give_their_school_and_grade(
    client, demo_site, django_capture_on_commit_callbacks
):
    page = EventPage.objects.get(slug="animation-droits-enfants", locale__language_code="fr")
    pupil, adult = ticket(page, "Élève"), ticket(page, "Adulte accompagnateur")
    data = registration_data(page, **{f"quantity_{pupil.pk}": 24, f"quantity_{adult.pk}": 2})
    response = client.post(register_url(page), data)
    assert response.status_code == 400
    assert errors(response).count("Champ requis.") == 2
    data.update(school="École Saint-Jean-Baptiste", grade="5e année")
    response = client.post(register_url(page), data)
    assert response.status_code == 302
    order = Order.objects.get(buyer_email="awa@example.org")
    assert order.total == Decimal("96.00")
    answers = order.lines.first().details["answers"]
    assert answers == {"École": "École Saint-Jean-Baptiste", "Niveau scolaire": "5e année"}


def test_two_ticket_types_in_one_order_cannot_oversell_a_date(client, activity):
    """Each line alone fits; together they do not: the order is refused whole."""
    date = activity.source.upcoming_dates[0]
    date.capacity = 3
    date.save()
    regular, student = ticket(activity, "Régulier"), ticket(activity, "Étudiant·e")
    data = registration_data(activity, **{f"quantity_{regular.pk}": 3, f"quantity_{student.pk}": 3})
    response = client.post(register_url(activity), data)
    assert response.status_code == 400
    assert any("Il ne reste que 3 places" in e for e in errors(response)), errors(response)
    assert date.usage().taken == 0
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_the_code_box_says_at_once_whether_the_code_is_good(client, activity, english):
    def notice(url):
        found = BeautifulSoup(client.get(url).content, "html.parser").select_one(".notice")
        return plain(found.get_text(" ", strip=True)) if found else None

    assert notice(register_url(activity)) is None
    assert notice(register_url(activity) + "?code=FAUX") == (
        "Le code « FAUX » n'est pas un code valide pour cette activité. Vérifiez-le, ou "
        "inscrivez-vous sans code."
    )
    # What the code takes off, said before the payment page (the prices shown are before it).
    assert notice(register_url(activity) + "?code=partenaire") == (
        "Le code « partenaire » sera appliqué à votre inscription : 10 % de rabais, déduit au "
        "paiement."
    )
    assert notice(english.url + "register/?code=partenaire") == (
        "The code “partenaire” will be applied to your registration: 10% off, taken off at payment."
    )
    assert notice(english.url + "register/?code=FAUX") == (
        "The code “FAUX” is not a valid code for this activity. Check it, or register "
        "without a code."
    )


def test_applying_a_code_keeps_what_was_typed_and_holds_nothing(client, activity):
    """« Appliquer » sent with the form (the page's script does it): the code's prices appear,
    what was typed comes back as typed, nothing is checked nor held."""
    regular = ticket(activity, "Régulier")
    data = registration_data(
        activity,
        buyer_name="Léa Tremblay",
        buyer_email="",
        discount_code="partenaire",
        appliquer="1",
        **{f"quantity_{regular.pk}": 2},
    )
    response = client.post(register_url(activity), data)
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    assert html.select_one("input[name=buyer_name]")["value"] == "Léa Tremblay"
    assert html.select_one(f"input[name=quantity_{regular.pk}]")["value"] == "2"
    assert html.select_one("input[name=date][checked]")["value"] == str(data["date"])
    assert "Tarif solidaire" in html.get_text()  # the code's prices
    assert plain(html.select_one(".notice").get_text(" ", strip=True)) == (
        "Le code « partenaire » sera appliqué à votre inscription : 10 % de rabais, déduit au "
        "paiement."
    )
    assert html.select_one(".error-summary") is None  # the empty email is not an error yet
    assert not Order.objects.filter(buyer_name="Léa Tremblay").exists()


def test_a_price_hidden_until_a_code_appears_only_with_a_valid_code(client, activity, fake_stripe):
    hidden = ticket(activity, "Tarif solidaire")
    assert "Tarif solidaire" not in client.get(register_url(activity)).content.decode()
    assert (
        "Tarif solidaire" not in client.get(register_url(activity) + "?code=FAUX").content.decode()
    )
    html = client.get(register_url(activity) + "?code=partenaire").content.decode()
    assert "Tarif solidaire" in html

    # Without the code, a tampered quantity for the hidden ticket is simply not a field.
    data = registration_data(activity, **{f"quantity_{hidden.pk}": 1})
    response = client.post(register_url(activity), data)
    assert response.status_code == 400
    assert "Choisissez au moins un billet." in errors(response)

    data["discount_code"] = "PARTENAIRE"
    assert client.post(register_url(activity), data).status_code == 302
    order = Order.objects.get(buyer_email="awa@example.org")
    assert (order.subtotal, order.discount_amount, order.total) == (
        Decimal("18.00"),
        Decimal("1.80"),
        Decimal("16.20"),
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", "Les dernières places ont été prises pendant que vous remplissiez le formulaire"),
        ("en", "The last places were taken while you were filling in the form"),
    ],
)
def test_a_form_sent_after_the_last_place_went_says_so_and_holds_nothing(
    client, demo_site, fake_stripe, language, words
):
    """Someone else took the last places while this buyer filled in the form: the answer is
    the activity's "Complet" page with the waiting list, saying that nothing was held."""
    page = EventPage.objects.get(slug="atelier-presque-complet", locale__language_code="fr")
    only = page.source.ticket_types.get()
    if language == "en":
        page = page.get_translations().get().specific
    form = registration_data(page, **{f"quantity_{only.pk}": 2})
    taken = registration_data(page, buyer_email="first@example.org", **{f"quantity_{only.pk}": 3})
    assert client.post(register_url(page), taken).status_code == 302

    response = client.post(register_url(page), form)
    assert response.status_code == 400
    html = BeautifulSoup(response.content, "html.parser")
    assert words in html.select_one("[role=alert]").get_text()
    assert html.select_one(".registration-full") is not None
    assert html.select_one("a[href$='liste-attente/'], a[href$='waiting-list/']") is not None
    assert html.select_one("input[name=csrfmiddlewaretoken]") is None
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()


def test_a_form_sent_again_by_the_buyer_who_took_the_last_places_is_not_told_nothing_is_held(
    client, demo_site, fake_stripe, django_capture_on_commit_callbacks
):
    """A double click, or the form sent again after going to Stripe: the buyer's own order
    holds the last places. They are told so and sent its link, not "nothing was held"."""
    from orders.models import OutboxEmail

    page = EventPage.objects.get(slug="atelier-presque-complet", locale__language_code="fr")
    only = page.source.ticket_types.get()
    form = registration_data(page, **{f"quantity_{only.pk}": 3})
    assert client.post(register_url(page), form).status_code == 302
    order = Order.objects.get(buyer_email="awa@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(register_url(page), form)
    assert response.status_code == 400
    text = BeautifulSoup(response.content, "html.parser").get_text()
    assert "Rien n'a été réservé" not in text and "awa@example.org" in text
    assert OutboxEmail.objects.filter(
        order=order, key__startswith="order_pending_reminder"
    ).exists()
    assert Order.objects.filter(buyer_email="awa@example.org").count() == 1


def test_prices_say_when_taxes_are_added_at_payment(client, activity, free_activity):
    """With taxes charged (the order settings), a paid activity's prices are before taxes:
    its page and its form say so, before the buyer sees a larger total at Stripe."""
    from orders.models import OrderSettings

    note = "Prix avant taxes : la TPS et la TVQ s'ajoutent au paiement."

    def notes(url):
        html = BeautifulSoup(client.get(url).content, "html.parser")
        return [plain(p.get_text()) for p in html.select(".field__hint")]

    assert note not in notes(activity.url) and note not in notes(register_url(activity))
    settings = OrderSettings.load()
    settings.taxes_enabled = True
    settings.save()
    assert note in notes(activity.url)
    assert note in notes(register_url(activity))
    assert note not in notes(free_activity.url)  # free: nothing to tax
