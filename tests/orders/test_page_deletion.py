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
        assert "Suppression refusée : des commandes ou des envois renvoient à « " in said(response)
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
    assert f"Suppression refusée : des commandes ou des envois renvoient à « {page.title} »" in (
        said(response)
    )
    assert EventPage.objects.filter(pk=page.pk).exists()


def test_a_product_never_sold_may_be_deleted(admin):
    product = variant("THE-DAR-100").page
    assert not product.variants.filter(quota__order_lines__isnull=False).exists()
    response = admin.get(delete_url(product))
    assert response.status_code == 200
    assert "Suppression refusée" not in said(response)


def test_an_activity_chosen_as_a_pickup_point_is_not_deleted(admin):
    """A shop order to be picked up at one of its dates keeps it (the date is PROTECTed by the
    order's delivery): deleting it failed with Django's error page, though no ticket was sold."""
    from events.models import EventDate
    from shop.models import DeliveryMethod
    from tests.shop.factories import place_shop_order

    page = EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")
    date = EventDate.objects.filter(page=page).first()
    order = place_shop_order(("THE-VER-100", 1), method=DeliveryMethod.ACTIVITY, pickup_date=date)
    assert not order.lines.filter(object_id__in=page.ticket_types.values("pk")).exists()
    for response in (
        admin.post(delete_url(page), follow=True),
        admin.post(delete_url(page.get_parent()), follow=True),
    ):
        assert response.status_code == 200
        assert (
            f"Suppression refusée : des commandes ou des envois renvoient à « {page.title} »"
            in (said(response))
        )
    assert EventPage.objects.filter(pk=page.pk).exists()
    bulk = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "delete"))
    response = admin.post(f"{bulk}?id={page.pk}&next=https://evil.example/", follow=True)
    assert "Suppression refusée" in said(response)
    assert all("evil.example" not in url for url, _status in response.redirect_chain)
    assert EventPage.objects.filter(pk=page.pk).exists()


def test_a_sent_newsletter_issue_is_not_deleted(admin, home_fr):
    from newsletter.models import NewsletterIssuePage, NewsletterSending

    issue = home_fr.add_child(instance=NewsletterIssuePage(title="Infolettre de décembre"))
    NewsletterSending.objects.create(page=issue, language="fr")
    response = admin.post(delete_url(issue), follow=True)
    assert response.status_code == 200
    assert "« Infolettre de décembre »" in said(response)
    assert NewsletterIssuePage.objects.filter(pk=issue.pk).exists()


def test_many_kept_pages_are_counted_beyond_the_five_named(admin):
    from events.models import EventDate
    from shop.models import DeliveryMethod
    from tests.shop.factories import place_shop_order

    dates = EventDate.objects.filter(page__locale__language_code="fr").order_by("page__path")
    pages = {}
    for date in dates:
        pages.setdefault(date.page_id, date)
    assert len(pages) >= 7
    for date in pages.values():
        place_shop_order(("THE-VER-100", 1), method=DeliveryMethod.ACTIVITY, pickup_date=date)
    index = EventPage.objects.get(pk=next(iter(pages))).get_parent()
    response = admin.post(delete_url(index), follow=True)
    assert f"et {len(pages) - 5} autres pages (inscriptions" in said(response)
    assert EventPage.objects.filter(pk__in=pages).count() == len(pages)
