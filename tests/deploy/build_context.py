"""What `docker build` would put in the production image: the build context as .dockerignore
leaves it (tests/deploy/dockerignore.py reads it as Docker does), then what the Dockerfile's
COPY and ADD instructions take from it."""

import json
import re
import shlex
from pathlib import Path, PurePosixPath

from tests.deploy.dockerignore import PatternMatcher, context_files, load

ROOT = Path(__file__).resolve().parents[2]

# Files that must never reach the image, planted at every depth where they could appear: on a
# developer's machine or a server they exist even though git does not track them.
PLANTED = [
    ".env",
    ".env.production",
    "prod.env",
    "cesiq_site/.env",
    "cesiq_site/settings/.env.local",
    "orders/stripe.env",
    "certs/cesiq.org.pem",
    "cesiq_site/tls.key",
    "home/id_rsa",
    "home/id_ed25519.pub",
    "events/secrets.json",
    "orders/stripe_secret.txt",
    "cesiq_site/credentials.json",
    ".netrc",
    "deploy/.pgpass",
    ".ssh/id_ed25519",
    "tests/test_anything.py",
    "orders/tests/test_models.py",
    "events/test_models.py",
    "home/conftest.py",
    "bench/orders_on_one_row.py",
    "devtools/__init__.py",
    "devtools/fake_stripe.py",
    "devtools/management/commands/seed_demo.py",
    "devtools/management/commands/rundemo.py",
    "home/management/commands/seed_demo.py",
    "orders/management/commands/rundemo.py",
    "orders/fake_stripe.py",
    "home/demo_content.py",
    "events/demo.py",
    "cesiq_site/__pycache__/settings.cpython-311.pyc",
    "events/migrations/__pycache__/0001_initial.cpython-311.pyc",
    "cesiq_site/locale/en/LC_MESSAGES/django.mo",
    "var/db.sqlite3",
    "var/media/original_images/photo.jpg",
    "cesiq_site/db.sqlite3",
    ".git/config",
    "node_modules/axe-core/axe.js",
    "home/node_modules/x/index.js",
    ".venv/bin/python",
]

SECRET_NAME = re.compile(
    r"""^(\.env(\..*)?|.*\.env|\.envrc|.*\.(pem|key|p12|pfx|jks|keystore)|id_(rsa|dsa|ecdsa|ed25519).*
        |.*secret.*|.*credential.*|\.netrc|\.pgpass|\.pypirc|\.npmrc)$""",
    re.IGNORECASE | re.VERBOSE,
)
DEMO_MODULES = {"seed_demo.py", "rundemo.py", "fake_stripe.py", "demo_content.py"}


def why_forbidden(path):
    """Why `path` must not be in the image, or None."""
    parts = PurePosixPath(path).parts
    name = parts[-1]
    if SECRET_NAME.match(name) or {".ssh", ".aws", ".gnupg", ".docker"} & set(parts):
        return "secret"
    if "tests" in parts or name.startswith("test_") or name == "conftest.py":
        return "test"
    if parts[0] in {"devtools", "bench", ".ci"}:
        return f"{parts[0]}/ is not for production"
    if name in DEMO_MODULES or path == "events/demo.py":
        return "demo code"
    if {"__pycache__", ".git", ".venv", "node_modules", "var"} & set(parts):
        return "local state or cache"
    if name.endswith((".pyc", ".mo", ".sqlite3")):
        return "built or local file"
    return None


def dockerfile_instructions(text):
    """(instruction, arguments) of a Dockerfile: comments dropped, continued lines joined."""
    lines, current = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") and not current:
            continue
        if stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current.strip():
            lines.append(current.strip())
        current = ""
    instructions = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def copy_sources(text):
    """The context paths each COPY/ADD takes (not those copied from another stage)."""
    sources = []
    for keyword, rest in dockerfile_instructions(text):
        if keyword not in ("COPY", "ADD"):
            continue
        words = json.loads(rest) if rest.startswith("[") else shlex.split(rest)
        flags = [w for w in words if w.startswith("--")]
        paths = [w for w in words if not w.startswith("--")]
        if any(flag.startswith("--from=") for flag in flags):
            continue
        sources.extend(paths[:-1])
    return sources


def copied(path, sources):
    """Does a COPY of `sources` take `path` (a file of the context)?"""
    for source in sources:
        source = source.strip("/") or "."
        if source in (".", "./"):
            return True
        if any(char in source for char in "*?["):
            if PatternMatcher([source]).matches(path):  # a glob takes files or folders
                return True
            continue
        if path == source or path.startswith(source + "/"):
            return True
    return False


def context_and_planted():
    """The build context (files on disk, as .dockerignore leaves them) plus the planted files
    that .dockerignore lets through."""
    matcher = load(ROOT)
    files = set(context_files(ROOT, matcher))
    files |= {path for path in PLANTED if not matcher.matches(path)}
    return sorted(files)


def image_files(files=None):
    sources = copy_sources((ROOT / "Dockerfile").read_text())
    files = context_and_planted() if files is None else files
    return [path for path in files if copied(path, sources)]
