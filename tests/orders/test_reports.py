"""What staff see of sales: the dashboard panels and the sales report (chart, tables, CSV).

The demo is seeded once per session, so these tests compare before and after their own orders
rather than absolute numbers.
"""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from orders import reports, services
from orders.models import Payment, PaymentState, Refund, RefundState
from orders.money import format_cad
from orders.services import Selection
from tests.conftest import plain

pytestmark = pytest.mark.django_db

REPORT_URL = reverse("orders_sales_report")


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("tresorerie", "tresor@example.org", "pw")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def staff_client(client, django_user_model):
    group = Group.objects.create(name="Accueil (rapports)")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user = django_user_model.objects.create_user("accueil-rapports", "acc@example.org", "pw")
    user.is_staff = True
    user.save()
    user.groups.add(group)
    client.force_login(user)
    return client


def denied(response):
    """Wagtail answers a missing permission with a redirect to the dashboard (or a 403)."""
    return response.status_code == 403 or (
        response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    )


def pay(order, when=None, amount=None):
    """Apply a payment the way the webhook does, without Stripe."""
    payment = Payment.objects.create(
        order=order,
        amount=order.total,
        idempotency_key=f"checkout:{order.code}:report",
        state=PaymentState.CREATED,
    )
    services.apply_payment(
        payment,
        amount=order.total if amount is None else amount,
        currency="cad",
        payment_intent=f"pi_report_{order.code}",
        now=when,
    )
    payment.refresh_from_db()
    order.refresh_from_db()
    return payment


def refund(payment, amount, *, state=RefundState.SUCCEEDED, when=None):
    return Refund.objects.create(
        order=payment.order,
        payment=payment,
        amount=Decimal(amount),
        reason="Geste",
        source=Refund.Source.STAFF,
        state=state,
        idempotency_key=f"refund:{payment.pk}:{state}:{amount}",
        created_at=when or timezone.now(),
    )


def by_month():
    return {(row.month.year, row.month.month): row for row in reports.revenue_by_month()}


def month_of(moment):
    local = timezone.localtime(moment)
    return (local.year, local.month)


@pytest.fixture
def two_months_ago():
    """The 10th at noon, two months back: well inside the twelve-month window."""
    start = reports.add_months(reports.month_start(timezone.now()), -2)
    return start + timedelta(days=9, hours=12)


@pytest.fixture
def activity(demo_site):
    from events.models import EventPage

    return EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")


@pytest.fixture
def ticket_order(activity, django_capture_on_commit_callbacks):
    def place(quantity=2, email="rapport@example.org"):
        ticket = next(t for t in activity.ticket_types.all() if t.price > 0)
        date = activity.upcoming_dates[0]
        with django_capture_on_commit_callbacks(execute=True):
            return services.place_order(
                kind="tickets",
                buyer_name="Rapport Test",
                buyer_email=email,
                language="fr",
                selections=[Selection(item=ticket, quantity=quantity, option=date)],
            )

    return place


# --- queries ------------------------------------------------------------------------------------


def test_revenue_by_month_is_payments_minus_refunds_in_the_month_they_happen(
    place, item, two_months_ago
):
    before = by_month()
    old = place((item, 2), now=two_months_ago)  # 50,00 $
    old_payment = pay(old, when=two_months_ago + timedelta(minutes=1))
    recent = place((item, 1))  # 25,00 $
    recent_payment = pay(recent)
    refund(old_payment, "10.00")  # this month, though the sale was two months ago
    refund(recent_payment, "5.00", state=RefundState.FAILED)  # failed: gives nothing back
    refund(recent_payment, "3.00", state=RefundState.PENDING)  # not yet: not counted

    after = by_month()
    assert len(after) == 12
    then, this = month_of(two_months_ago), month_of(timezone.now())
    assert list(after)[-1] == this
    assert after[then].payments - before[then].payments == Decimal("50.00")
    assert after[then].refunds == before[then].refunds
    assert after[this].payments - before[this].payments == Decimal("25.00")
    assert after[this].refunds - before[this].refunds == Decimal("10.00")
    assert after[this].net - before[this].net == Decimal("15.00")
    assert isinstance(after[this].net, Decimal)
    for key in after.keys() - {then, this}:
        assert after[key].net == before[key].net


def test_month_follows_quebec_time_not_utc(place, item):
    """A payment at 22:30 in Québec on the last day of a month is UTC's next day."""
    start = reports.add_months(reports.month_start(timezone.now()), -1)  # last month
    late_evening = reports.add_months(start, 1) - timedelta(minutes=90)
    before = by_month()
    order = place((item, 1), now=late_evening - timedelta(minutes=5))
    pay(order, when=late_evening)
    after = by_month()
    last = (start.year, start.month)
    assert after[last].payments - before[last].payments == Decimal("25.00")


def test_sales_this_month_counts_orders_and_money(place, item):
    before = reports.sales_this_month()
    pay(place((item, 2)))
    payment = pay(place((item, 1)))
    refund(payment, "25.00")
    after = reports.sales_this_month()
    assert after.count - before.count == 2
    assert after.amount - before.amount == Decimal("75.00")
    assert after.refunds - before.refunds == Decimal("25.00")


def test_orders_needing_action(place, item):
    now = timezone.now()
    mismatch = place((item, 1))
    pay(mismatch, amount=Decimal("20.00"))  # less than the 25,00 $ due: flagged
    stuck = place((item, 1))
    refund(pay(stuck), "5.00", state=RefundState.PENDING, when=now - timedelta(hours=2))
    fresh = place((item, 1))
    refund(pay(fresh), "5.00", state=RefundState.PENDING, when=now - timedelta(minutes=5))
    failed = place((item, 1))
    refund(pay(failed), "5.00", state=RefundState.FAILED)
    fine = place((item, 1))
    pay(fine)

    listed = {entry.order.pk: entry.reasons for entry in reports.orders_needing_action()}
    assert mismatch.pk in listed and listed[mismatch.pk] == [mismatch.attention]
    assert listed[stuck.pk] == ["Remboursement en attente depuis plus d'une heure."]
    assert listed[failed.pk] == ["Un remboursement a échoué."]
    assert fresh.pk not in listed
    assert fine.pk not in listed
    assert reports.needing_action().filter(pk=stuck.pk).count() == 1


def test_revenue_by_activity_groups_ticket_lines_by_activity(activity, ticket_order, place, item):
    from events.reports import revenue_by_activity

    def row(rows):
        return next((r for r in rows if r.page_id == activity.pk), None)

    before = row(revenue_by_activity())
    order = ticket_order(quantity=2)
    pay(order)
    unpaid = ticket_order(quantity=1, email="pas-paye@example.org")  # pending: not counted
    pay(place((item, 3)))  # a shop-like item: no activity
    after = row(revenue_by_activity())

    net = sum((line.net for line in order.lines.all()), Decimal("0"))
    assert net > 0
    assert after.title == activity.title
    assert after.tickets - (before.tickets if before else 0) == 2
    assert after.amount - (before.amount if before else Decimal("0")) == net
    assert isinstance(after.amount, Decimal)
    assert unpaid.state == "pending"


def test_a_ticket_cancelled_by_staff_leaves_the_revenue_by_activity(
    activity, ticket_order, django_capture_on_commit_callbacks
):
    """Two tickets sold, one cancelled (no refund: the order stays paid): one ticket and its
    share of the net are counted, as the door counts one person."""
    from events.models import Attendee
    from events.reports import revenue_by_activity
    from events.staff import cancel_ticket

    def row():
        return next((r for r in revenue_by_activity() if r.page_id == activity.pk), None)

    before = row()
    order = ticket_order(quantity=2)
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    net = order.lines.get().net
    attendee = Attendee.objects.filter(order_line__order=order).first()
    with django_capture_on_commit_callbacks(execute=True):
        cancel_ticket(attendee, user=None, reason="Personne malade", refund=False)

    after = row()
    assert after.tickets - (before.tickets if before else 0) == 1
    assert after.amount - (before.amount if before else Decimal("0")) == net / 2


# --- dashboard ----------------------------------------------------------------------------------


def test_dashboard_shows_sales_panels_to_staff_who_read_orders(admin_client, place, item):
    flagged = place((item, 1))
    pay(flagged, amount=Decimal("1.00"))
    pay(place((item, 2)))
    sales = reports.sales_this_month()

    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()

    assert "Prochaines dates" in html
    assert "Ventes ce mois-ci" in html
    assert f"<dd data-sales-count>{sales.count}</dd>" in html
    assert f"<dd data-sales-amount>{format_cad(sales.amount, 'fr')}</dd>" in html
    assert "À traiter" in html
    assert reverse("order:inspect", args=[flagged.pk]) in html
    assert flagged.code in html
    # Upcoming dates: the demo's activities, with a written percentage besides the bar.
    assert "atelier" in html.lower()
    assert "&nbsp;%" in html
    assert REPORT_URL in html  # the menu item, and the panel's link


def test_a_lost_dispute_is_money_gone_in_the_report_and_the_dashboard(admin_client, place, item):
    """The buyer's bank took the money back: the order's balance said so, the month's net
    still counted it."""
    from orders.models import Dispute

    order = place((item, 2))
    payment = pay(order)
    before = reports.revenue_by_month()[-1]
    assert before.disputes == 0
    html = admin_client.get(REPORT_URL).content.decode()
    assert "Litiges perdus" not in html  # no column while there is none
    # Lost, it takes the money; won (or open), nothing.
    for status in (Dispute.Status.LOST, Dispute.Status.WON):
        Dispute.objects.create(
            order=order,
            payment=payment,
            stripe_dispute_id=f"dp_report_{status}",
            amount=order.total,
            status=status,
            closed_at=timezone.now(),
        )
    after = reports.revenue_by_month()[-1]
    assert after.disputes == order.total
    assert after.net == before.net - order.total
    page = BeautifulSoup(admin_client.get(REPORT_URL).content, "html.parser")
    headers = [plain(th.get_text()) for th in page.select("table.listing thead th")][:5]
    assert headers == ["Mois", "Paiements reçus", "Remboursements", "Litiges perdus", "Net"]
    total = [plain(td.get_text()) for td in page.select("table.listing tfoot td")][:4]
    assert total[2] == plain(format_cad(after.disputes, "fr"))
    sales = reports.sales_this_month()
    assert (sales.disputes, sales.net) == (order.total, sales.amount - sales.refunds - order.total)
    dashboard = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Litiges perdus" in dashboard


def test_dashboard_hides_sales_panels_from_staff_without_order_access(staff_client):
    response = staff_client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ventes ce mois-ci" not in html
    assert "Prochaines dates" not in html
    assert "orders-to-handle" not in html
    assert REPORT_URL not in html
    assert denied(staff_client.get(REPORT_URL))


# --- report page --------------------------------------------------------------------------------


def test_report_page_draws_the_chart_and_the_same_numbers_in_a_table(
    admin_client, place, item, ticket_order, activity
):
    pay(place((item, 4)))
    pay(ticket_order(quantity=1))
    months = reports.revenue_by_month()

    response = admin_client.get(REPORT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Rapport des ventes" in html
    assert "<svg" in html
    assert html.count("<rect") == 12
    this = months[-1]
    amount = format_cad(this.net, "fr")
    assert f": {amount}</title>" in html  # the bar's own text
    assert f"<td>{amount}</td>" in html  # and the table's
    assert '<script src="http' not in html and "cdn" not in html.lower()
    assert "Revenus par activité" in html
    assert activity.title in html
    # Where a refund of money alone is counted, said (staff found 50 $ where 30 $ went back).
    assert (
        "Un remboursement d'une partie du montant, sans billet annulé, n'est lié à aucun "
        "billet : il n'est pas déduit ici, mais l'est dans « Revenus par mois »."
    ) in " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


def test_report_exports_both_tables_as_csv(admin_client, place, item, ticket_order, activity):
    pay(place((item, 2)))
    pay(ticket_order(quantity=1))
    months = reports.revenue_by_month()

    response = admin_client.get(REPORT_URL, {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Mois", "Paiements reçus", "Remboursements", "Litiges perdus", "Net"]
    month_rows = rows[1:13]
    assert [r[0] for r in month_rows] == [m.month.strftime("%Y-%m") for m in months]
    assert month_rows[-1][1:] == [
        f"{months[-1].payments:.2f}",
        f"{months[-1].refunds:.2f}",
        f"{months[-1].disputes:.2f}",
        f"{months[-1].net:.2f}",
    ]
    # The page's « Total » row too.
    assert rows[13] == [
        "Total",
        *(
            f"{sum(getattr(m, f) for m in months):.2f}"
            for f in ("payments", "refunds", "disputes", "net")
        ),
    ]
    assert rows[14] == []
    assert rows[15] == ["Activité", "Billets", "Montant avant taxes"]
    assert activity.title in [r[0] for r in rows[16:] if r]


def test_report_needs_permission_to_read_orders(client, django_user_model):
    user = django_user_model.objects.create_user("benevole-rapports", "b@example.org", "pw")
    client.force_login(user)
    response = client.get(REPORT_URL)
    assert response.status_code == 302 and "login" in response.url


def test_report_shows_a_fiscal_year_chosen_and_exports_it(admin_client, place, item, settings):
    """Besides the last twelve months, each fiscal year since the first payment (from the order
    settings' first month, April by default), in the page and in its CSV."""
    from orders.models import OrderSettings

    first_month = OrderSettings.load().fiscal_year_start_month
    now = timezone.localtime()
    current = now.year if now.month >= first_month else now.year - 1
    last_year = timezone.make_aware(datetime(current - 1, first_month, 15, 12))
    pay(place((item, 2), now=last_year), when=last_year)  # 50,00 $, in last fiscal year

    html = BeautifulSoup(admin_client.get(REPORT_URL).content, "html.parser")
    options = [(o["value"], plain(o.get_text())) for o in html.select("#id_exercice option")]
    assert options[:3] == [
        ("", "Les 12 derniers mois"),
        (str(current), f"Exercice {current}-{current + 1}"),
        (str(current - 1), f"Exercice {current - 1}-{current}"),
    ]
    html = BeautifulSoup(
        admin_client.get(REPORT_URL, {"exercice": current - 1}).content, "html.parser"
    )
    assert html.select_one("#id_exercice option[selected]")["value"] == str(current - 1)
    export = html.select_one("a[download]")["href"]
    assert f"exercice={current - 1}" in export
    rows = list(csv.reader(io.StringIO(admin_client.get(export).content.decode("utf-8-sig"))))
    months = rows[1:13]
    assert months[0][0] == f"{current - 1}-{first_month:02d}"
    assert months[0][1] == "50.00"
    assert sum(Decimal(r[1]) for r in months) == Decimal("50.00")
    # A year not offered: the last twelve months.
    html = BeautifulSoup(admin_client.get(REPORT_URL, {"exercice": "1800"}).content, "html.parser")
    assert html.select_one("#id_exercice option[selected]")["value"] == ""


def test_the_report_adds_the_sales_taxes_of_each_month_less_those_refunded(
    admin_client, place, item
):
    """What the GST/HST and QST returns count: the taxes of the orders paid in the month,
    less the share of taxes of the refunds made in it. The report had no taxes at all."""
    from orders.models import OrderSettings

    settings = OrderSettings.load()
    settings.taxes_enabled = True
    settings.gst_number, settings.qst_number = "123456789 RT0001", "1234567890 TQ0001"
    settings.save()
    order = place((item, 2))
    assert order.gst > 0 and order.qst > 0
    pay(order)
    settle(services.refund(order, order.total / 2, reason="Geste"))
    [row] = [r for r in reports.taxes_by_month(reports.revenue_by_month()) if r.total]
    assert (row.gst, row.qst, row.hst) == (
        order.gst - (order.gst / 2).quantize(Decimal("0.01")),
        order.qst - (order.qst / 2).quantize(Decimal("0.01")),
        Decimal("0.00"),
    )
    html = BeautifulSoup(admin_client.get(REPORT_URL).content, "html.parser")
    table = html.find("h2", id="taxes-by-month").find_next("table")
    totals = [plain(td.get_text()) for td in table.select("tfoot td")]
    assert totals == [plain(format_cad(v, "fr")) for v in (row.gst, row.qst, row.hst, row.total)]
    rows = list(
        csv.reader(
            io.StringIO(admin_client.get(REPORT_URL, {"export": "csv"}).content.decode("utf-8-sig"))
        )
    )
    assert ["Mois", "TPS", "TVQ", "TVH", "Taxes"] in rows
    start = rows.index(["Mois", "TPS", "TVQ", "TVH", "Taxes"])
    assert rows[start + 13] == [
        "Total",
        *(f"{v:.2f}" for v in (row.gst, row.qst, row.hst, row.total)),
    ]


def settle(created):
    """A refund Stripe said was made (no Stripe here: nothing was sent)."""
    Refund.objects.filter(pk=created.pk).update(state=RefundState.SUCCEEDED)
    created.refresh_from_db()
    return created


def month_taxes():
    [row] = [r for r in reports.taxes_by_month(reports.revenue_by_month()) if r.total]
    return row.gst, row.qst, row.hst


def test_a_returned_untaxed_item_gives_back_no_taxes(place, make_item, taxes_on):
    """Zero-rated tea and taxable chocolate in one order: giving the tea back gives no taxes
    back, so the month's taxes stay those of the chocolate (pro rata of its amount, the tea's
    refund had taken 0,21 $ of GST and 0,41 $ of QST off the return)."""
    tea = make_item(name="Thé", price=Decimal("8.00"), tax="zero", kind="shop")
    chocolate = make_item(name="Chocolat", price=Decimal("5.00"), kind="shop")
    order = place((chocolate, 2), (tea, 1), kind="shop")
    assert (order.gst, order.qst, order.total) == (
        Decimal("0.50"),
        Decimal("1.00"),
        Decimal("19.50"),
    )
    pay(order)
    tea_line = order.lines.get(description__startswith="Thé")
    returned = settle(services.refund_line(order, tea_line, 1, reason="Boîte abîmée"))
    assert (returned.amount, returned.gst, returned.qst) == (Decimal("8.00"), 0, 0)
    assert month_taxes() == (Decimal("0.50"), Decimal("1.00"), Decimal("0.00"))
    # The chocolate back too: everything left, with all the taxes left.
    chocolate_line = order.lines.get(description__startswith="Chocolat")
    rest = settle(services.refund_line(order, chocolate_line, 2, reason="Fondu"))
    assert (rest.amount, rest.gst, rest.qst) == (Decimal("11.50"), Decimal("0.50"), Decimal("1.00"))
    assert reports.taxes_by_month(reports.revenue_by_month())[-1].total == 0


def test_a_refund_of_everything_left_gives_back_every_tax_left(place, item, taxes_on):
    """Two refunds of what is left of a 57,49 $ order (50 $ and its taxes): the first, of
    10 $, gives back its share, the second the rest, so that nothing is left of the order's
    taxes in the month, whatever the rounding."""
    order = place((item, 2))
    pay(order)
    first = settle(services.refund(order, Decimal("10.00"), reason="Geste"))
    assert (first.gst, first.qst) == (Decimal("0.43"), Decimal("0.87"))
    rest = settle(services.refund(order, order.total - Decimal("10.00"), reason="Annulée"))
    assert (first.gst + rest.gst, first.qst + rest.qst) == (order.gst, order.qst)
    assert reports.taxes_by_month(reports.revenue_by_month())[-1].total == 0


def test_a_payment_given_back_for_no_sale_gives_back_no_taxes(place, item, taxes_on):
    """Paid twice: the second payment goes back by itself, and the order's taxes, due once,
    stay in the month's."""
    order = place((item, 2))
    pay(order)
    twice = Payment.objects.create(
        order=order, amount=order.total, idempotency_key=f"checkout:{order.code}:twice"
    )
    services.apply_payment(twice, amount=order.total, currency="cad", payment_intent="pi_twice")
    automatic = settle(order.refunds.get())
    assert automatic.amount == order.total
    assert (automatic.gst, automatic.qst, automatic.hst) == (0, 0, 0)
    assert month_taxes() == (order.gst, order.qst, Decimal("0.00"))


def test_refunds_made_before_get_their_share_of_their_orders_taxes(place, item, taxes_on):
    """The migration that gave refunds their taxes counts those made before it as the report
    did: the amount's share of the order's taxes, never more than the order's."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("orders.migrations.0018_refund_taxes")
    order = place((item, 2))
    payment = pay(order)
    twice = refund(payment, order.total)  # a second payment given back by the site
    Refund.objects.filter(pk=twice.pk).update(source=Refund.Source.AUTOMATIC)
    half = refund(payment, Decimal("28.75"))
    rest = refund(payment, order.total - Decimal("28.75"))
    Refund.objects.filter(pk__in=[half.pk, rest.pk, twice.pk]).update(gst=0, qst=0, hst=0)
    migration.share_of_taxes(apps, None)
    half.refresh_from_db()
    rest.refresh_from_db()
    twice.refresh_from_db()
    assert (twice.gst, twice.qst) == (0, 0)
    assert (half.gst, half.qst) == (Decimal("1.25"), Decimal("2.50"))
    assert (half.gst + rest.gst, half.qst + rest.qst) == (order.gst, order.qst)


def test_no_taxes_table_when_nothing_was_taxed(admin_client, place, item):
    pay(place((item, 1)))
    html = BeautifulSoup(admin_client.get(REPORT_URL).content, "html.parser")
    assert html.find(id="taxes-by-month") is None


def test_a_refund_made_by_the_site_is_worded_in_the_buyers_language(place, item):
    """The refund email tells its reason: an English buyer read « Paiement en double » (the
    worker and the webhook run in French), and the staff member's language for a cancel."""
    from django.utils import translation

    order = place((item, 1), language="en")
    pay(order)
    twice = Payment.objects.create(
        order=order, amount=order.total, idempotency_key=f"checkout:{order.code}:twice"
    )
    with translation.override("fr"):
        services.apply_payment(twice, amount=order.total, currency="cad", payment_intent="pi_2")
    assert order.refunds.get().reason == "Duplicate payment"
    with translation.override("fr"):  # a French-speaking staff member cancels it
        services.cancel_order(order, reason="")
    assert order.refunds.order_by("pk").last().reason == "Order cancelled"
