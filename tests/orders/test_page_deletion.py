"""A page whose things were sold is never deleted (orders/admin/deletion.py): deleting a sold
product made its buyers' order pages fail, and deleting an activity with registrations
failed with Django's error page. Staff are told to unpublish it instead."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import Page

from events.models import EventPage
from orders import services
from orders.services import Selection
from shop.models import ProductPage
from tests.events.conftest import hold_places
from tests.shop.conftest import variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, demo_site):
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def said(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def sell(sku):
    return services.place_order(
        kind="shop",
        buyer_name="Awa",
        buyer_email="awa@example.org",
        language="fr",
        selections=[Selection(item=variant(sku), quantity=1)],
    )


def delete_url(page):
    return reverse("wagtailadmin_pages:delete", args=[page.pk])


def test_a_sold_product_is_not_deleted_and_its_order_page_still_shows(admin, client):
    order = sell("CHO-NOI-100")
    product = variant("CHO-NOI-100").page
    for response in (
        admin.get(delete_url(product), follow=True),
        admin.post(delete_url(product), follow=True),
    ):
        assert "Suppression refusée : des commandes renvoient à « " in said(response)
        assert "Dépubliez plutôt" in said(response)
    assert ProductPage.objects.filter(pk=product.pk).exists()
    assert client.get(order.get_absolute_url()).status_code == 200
    # Nor with the shop above it, nor from the page list's bulk action.
    admin.post(delete_url(product.get_parent()))
    assert Page.objects.filter(pk=product.get_parent().pk).exists()
    bulk = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "delete"))
    response = admin.post(f"{bulk}?id={product.pk}", follow=True)
    assert "Suppression refusée" in said(response)
    assert ProductPage.objects.filter(pk=product.pk).exists()


def test_an_activity_with_registrations_is_not_deleted(admin):
    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    hold_places(page, 1)
    response = admin.post(delete_url(page), follow=True)
    assert response.status_code == 200
    assert f"Suppression refusée : des commandes renvoient à « {page.title} »" in said(response)
    assert EventPage.objects.filter(pk=page.pk).exists()


def test_a_product_never_sold_may_be_deleted(admin):
    product = variant("THE-DAR-100").page
    assert not product.variants.filter(quota__order_lines__isnull=False).exists()
    response = admin.get(delete_url(product))
    assert response.status_code == 200
    assert "Suppression refusée" not in said(response)
