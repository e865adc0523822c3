"""The production image holds the application and nothing else: no secret (the README tells
people to put them in `.env` beside the compose file), no test, no dev tool, no benchmark, no
demo command (seed_demo would create an admin/changeme superuser), no stale cache.

The build context is read the way Docker reads it (tests/deploy/dockerignore.py), with files
planted where a developer's or a server's checkout would have them."""

import re

import pytest

from tests.deploy.build_context import (
    PLANTED,
    ROOT,
    context_and_planted,
    copy_sources,
    dockerfile_instructions,
    image_files,
    why_forbidden,
)
from tests.deploy.dockerignore import load

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_nothing_forbidden_enters_the_image():
    files = image_files()
    assert files, "the Dockerfile copies nothing?"
    leaks = {path: why_forbidden(path) for path in files if why_forbidden(path)}
    assert leaks == {}


@pytest.mark.parametrize("path", PLANTED)
def test_dockerignore_keeps_it_out_of_the_build_context(path):
    """Even a future `COPY . .` would not take these: they are not sent to the builder."""
    assert why_forbidden(path), path  # each planted file is one we mean to keep out
    assert load(ROOT).matches(path), f"{path} would be sent to the builder"


def test_the_image_gets_what_the_application_needs():
    files = set(image_files())
    needed = {
        "manage.py",
        "cesiq_site/wsgi.py",
        "cesiq_site/celery.py",
        "cesiq_site/healthcheck.py",
        "cesiq_site/settings/production.py",
        "cesiq_site/templates/base.html",
        "cesiq_site/static/css/site.css",
        "cesiq_site/locale/en/LC_MESSAGES/django.po",
        "cesiq_site/management/commands/compile_translations.py",
        "home/models.py",
        "events/models.py",
        "events/migrations/0001_initial.py",
        "orders/models.py",
        "orders/stripe_gateway.py",
        "shop/models.py",
        "search/views.py",
        "news/models.py",
    }
    assert needed - files == set()
    assert "requirements.lock" in context_and_planted()


def project_apps():
    """The project's own apps in INSTALLED_APPS (folders of this repository), devtools aside."""
    from django.conf import settings

    return {
        app
        for app in settings.INSTALLED_APPS
        if "." not in app and (ROOT / app / "apps.py").exists() and app != "devtools"
    }


def test_the_dockerfile_copies_the_app_folders_not_the_whole_tree():
    sources = copy_sources(DOCKERFILE)
    assert "." not in sources and "./" not in sources
    # Every app the settings install, and nothing else: a new app forgotten here would make
    # the production image fail to start (ModuleNotFoundError).
    assert set(sources) == {"requirements.lock", "manage.py", "cesiq_site"} | project_apps()
    assert {"news", "donations", "schools"} <= project_apps()


def runtime_stage():
    instructions = dockerfile_instructions(DOCKERFILE)
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def test_the_code_belongs_to_root_and_only_var_is_writable():
    stage = runtime_stage()
    keywords = [keyword for keyword, _ in stage]
    user = [rest for keyword, rest in stage if keyword == "USER"]
    assert len(user) == 1 and user[0].split(":")[0] not in ("root", "0")
    # Everything runs as root until USER: the code is copied and built by root...
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k in ("COPY", "RUN"))
    for keyword, rest in stage:
        if keyword == "COPY":
            assert "--chown" not in rest and "--chmod" not in rest, rest
    # ...made read-only for others, and only var/ (uploads) is handed to the runtime user.
    build = " ".join(rest for keyword, rest in stage if keyword == "RUN")
    assert "chmod -R u=rwX,go=rX /app" in build
    assert re.findall(r"chown -R (\S+) (\S+)", build) == [("cesiq:cesiq", "/app/var")]


def test_static_files_are_collected_once_and_the_health_check_needs_no_curl():
    build = " ".join(rest for keyword, rest in runtime_stage() if keyword == "RUN")
    assert build.count("collectstatic") == 1
    assert "curl" not in DOCKERFILE
    healthcheck = [rest for keyword, rest in runtime_stage() if keyword == "HEALTHCHECK"]
    assert len(healthcheck) == 1
    assert '"/app/cesiq_site/healthcheck.py", "web"' in healthcheck[0]


def test_apps_static_folder_is_found_once(settings):
    """collectstatic used to copy cesiq_site/static twice (an app folder and STATICFILES_DIRS)."""
    from django.contrib.staticfiles import finders

    assert len(finders.find("css/site.css", find_all=True)) == 1
