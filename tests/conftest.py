"""Shared fixtures. A test that needs a service it cannot reach is skipped with the reason on a
developer's machine, and fails in CI (CI=true) so that a missing service never hides."""

import os

import pytest
from django.core.management import call_command

IN_CI = os.environ.get("CI", "").lower() == "true"


def service_missing(reason):
    """Skip locally, fail in CI."""
    if IN_CI:
        pytest.fail(f"CI needs this service: {reason}")
    pytest.skip(reason)


@pytest.fixture
def demo_site(db):
    """The demo content exactly as `make run` shows it (French and English pages)."""
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    from wagtail.models import Site

    return Site.objects.get(is_default_site=True)


@pytest.fixture
def home_fr(demo_site):
    return demo_site.root_page.specific


@pytest.fixture
def home_en(home_fr):
    from wagtail.models import Locale

    return home_fr.get_translation(Locale.objects.get(language_code="en")).specific
