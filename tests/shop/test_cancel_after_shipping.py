"""An order whose goods were shipped or handed over cannot be cancelled as a whole: that put
the goods back in stock and refunded them in full while the buyer had them. Staff are told
why and what to do instead (a return, a refund); before shipping, cancelling works as
before."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from orders import services
from orders.models import OrderState
from shop.models import DeliveryMethod, FulfilmentStatus
from tests.shop.factories import paid_shop_order
from tests.shop.test_backoffice import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def billetterie(client, demo_site):
    client.force_login(get_user_model().objects.get(username="billetterie"))
    return client


def shipped(status):
    order = paid_shop_order(
        ("CAF-PER-340", 2), method=DeliveryMethod.SHIPPING, shipping="12.00", paid_days_ago=2
    )
    order.fulfilment.status = status
    order.fulfilment.save()
    return order


def stock_of(sku):
    from shop.models import ProductVariant

    return ProductVariant.objects.get(sku=sku).left()


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (FulfilmentStatus.SHIPPED, "sont déjà expédiés : l'annuler les remettrait en stock"),
        (FulfilmentStatus.HANDED_OVER, "sont déjà remis à la personne : l'annuler"),
    ],
)
def test_goods_gone_keep_the_order_from_being_cancelled(billetterie, status, said):
    order = shipped(status)
    stock = stock_of("CAF-PER-340")
    inspect = billetterie.get(reverse("order:inspect", args=[order.pk]))
    # The button stays, and says why when pressed.
    assert reverse("order:cancel", args=[order.pk]) in inspect.content.decode()
    for response in (
        billetterie.get(reverse("order:cancel", args=[order.pk]), follow=True),
        billetterie.post(
            reverse("order:cancel", args=[order.pk]),
            {"reason": "Erreur", "refund": "on"},
            follow=True,
        ),
    ):
        shown = text_of(response)
        assert f"Les articles de la commande {order.code} {said}" in shown
        assert "« Retour d'articles »), ou remboursez un montant." in shown
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert not order.refunds.exists()
    assert stock_of("CAF-PER-340") == stock
    # The service refuses too (a page opened before the parcel left).
    with pytest.raises(services.OrderError, match="déjà"):
        services.cancel_order(order, reason="Erreur")
    order.refresh_from_db()
    assert order.state == OrderState.PAID


def test_before_it_leaves_the_order_is_cancelled_and_its_goods_go_back(billetterie):
    order = shipped(FulfilmentStatus.PREPARING)
    stock = stock_of("CAF-PER-340")
    response = billetterie.post(
        reverse("order:cancel", args=[order.pk]), {"reason": "Erreur"}, follow=True
    )
    assert f"Commande {order.code} annulée." in text_of(response)
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert stock_of("CAF-PER-340") == stock + 2


def test_once_every_article_came_back_the_order_can_be_cancelled(billetterie):
    from orders.models import OrderLine

    order = shipped(FulfilmentStatus.HANDED_OVER)
    OrderLine.objects.filter(order=order).update(returned_quantity=2)
    assert services.cancel_order(order, reason="Tout est revenu").state == OrderState.CANCELLED
