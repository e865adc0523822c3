"""Uploads on S3-compatible object storage, against a real S3 server on this machine (moto's
server mode, over HTTP): every web process shows the same images and documents because none
of them keeps a file of its own.

The storage is configured from the same environment variables production reads
(`settings.base.media_storage`), with a "CDN" domain in front of the bucket.
"""

import io
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from PIL import Image as PILImage

from cesiq_site.settings.base import media_storage

pytestmark = pytest.mark.django_db

BUCKET = "cesiq-media"
CREDENTIALS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}


def production_environ(endpoint):
    """The environment production would be given for this bucket."""
    return {
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "us-east-1",
        "S3_ADDRESSING_STYLE": "path",
        "S3_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
        "S3_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
        # The "CDN": the bucket's public address, as a CDN in front of it would give.
        "S3_CUSTOM_DOMAIN": f"{endpoint}/{BUCKET}",
    }


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 on a free local port, with the site's bucket, empty."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)
        # `manage.py media_bucket_policy --apply` creates the bucket and gives it its policy:
        # images public, documents not.
        storage = media_storage(production_environ(endpoint))
        with override_settings(STORAGES={**settings.STORAGES, "default": storage}):
            call_command("media_bucket_policy", "--apply", stdout=io.StringIO())
        assert "PublicImages" in client.get_bucket_policy(Bucket=BUCKET)["Policy"]
        yield endpoint, client
    finally:
        server.stop()


@pytest.fixture
def bucket(settings, s3_server):
    """The site's uploads go to the bucket, configured as production would be from its
    environment; yields a function listing the bucket's keys."""
    endpoint, client = s3_server
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media_storage(production_environ(endpoint)),
    }
    settings.WAGTAILDOCS_SERVE_METHOD = "redirect"  # as settings.base sets it with a bucket
    # Wagtail caches renditions; one cached by an earlier run (same image id, on another
    # storage) would name a file this bucket does not have.
    cache.clear()

    def keys():
        listing = client.list_objects_v2(Bucket=BUCKET)
        return [item["Key"] for item in listing.get("Contents", [])]

    yield keys


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 — local moto
        return response.status, response.headers, response.read()


def jpeg(width=960, height=720):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (30, 110, 90)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = "atelier-climat.jpg"
    return buffer


def upload_image(admin_client, title):
    from wagtail.images import get_image_model
    from wagtail.models import Collection

    response = admin_client.post(
        "/admin/images/add/",
        {"title": title, "file": jpeg(), "collection": Collection.get_first_root_node().pk},
    )
    assert response.status_code == 302, response.content[:2000]
    return get_image_model().objects.get(title=title)


def upload_document(admin_client, title, content, collection=None):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from wagtail.documents import get_document_model
    from wagtail.models import Collection

    collection = collection or Collection.get_first_root_node()
    response = admin_client.post(
        "/admin/documents/add/",
        {
            "title": title,
            "file": SimpleUploadedFile("guide-climat.pdf", content, "application/pdf"),
            "collection": collection.pk,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    return get_document_model().objects.get(title=title)


def test_images_and_their_renditions_are_in_the_bucket_and_served_from_the_cdn(
    client, admin_client, home_fr, bucket, s3_server
):
    endpoint, _client = s3_server
    cdn = f"{endpoint}/{BUCKET}/"
    image = upload_image(admin_client, "Atelier climat")
    assert f"original_images/{image.file.name.rsplit('/', 1)[-1]}" in bucket()

    home_fr.hero_image = image
    home_fr.save_revision().publish()
    response = client.get("/")
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    hero = html.select_one("main picture")
    sources = [
        candidate.strip().split()[0]
        for source in hero.select("source")
        for candidate in source["srcset"].split(",")
    ] + [hero.select_one("img")["src"]]
    assert len(sources) >= 4
    # Every address the page gives is on the CDN's domain, never the web process's /media/.
    assert all(src.startswith(cdn + "images/") for src in sources), sources
    # Each rendition is an object in the bucket, and the CDN address serves it.
    keys = bucket()
    for src in sources:
        assert src.removeprefix(cdn) in keys
    status, headers, body = fetch(hero.select_one("img")["src"])
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    assert PILImage.open(io.BytesIO(body)).size == (480, 360)  # fill-480x360, the fallback
    assert headers["Cache-Control"] == "public, max-age=86400"
    # The page's Content-Security-Policy lets the browser load them from there.
    img_src = next(
        d for d in response["Content-Security-Policy"].split(";") if d.strip().startswith("img-src")
    )
    assert endpoint in img_src.split()


def test_a_document_is_downloaded_through_the_site_from_a_signed_address(
    client, admin_client, bucket
):
    content = b"%PDF-1.4\n% Guide justice climatique\n%%EOF\n"
    document = upload_document(admin_client, "Guide climat", content)
    key = document.file.name
    assert key.startswith("documents/") and key in bucket()

    # The page links to the site's own address…
    assert document.url == f"/documents/{document.pk}/{document.filename}"
    response = client.get(document.url)
    # …which sends the visitor to the bucket, with an address that works a few minutes only
    # and that no CDN or proxy may keep.
    assert response.status_code == 302
    location = response["Location"]
    query = parse_qs(urlsplit(location).query)
    assert "X-Amz-Signature" in query and query["X-Amz-Expires"] == ["300"]
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    status, headers, body = fetch(location)
    assert status == 200 and body == content
    assert headers["Content-Disposition"] == "inline"

    # Without the signature, the bucket refuses it (its policy makes only images public).
    with pytest.raises(urllib.error.HTTPError) as refused:
        fetch(location.split("?")[0])
    assert refused.value.code == 403


def test_a_private_document_is_not_handed_out_to_a_visitor(client, admin_client, bucket):
    from wagtail.models import Collection, CollectionViewRestriction

    staff_only = Collection.get_first_root_node().add_child(name="Équipe")
    CollectionViewRestriction.objects.create(
        collection=staff_only, restriction_type=CollectionViewRestriction.LOGIN
    )
    document = upload_document(admin_client, "Procès-verbal", b"%PDF-1.4\n%%EOF\n", staff_only)

    response = client.get(document.url)
    assert response.status_code == 302
    assert response["Location"].endswith(f"login/?next={document.url}")
    assert "X-Amz-Signature" not in response["Location"]
    # Staff are sent on to the file.
    response = admin_client.get(document.url)
    assert "X-Amz-Signature" in response["Location"]
