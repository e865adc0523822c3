from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders import services
from orders.models import DiscountCode, OrderSettings
from orders.services import Selection


@pytest.fixture
def item(db):
    from tests.testshop.models import Item

    return Item.objects.create(name="Atelier", price=Decimal("25.00"), capacity=10)


@pytest.fixture
def make_item(db):
    from tests.testshop.models import Item

    def make(**kwargs):
        kwargs.setdefault("name", "Article")
        kwargs.setdefault("price", Decimal("10.00"))
        return Item.objects.create(**kwargs)

    return make


@pytest.fixture
def taxes_on(db):
    settings = OrderSettings.load()
    settings.taxes_enabled = True
    settings.gst_number = "123456789 RT0001"
    settings.qst_number = "1234567890 TQ0001"
    settings.staff_notification_emails = "billetterie@cesiq.example"
    settings.save()
    return settings


@pytest.fixture
def place(db, django_capture_on_commit_callbacks):
    """Place an order the way a view does; what runs after commit (emails) runs too."""

    def place_order(*selections, discount_code="", language="fr", kind="tickets", now=None):
        with django_capture_on_commit_callbacks(execute=True):
            return services.place_order(
                kind=kind,
                buyer_name="Awa Diallo",
                buyer_email="awa@example.org",
                language=language,
                selections=[
                    s if isinstance(s, Selection) else Selection(item=s[0], quantity=s[1])
                    for s in selections
                ],
                discount_code=discount_code,
                now=now,
            )

    return place_order


@pytest.fixture
def discount(db):
    def make(code="SOLIDAIRE", kind="percent", value="20", scope="both", **kwargs):
        return DiscountCode.objects.create(
            code=code, kind=kind, value=Decimal(value), scope=scope, **kwargs
        )

    return make


def minutes(n):
    return timedelta(minutes=n)


@pytest.fixture
def now():
    return timezone.now()
