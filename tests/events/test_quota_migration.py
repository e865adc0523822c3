"""Orders placed before quotas existed keep their places: the migration links each ticket line
to its date's quota, whether the date id was stored as a number or as a string."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.migrated_template import database_at, latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("events", "0004_hidden_ticket_types"), ("orders", "0002_orderline_details")]


@pytest.mark.slow
def test_existing_lines_are_linked_to_their_dates_places():
    with database_at(BEFORE) as old:
        ContentType = old.get_model("contenttypes", "ContentType")
        Page = old.get_model("wagtailcore", "Page")
        EventPage = old.get_model("events", "EventPage")
        EventDate = old.get_model("events", "EventDate")
        TicketType = old.get_model("events", "TicketType")
        Order = old.get_model("orders", "Order")
        OrderLine = old.get_model("orders", "OrderLine")
        now = timezone.now()
        Locale = old.get_model("wagtailcore", "Locale")
        locale, _created = Locale.objects.get_or_create(language_code="fr")
        root = Page.objects.filter(depth=1).first() or Page.objects.create(
            title="Racine",
            slug="root",
            path="0001",
            depth=1,
            locale=locale,
            content_type=ContentType.objects.get_for_model(Page),
        )
        page = EventPage.objects.create(
            title="Atelier",
            slug="atelier-migration",
            path=root.path + "9999",
            depth=2,
            locale_id=root.locale_id,
            summary="…",
            audience="adultes",
            format="atelier",
            content_type=ContentType.objects.get_for_model(EventPage),
        )
        date = EventDate.objects.create(
            page=page, start=now + timedelta(days=3), end=now + timedelta(days=3, hours=2)
        )
        date.capacity = 10
        date.save()
        ticket = TicketType.objects.create(page=page, name="Régulier", price=Decimal("10"))
        limited = TicketType.objects.create(page=page, name="Étudiant", quota=3)
        order = Order.objects.create(
            kind="tickets",
            state="paid",
            buyer_name="Awa",
            buyer_email="awa@example.org",
            language="fr",
            expires_at=now + timedelta(minutes=30),
            subtotal=Decimal("30"),
            total=Decimal("30"),
        )
        ticket_type = ContentType.objects.get_for_model(TicketType)
        for item, quantity, stored_date in [(ticket, 2, date.pk), (limited, 1, str(date.pk))]:
            OrderLine.objects.create(
                order=order,
                content_type=ticket_type,
                object_id=item.pk,
                description="…",
                unit_price=Decimal("10"),
                quantity=quantity,
                tax_category="taxable",
                details={"date": stored_date, "attendees": ["Awa"]},
            )
        new = migrate(latest("events", "orders"))  # and what they depend on, no more

        from orders import availability

        NewDate = new.get_model("events", "EventDate")
        NewLine = new.get_model("orders", "OrderLine")
        migrated = NewDate.objects.get(pk=date.pk)
        used = availability.usage([migrated.quota_id], now)[migrated.quota_id]
        assert (used.size, used.sold, used.left) == (10, 3, 7)
        TicketQuota = new.get_model("events", "TicketQuota")
        own = TicketQuota.objects.get(ticket_type_id=limited.pk, date_id=date.pk)
        assert availability.usage([own.quota_id], now)[own.quota_id].left == 2
        for line in NewLine.objects.filter(order_id=order.pk):
            assert line.details == {"attendees": ["Awa"]}
