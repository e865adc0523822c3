"""Production settings refuse an unsafe configuration; `check --deploy` passes with real ones."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def clean_env(**env):
    """This process's environment without the site's own variables, then `env`."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "STRIPE_", "CESIQ_", "S3_", "REDIS_"))
    }
    base.update(env)
    return base


def run_manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def print_settings(code, **env):
    """Run `code` in a new Python process with `s` as the settings `env` makes: the settings
    module alone is loaded (no app is, unlike `manage.py shell`: 0.3 s of CPU instead of 3.4)."""
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings as s; " + code],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**extra):
    env = {
        "DJANGO_SETTINGS_MODULE": "cesiq_site.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "cesiq.example",
        "STRIPE_SECRET_KEY": "sk_live_placeholder",
        "STRIPE_WEBHOOK_SECRET": "whsec_placeholder",
        # Checking reads the address only; nothing connects to it.
        "REDIS_URL": "redis://redis:6379/0",
    }
    env.update(extra)
    return env


def test_check_deploy_passes_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


# The settings module itself refuses: loading it is enough (no app needs to start).
def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = print_settings("print(s.SECRET_KEY)", **env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = print_settings("print(s.SECRET_KEY)", **production_env(DJANGO_SECRET_KEY="changeme"))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr
    assert "changeme" not in result.stdout


def test_production_refuses_demo_payments_and_a_fake_stripe_address():
    result = run_manage(
        "check",
        **production_env(CESIQ_DEMO_PAYMENTS="1", STRIPE_API_BASE="http://127.0.0.1:12111"),
    )
    assert result.returncode != 0
    assert "cesiq.E001" in result.stderr
    assert "cesiq.E002" in result.stderr


def test_production_security_headers():
    result = print_settings(
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_PROXY_SSL_HEADER, s.DEBUG)",
        **production_env(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "True True True True ('HTTP_X_FORWARDED_PROTO', 'https') False"
    )


def test_a_live_stripe_key_is_refused_in_demo_mode():
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="cesiq_site.settings.dev",
        STRIPE_SECRET_KEY="sk_live_placeholder",
    )
    assert result.returncode != 0
    assert "cesiq.E003" in result.stderr


def test_check_deploy_warns_when_stripe_is_not_configured():
    env = production_env()
    del env["STRIPE_SECRET_KEY"]
    result = run_manage("check", "--deploy", **env)
    assert "cesiq.W001" in result.stderr + result.stdout


def redis_settings(url, **extra):
    result = print_settings(
        "print(s.CELERY_BROKER_URL); print(s.CACHES['default']['LOCATION'])",
        DJANGO_SETTINGS_MODULE="cesiq_site.settings.test",
        REDIS_URL=url,
        **extra,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_two_sites_on_one_redis_keep_their_keys_and_tasks_apart():
    assert redis_settings("redis://127.0.0.1:6379/0") == [
        "redis://127.0.0.1:6379/0",
        "redis://127.0.0.1:6379/1",
    ]
    assert redis_settings("redis://127.0.0.1:6379/4") == [
        "redis://127.0.0.1:6379/4",
        "redis://127.0.0.1:6379/5",
    ]
    assert redis_settings("redis://127.0.0.1:6379") == [
        "redis://127.0.0.1:6379/0",
        "redis://127.0.0.1:6379/1",
    ]
    assert redis_settings("redis://127.0.0.1:6379/4", REDIS_CACHE_DB="9") == [
        "redis://127.0.0.1:6379/4",
        "redis://127.0.0.1:6379/9",
    ]


def test_check_deploy_warns_when_each_process_would_keep_its_own_cache():
    env = production_env()
    del env["REDIS_URL"]
    result = run_manage("check", "--deploy", **env)
    assert "cesiq.W002" in result.stderr + result.stdout
    assert "cesiq.W003" not in result.stderr + result.stdout  # sessions are in the database


def production_value(expression, **env):
    """A value of the production settings computed from `env`, printed by repr()."""
    result = print_settings(
        f"print(repr({expression}))",
        **production_env(**env),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_uploads_stay_on_the_local_filesystem_by_default():
    assert production_value("s.STORAGES['default']") == (
        "{'BACKEND': 'django.core.files.storage.FileSystemStorage'}"
    )
    # Wagtail serves documents through gunicorn from the disk (its own default).
    assert production_value("getattr(s, 'WAGTAILDOCS_SERVE_METHOD', None)") == "None"


def test_uploads_go_to_object_storage_when_a_bucket_is_given():
    env = {
        "S3_BUCKET": "cesiq-media",
        "S3_ENDPOINT_URL": "https://s3.ca-central-1.amazonaws.com",
        "S3_REGION": "ca-central-1",
        "S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "S3_SECRET_ACCESS_KEY": "example-secret",
        "S3_CUSTOM_DOMAIN": "media.cesiq.example",
        "S3_PREFIX": "/site/",
    }
    storage = production_value("s.STORAGES['default']", **env)
    assert "'BACKEND': 'cesiq_site.storage.MediaStorage'" in storage
    for part in (
        "'bucket_name': 'cesiq-media'",
        "'endpoint_url': 'https://s3.ca-central-1.amazonaws.com'",
        "'region_name': 'ca-central-1'",
        "'location': 'site'",
        "'access_key': 'AKIAEXAMPLE'",
        "'custom_domain': 'media.cesiq.example'",
        "'url_protocol': 'https:'",
        "'file_overwrite': False",
    ):
        assert part in storage
    # Static files stay with WhiteNoise, in the image.
    assert production_value("s.STORAGES['staticfiles']['BACKEND']", **env) == (
        "'whitenoise.storage.CompressedManifestStaticFilesStorage'"
    )
    assert production_value("s.WAGTAILDOCS_SERVE_METHOD", **env) == "'redirect'"
    # Addresses are computed without any request to the bucket.
    assert (
        production_value(
            "__import__('django.core.files.storage').core.files.storage.default_storage"
            ".url('images/photo.fill-480x360.jpg')",
            **env,
        )
        == "'https://media.cesiq.example/site/images/photo.fill-480x360.jpg'"
    )
