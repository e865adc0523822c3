"""Joining and renewing online through orders (the fake Stripe over HTTP, a signed webhook),
the year of membership, the member price on tickets (logged in or with a member code), the
renewal reminder sent once, and the members list staff read and export."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from events.models import EventPage, TicketType
from memberships import services
from memberships.models import Member, MembershipCategory, MembershipPeriod, one_year_from
from orders.models import Order, OrderState
from tests.conftest import plain, post_webhook
from tests.events.conftest import registration_data
from tests.orders.test_payments import last_event, press

pytestmark = pytest.mark.django_db
D = Decimal
PAGE = "/devenir-membre/"


def join_data(category, **overrides):
    data = {
        "category": category.pk,
        "name": "Awa Diallo",
        "organisation": "",
        "email": "awa@example.org",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def errors(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [
        plain(e.get_text(" ", strip=True))
        for e in html.select(".field__error, .error-summary__list li")
    ]


@pytest.fixture
def individual(demo_site):
    return MembershipCategory.objects.get(name="Membre individuel")


@pytest.fixture
def organisation(demo_site):
    return MembershipCategory.objects.get(name="Organisation membre")


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    def deliver_event(event):
        with django_capture_on_commit_callbacks(execute=True):
            return post_webhook(client, event)

    return deliver_event


@pytest.fixture
def join(client, fake_stripe, deliver):
    def join_as(category, url=PAGE, **overrides):
        response = client.post(url, join_data(category, **overrides))
        assert response.status_code == 302, errors(response)
        status, location = press(response["Location"], "pay")
        assert status == 303
        assert deliver(last_event(fake_stripe, "checkout.session.completed")).status_code == 200
        return Order.objects.filter(kind="membership").latest("created_at")

    return join_as


@pytest.fixture
def activity(demo_site):
    return EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")


@pytest.fixture
def member_ticket(activity):
    return TicketType.objects.create(
        page=activity.source,
        name="Prix membre",
        name_en="Members' price",
        price=D("12.00"),
        members_only=True,
    )


def register_url(page):
    return page.url + "inscription/"


def test_the_page_offers_each_category_and_its_yearly_fee(client, individual):
    response = client.get(PAGE)
    assert response.status_code == 200
    labels = [
        plain(x.get_text(strip=True))
        for x in BeautifulSoup(response.content, "html.parser").select(".choice label")
    ]
    assert labels == [
        "Membre individuel — 25,00 $ par année",
        "Organisation membre — 100,00 $ par année",
    ]
    assert client.get("/en/become-a-member/").status_code == 200


def test_joining_makes_a_member_for_a_year_with_a_code(client, join, individual):
    order = join(individual)
    assert order.state == OrderState.PAID and order.total == D("25.00")
    assert order.gst == order.qst == D("0")
    member = Member.objects.get(email="awa@example.org")
    period = member.periods.get()
    today = timezone.localdate()
    assert (period.start, period.end) == (today, one_year_from(today))
    assert member.is_active()
    [email] = [m for m in mail.outbox if m.to == ["awa@example.org"]]
    assert f"Votre code de membre : {member.code}" in plain(email.body)
    assert plain(email.subject) == f"Confirmation de votre adhésion {order.code}"
    # The receipt page says it too (the email may be lost), once, with the dates.
    receipt = plain(
        BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser").get_text(" ")
    )
    assert receipt.count(f"Votre code de membre : {member.code}") == 1
    assert "Votre adhésion est valide du" in receipt
    assert "Membre :" not in receipt  # a person's own membership: their name is above
    assert plain(email.body).count(member.code) == 1


def test_an_organisations_receipt_and_email_name_the_organisation(client, join, organisation):
    order = join(organisation, organisation="Carrefour solidaire de Limoilou")
    [email] = [m for m in mail.outbox if m.to == ["awa@example.org"]]
    assert "Membre : Carrefour solidaire de Limoilou" in plain(email.body)
    receipt = plain(
        BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser").get_text(" ")
    )
    assert "Membre : Carrefour solidaire de Limoilou" in receipt


def test_renewing_before_expiry_adds_the_year_after(client, join, individual):
    join(individual)
    member = Member.objects.get(email="awa@example.org")
    first = member.periods.get()
    # The form says what paying again does, to anyone, and never whether an address is a
    # member (personal information).
    shown = plain(BeautifulSoup(client.get(PAGE).content, "html.parser").get_text(" ", strip=True))
    assert "Déjà membre ? Payer maintenant prolonge votre adhésion d'un an" in shown
    assert date_format(first.end, "DATE_FORMAT") not in shown
    join(individual, email="AWA@example.org")
    assert Member.objects.filter(email__iexact="awa@example.org").count() == 1
    second = member.periods.exclude(pk=first.pk).get()
    assert second.start == first.end + timedelta(days=1)
    assert second.end == one_year_from(second.start)


def test_paying_with_a_members_address_shows_neither_their_code_nor_their_dates(
    client, join, individual
):
    """Whoever pays sees the order's page: with an existing member's address, it handed out
    that member's code (members' prices) and dates. They go to the member's mailbox only."""
    first = join(individual)
    page = plain(client.get(first.get_absolute_url()).content.decode())
    member = Member.objects.get(email="awa@example.org")
    assert f"Votre code de membre : {member.code}" in page  # a new member: their own
    mail.outbox.clear()
    again = join(individual, name="Quelqu'un d'autre")
    page = plain(BeautifulSoup(client.get(again.get_absolute_url()).content, "html.parser").text)
    assert member.code not in page
    assert "L'adhésion est prolongée d'un an." in page
    [email] = [m for m in mail.outbox if m.to == ["awa@example.org"]]
    assert member.code in email.body
    # Nor did it rename her (it did, to whatever name the payer typed).
    member.refresh_from_db()
    assert member.name != "Quelqu'un d'autre"


def test_a_signed_in_member_is_told_until_when_and_what_renewing_adds(client, join, individual):
    join(individual)
    period = Member.objects.get(email="awa@example.org").periods.get()
    user = get_user_model().objects.create_user("awa", email="Awa@example.org", password="x")
    client.force_login(user)
    shown = plain(BeautifulSoup(client.get(PAGE).content, "html.parser").get_text(" ", strip=True))
    until = date_format(period.end, "DATE_FORMAT")
    next_until = date_format(one_year_from(period.end + timedelta(days=1)), "DATE_FORMAT")
    assert (
        f"Votre adhésion est valide jusqu'au {until}. Renouveler maintenant la prolonge d'un "
        f"an, jusqu'au {next_until}."
    ) in shown
    # A cancelled year is no membership.
    period.cancelled = True
    period.save()
    assert "Votre adhésion est valide" not in plain(client.get(PAGE).content.decode())


def test_an_organisation_must_give_its_name_and_bad_input_creates_nothing(client, organisation):
    before = Order.objects.count()
    response = client.post(PAGE, join_data(organisation))
    assert response.status_code == 400
    assert "Indiquez le nom de l'organisation pour cette catégorie." in errors(response)
    response = client.post(PAGE, {**join_data(organisation), "category": "999999"})
    assert response.status_code == 400
    assert "Choisissez une catégorie de membre proposée." in errors(response)
    assert Order.objects.count() == before
    assert not Member.objects.filter(email="awa@example.org").exists()


def test_a_cancelled_membership_is_no_longer_active(
    join, individual, admin_user, django_capture_on_commit_callbacks
):
    from orders import services as orders

    order = join(individual)
    with django_capture_on_commit_callbacks(execute=True):
        orders.cancel_order(order, user=admin_user, reason="Erreur")
    member = Member.objects.get(email="awa@example.org")
    assert not member.is_active()
    assert member.periods.get().cancelled


def test_the_activity_page_says_a_member_price_exists(client, activity, member_ticket):
    page = plain(client.get(activity.url).content.decode())
    assert "Prix membre (membres) : 12,00 $" in page
    assert "saisissez votre code de membre à l'inscription" in page


def test_member_price_is_offered_with_a_member_code_only(
    client, join, individual, activity, member_ticket, fake_stripe
):
    url = register_url(activity)
    assert "Prix membre" not in client.get(url).content.decode()
    assert "Prix membre" not in client.get(url + "?code=PASUNCODE").content.decode()
    # A tampered POST for the members' ticket without a code: not a field, refused.
    data = registration_data(activity, **{f"quantity_{member_ticket.pk}": 1})
    response = client.post(url, data)
    assert response.status_code == 400
    assert not Order.objects.filter(kind="tickets", buyer_email="awa@example.org").exists()

    join(individual)
    code = Member.objects.get(email="awa@example.org").code
    page = plain(client.get(url + f"?code={code}").content.decode())
    assert "Prix membre" in page and "12,00 $" in page
    assert "Vous êtes membre en règle" in page
    assert '<input type="hidden" name="tarifs_membre" value="1">' in page
    data.update(discount_code=code, tarifs_membre="1")  # as that page sends it
    response = client.post(url, data)
    assert response.status_code == 302, errors(response)
    order = Order.objects.get(kind="tickets", buyer_email="awa@example.org")
    assert order.total == D("12.00") and order.discount_code is None


def test_a_member_code_typed_in_the_form_brings_the_member_price_before_anything_is_bought(
    client, activity, member_ticket
):
    """Without the page's script, the code box is not applied first: a member's code typed in
    the form's own code field, on a form shown without the member prices, brought the tickets
    chosen at the usual price without a word. The form comes back with the member price to
    choose, everything typed kept, nothing held."""
    url = register_url(activity)
    regular = next(t for t in activity.source.ticket_types.all() if not t.members_only)
    data = registration_data(activity, **{f"quantity_{regular.pk}": 1})
    data["discount_code"] = "MEMBRE2026"
    response = client.post(url, data)
    assert response.status_code == 200
    page = plain(response.content.decode())
    assert "Votre code de membre vous donne le tarif membre" in page
    assert "Rien n'est encore réservé" in page
    assert "Prix membre" in page and f'name="quantity_{member_ticket.pk}"' in page
    assert 'value="awa@example.org"' in page  # what was typed is kept
    assert not Order.objects.filter(buyer_email="awa@example.org").exists()

    data.update({f"quantity_{regular.pk}": 0, f"quantity_{member_ticket.pk}": 1})
    data["tarifs_membre"] = "1"
    response = client.post(url, data)
    assert response.status_code == 302, errors(response)
    assert Order.objects.get(buyer_email="awa@example.org").total == D("12.00")


def test_member_price_for_a_logged_in_member(client, activity, member_ticket, demo_site):
    user = get_user_model().objects.create_user("camille", email="membre@demo.cesiq.example")
    client.force_login(user)
    page = client.get(register_url(activity)).content.decode()
    assert "Prix membre" in page
    # A member whose year is over gets the ordinary prices.
    MembershipPeriod.objects.filter(member__email="membre@demo.cesiq.example").update(
        end=timezone.localdate() - timedelta(days=1)
    )
    assert "Prix membre" not in client.get(register_url(activity)).content.decode()


def test_the_demo_workshop_has_a_member_price_the_demo_members_code_unlocks(client, activity):
    """The membership page promises a member price: the demo shows one, on its workshop, to
    try with the demo member's code (README)."""
    from devtools.demo.supporters import DEMO_MEMBER_CODE

    page = BeautifulSoup(client.get(activity.url).content, "html.parser")
    assert "Tarif réduit (membres) : 20,00 $" in plain(page.get_text(" ", strip=True))
    form = client.get(register_url(activity)).content.decode()
    assert "Tarif réduit" not in form
    unlocked = client.get(register_url(activity) + f"?code={DEMO_MEMBER_CODE}").content.decode()
    assert "Tarif réduit" in unlocked


def test_an_expired_members_code_unlocks_nothing(client, activity, member_ticket):
    member = Member.objects.get(code="MEMBRE2026")
    assert "Prix membre" in client.get(register_url(activity) + "?code=MEMBRE2026").content.decode()
    member.periods.update(end=timezone.localdate() - timedelta(days=1))
    assert (
        "Prix membre"
        not in client.get(register_url(activity) + "?code=membre2026").content.decode()
    )


def test_a_members_code_on_an_activity_without_member_price_is_not_called_wrong(client, demo_site):
    """The new member's receipt says to type the code when registering; on an activity with
    no member price, the page says so rather than « not a valid code » (and a wrong code
    still gets that)."""
    activity = EventPage.objects.get(
        slug="formation-citoyennete-mondiale", locale__language_code="fr"
    )
    assert not activity.member_ticket_types()

    def notice(code):
        html = BeautifulSoup(
            client.get(register_url(activity) + f"?code={code}").content, "html.parser"
        )
        return plain(html.select_one(".notice").get_text(" ", strip=True))

    assert notice("MEMBRE2026") == (
        "Le code de membre « MEMBRE2026 » est valide, mais cette activité n'a pas de tarif "
        "membre : inscrivez-vous au tarif habituel."
    )
    assert "n'est pas un code valide" in notice("PASMEMBRE9")


def test_member_codes_are_rate_limited(client, activity, member_ticket, settings):
    settings.RATE_LIMITS = {"member_code": (3, 600)}
    for n in range(3):
        assert client.get(register_url(activity) + f"?code=ESSAI{n}").status_code == 200
    assert client.get(register_url(activity) + "?code=ESSAI9").status_code == 429


def test_the_renewal_reminder_is_sent_once(
    demo_site, django_capture_on_commit_callbacks, individual
):
    today = timezone.localdate()
    soon = Member.objects.create(kind="individual", name="Léa Bientôt", email="lea@example.org")
    MembershipPeriod.objects.create(
        member=soon,
        category=individual,
        start=today - timedelta(days=350),
        end=today + timedelta(days=10),
        amount=D("25.00"),
    )
    renewed = Member.objects.create(
        kind="individual", name="Noé Renouvelé", email="noe@example.org"
    )
    current = MembershipPeriod.objects.create(
        member=renewed,
        category=individual,
        start=today - timedelta(days=350),
        end=today + timedelta(days=10),
        amount=D("25.00"),
    )
    MembershipPeriod.objects.create(
        member=renewed,
        category=individual,
        start=current.end + timedelta(days=1),
        end=one_year_from(current.end + timedelta(days=1)),
        amount=D("25.00"),
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_renewal_reminders() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_renewal_reminders() == 0
    [email] = mail.outbox
    assert email.to == ["lea@example.org"]
    assert "Votre adhésion au CÉSIQ se termine le" in plain(email.subject)
    assert "/devenir-membre/" in email.body


def test_the_reminders_run_on_the_beat(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "memberships.send_renewal_reminders" in tasks


@pytest.fixture
def login(client, demo_site):
    def as_user(username):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return as_user


def test_staff_list_and_export_members(login):
    client = login("administration")
    response = client.get("/admin/members/")
    assert response.status_code == 200
    assert "Camille Membre" in response.content.decode()
    export = client.get("/admin/members/?export=csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    header, *data = rows
    row = next(r for r in data if "membre@demo.cesiq.example" in r)
    assert row[header.index("Catégorie")] == "Membre individuel"
    assert row[header.index("État")].startswith("Active jusqu'au")


@pytest.mark.parametrize("username", ["redaction", "billetterie", "boutique"])
def test_other_teams_do_not_see_members(login, username):
    client = login(username)
    assert client.get("/admin/members/").status_code in (302, 403)
    assert client.get("/admin/members/?export=csv").status_code in (302, 403)


def test_an_organisation_is_told_its_name_will_be_public_before_it_consents(client, demo_site):
    """Its entry in the network's directory is made as soon as it has paid (network/services.py):
    the form says so beside the name it asks for, in both languages."""
    from bs4 import BeautifulSoup

    for url, words in (
        ("/devenir-membre/", "Ce nom sera publié dans le répertoire du réseau"),
        ("/en/become-a-member/", "This name will be published in the network directory"),
    ):
        html = BeautifulSoup(client.get(url).content, "html.parser")
        field = html.select_one("#id_organisation")
        hint = html.select_one(f"#{field['aria-describedby'].split()[0]}")
        assert words in hint.get_text(" ", strip=True)
