"""Editors manage producers (with their certifications) and product pages in Wagtail's admin;
a variant saved there keeps its quota the size of its stock."""

import pytest
from django.contrib.auth import get_user_model

from shop.models import Producer
from tests.shop.conftest import product

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client, demo_site):
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def test_producers_are_listed_and_edited_with_certification_checkboxes(admin):
    listing = admin.get("/admin/snippets/shop/producer/")
    assert listing.status_code == 200
    assert "Coopérative des Andes" in listing.content.decode()
    andes = Producer.objects.get(slug="cooperative-des-andes", locale__language_code="fr")
    edit_url = f"/admin/snippets/shop/producer/edit/{andes.pk}/"
    form = admin.get(edit_url)
    assert form.status_code == 200
    assert 'type="checkbox" name="certifications" value="fair-for-life"' in form.content.decode()
    response = admin.post(
        edit_url,
        {
            "name": "Coopérative des Andes",
            "slug": "cooperative-des-andes",
            "country": "PE",
            "region": "Cajamarca",
            "story": "Une histoire.",
            "certifications": ["fairtrade", "spp"],
            "website": "",
            "action-publish": "publish",  # a plain save keeps the change in a draft
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    andes.refresh_from_db()
    assert andes.certifications == ["fairtrade", "spp"]


def test_product_page_editor_opens_with_its_variants(admin):
    page = product("cafe-perou-biologique")
    response = admin.get(f"/admin/pages/{page.pk}/edit/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "CAF-PER-340" in text and "CAF-PER-1KG" in text
    add_url = f"/admin/pages/add/shop/productpage/{page.get_parent().pk}/"
    assert admin.get(add_url).status_code == 200
