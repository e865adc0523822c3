"""Uploads on the local filesystem (the default, one web machine, DEBUG off): the site serves
the images itself, and documents only through Wagtail's view, which checks privacy."""

import io

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_disk(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    return tmp_path


def jpeg():
    buffer = io.BytesIO()
    PILImage.new("RGB", (960, 720), (200, 80, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile("kiosque.jpg", buffer.getvalue(), "image/jpeg")


def test_uploaded_images_are_served_and_documents_only_through_wagtail(
    client, admin_client, home_fr, on_disk
):
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import Collection

    root = Collection.get_first_root_node().pk
    assert (
        admin_client.post(
            "/admin/images/add/", {"title": "Kiosque", "file": jpeg(), "collection": root}
        ).status_code
        == 302
    )
    home_fr.hero_image = get_image_model().objects.get(title="Kiosque")
    home_fr.save_revision().publish()

    html = BeautifulSoup(client.get("/").content, "html.parser")
    src = html.select_one("main picture img")["src"]
    assert src.startswith("/media/images/kiosque.")
    response = client.get(src)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert PILImage.open(io.BytesIO(b"".join(response.streaming_content))).size == (480, 360)
    assert response["Cache-Control"] == "public, max-age=86400"
    original = home_fr.hero_image.file.url
    assert original.startswith("/media/original_images/")
    assert client.get(original).status_code == 200

    content = b"%PDF-1.4\n% Compte rendu\n%%EOF\n"
    pdf = SimpleUploadedFile("compte-rendu.pdf", content, "application/pdf")
    assert (
        admin_client.post(
            "/admin/documents/add/", {"title": "Compte rendu", "file": pdf, "collection": root}
        ).status_code
        == 302
    )
    document = get_document_model().objects.get(title="Compte rendu")
    # Not at its file's address, which would skip the collection's privacy settings…
    assert client.get(f"/media/{document.file.name}").status_code == 404
    assert client.get("/media/images/../documents/compte-rendu.pdf").status_code == 404
    # …only through Wagtail's view, kept out of shared caches.
    response = client.get(document.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert "private" in response["Cache-Control"]


def test_nothing_is_served_from_here_when_uploads_are_in_a_bucket(client, settings):
    from django.conf import settings as django_settings

    from cesiq_site.settings.base import media_storage

    settings.STORAGES = {
        **django_settings.STORAGES,
        # No address is asked for: the view must refuse before any call to the bucket.
        "default": media_storage({"S3_BUCKET": "cesiq-medias", "S3_REGION": "ca-central-1"}),
    }
    assert client.get("/media/images/kiosque.jpg").status_code == 404


def test_images_kept_in_memory_are_served_as_from_the_disk(client, demo_site):
    """The test settings keep uploads in this process's memory; the live server serves their
    images, so browser journeys see them (a missing one costs a whole « Page introuvable »)."""
    html = BeautifulSoup(client.get("/boutique/").content, "html.parser")
    src = html.select_one("main img")["src"]
    assert src.startswith("/media/images/")
    response = client.get(src)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"  # the fallback of the <picture>
    assert response["Cache-Control"] == "public, max-age=86400"
    assert PILImage.open(io.BytesIO(b"".join(response.streaming_content))).width > 0
    assert client.get("/media/images/..").status_code == 404
    assert client.get(src[:-1]).status_code == 404
