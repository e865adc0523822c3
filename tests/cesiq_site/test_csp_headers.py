"""The Content-Security-Policy header each kind of page gets (tests/browser/test_csp.py checks
in Chromium that nothing the site shows breaks it)."""

import re

import pytest

pytestmark = pytest.mark.django_db


def directives(response):
    header = response["Content-Security-Policy"]
    return {
        name: value
        for name, _, value in (part.strip().partition(" ") for part in header.split(";"))
    }


def test_public_pages_get_a_strict_policy_with_a_fresh_nonce(client, demo_site):
    first, second = client.get("/"), client.get("/")
    policy = directives(first)
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    assert policy["script-src"] == f"'self' 'nonce-{nonce}'"
    assert policy["style-src"] == f"'self' 'nonce-{nonce}'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'self'"
    # The page's only inline script carries this response's nonce; the next response another.
    assert f'<script nonce="{nonce}">' in first.content.decode()
    assert nonce not in second["Content-Security-Policy"]
    assert "unsafe" not in first["Content-Security-Policy"]


def test_forms_may_post_to_the_site_and_redirect_to_the_checkout(client, demo_site, settings):
    settings.STRIPE_API_BASE = ""
    assert directives(client.get("/"))["form-action"] == "'self' https://checkout.stripe.com"
    settings.STRIPE_API_BASE = "http://127.0.0.1:12111"
    assert directives(client.get("/"))["form-action"] == "'self' http://127.0.0.1:12111"


def test_the_admin_relaxes_inline_scripts_and_styles_only(client, django_user_model):
    login = directives(client.get("/admin/login/"))
    assert "unsafe" not in " ".join(login.values())

    user = django_user_model.objects.create_superuser("csp", "csp@example.org", "pw")
    client.force_login(user)
    admin = directives(client.get("/admin/"))
    assert admin["script-src"] == "'self' 'unsafe-inline'"
    assert admin["style-src"] == "'self' 'unsafe-inline'"
    assert admin["img-src"] == "'self' data: blob:"
    assert admin["object-src"] == "'none'" and admin["base-uri"] == "'none'"
    assert admin["form-action"].startswith("'self'")
    assert "unsafe-eval" not in " ".join(admin.values())
