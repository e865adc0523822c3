"""Uploads on S3-compatible object storage (used when S3_BUCKET is set; see settings.base).

Every web process reads and writes the same bucket, so an image uploaded through one
process is shown by all the others, and a web machine can be replaced without losing a file.

Two kinds of uploads, two kinds of addresses:

- images (originals under ``original_images/``, renditions under ``images/``) are public:
  their address is plain and permanent, on the CDN's domain when S3_CUSTOM_DOMAIN is set, so
  a page that shows them can be cached and shared;
- documents (``documents/``) are private: a page links to Wagtail's own address
  (``/documents/<id>/<name>``), whose view applies the collection's privacy settings, then
  redirects to a signed address on the bucket, valid a few minutes
  (WAGTAILDOCS_SERVE_METHOD = "redirect"). The file itself never passes through a web
  process, and a copied link stops working. The signed address carries the
  Content-Disposition Wagtail would have sent (PDFs open in the browser, other files are
  downloaded under their name).

The bucket's policy must match: ``images/*`` and ``original_images/*`` readable by anyone
(or by the CDN), ``documents/*`` by no one but the site's key. ``manage.py media_bucket_policy``
prints that policy (`bucket_policy` below).
"""

import json
import mimetypes
import posixpath
import urllib.parse

from django.conf import settings
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

PRIVATE_PREFIXES = ("documents/",)
PUBLIC_PREFIXES = ("images/", "original_images/")


def bucket_policy(bucket, location=""):
    """The bucket policy that lets anyone read the images and nothing else (documents and
    anything else stay readable with the site's key only)."""
    folder = f"{location.strip('/')}/" if location.strip("/") else ""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicImages",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": [
                        f"arn:aws:s3:::{bucket}/{folder}{prefix}*" for prefix in PUBLIC_PREFIXES
                    ],
                }
            ],
        },
        indent=2,
    )


def content_disposition(name):
    """What Wagtail's serve view would send for a document of this name."""
    filename = posixpath.basename(name)
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    inline = getattr(settings, "WAGTAILDOCS_INLINE_CONTENT_TYPES", ["application/pdf"])
    if content_type in inline:
        return "inline"
    quoted = urllib.parse.quote(filename)
    return f"attachment; filename={quoted}; filename*=UTF-8''{quoted}"


class MediaStorage(S3Storage):
    """django-storages' S3 storage: plain addresses for images, signed ones for documents."""

    # Public files: no signature in their address (the bucket policy lets anyone read them).
    querystring_auth = False
    # How long a document's signed address works: enough to follow the redirect, no more.
    private_url_seconds = 300

    def __init__(self, **options):
        self.private_url_seconds = options.pop("private_url_seconds", self.private_url_seconds)
        super().__init__(**options)

    def is_private(self, name):
        """Is this upload (a name as Django gives it, or its key under S3_PREFIX) a document?"""
        name = clean_name(name)
        if self.location and name.startswith(self.location + "/"):
            name = name[len(self.location) + 1 :]
        return name.startswith(PRIVATE_PREFIXES)

    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        if not self.is_private(name):
            # Images keep their name for life (a new upload gets a new name), so browsers and
            # the CDN may keep them a day without asking again.
            parameters.setdefault("CacheControl", "public, max-age=86400")
        return parameters

    def url(self, name, parameters=None, expire=None, http_method=None):
        if not self.is_private(name):
            return super().url(name, parameters, expire, http_method)
        # Signed by the bucket itself, on its own endpoint: never on the CDN's domain, which
        # would keep the file and hand it to anyone.
        params = {"ResponseContentDisposition": content_disposition(name), **(parameters or {})}
        params["Bucket"] = self.bucket.name
        params["Key"] = self._normalize_name(clean_name(name))
        return self.connection.meta.client.generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=expire or self.private_url_seconds,
            HttpMethod=http_method,
        )
