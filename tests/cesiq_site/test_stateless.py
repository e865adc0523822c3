"""Nothing a visitor or editor leaves behind lives in one web process: sessions and carts are
rows in the database, uploads go through the configured storage, so any process (or
machine) behind the load balancer can answer the next request."""

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import models
from django.test import Client

from shop.cart import SESSION_KEY
from tests.shop.conftest import variant

pytestmark = pytest.mark.django_db


def test_the_cart_is_a_database_row_that_any_web_process_reads(client, demo_site):
    coffee = variant("CAF-PER-340")
    response = client.post("/panier/ajouter/", {"variant": coffee.pk, "quantity": 2})
    assert response.status_code == 302
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    # The cart is in the django_session table, not in the process that answered…
    stored = Session.objects.get(session_key=session_key).get_decoded()
    assert stored[SESSION_KEY] == {str(coffee.pk): 2}
    # …so a second process, given only the visitor's cookie, shows the same cart.
    other_process = Client()
    other_process.cookies[settings.SESSION_COOKIE_NAME] = session_key
    page = other_process.get("/panier/").content.decode()
    assert "Café du Pérou biologique" in page


def test_every_upload_goes_through_the_configured_storage():
    """No model keeps files on a disk of its own (a FileSystemStorage of its own, a path):
    with S3_BUCKET set, every upload is in the bucket. The project's own PDFs (invoices,
    receipts) are kept in the database."""
    fields = [
        (model._meta.label, field.name, field.storage)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]
    assert fields, "Wagtail's images, renditions and documents have files"
    for label, name, storage in fields:
        assert storage is default_storage, (label, name, storage)
