"""The apps depend on each other one way only (DESIGN.md, "Seams"): events and shop use orders,
orders uses neither, and events does not use shop. Where orders must show something of theirs,
they register it (orders/registry.py).

Imports are read from the source with `ast`, so an import inside a function counts as much as
one at the top, and so do `import_module("events…")` and `apps.get_model("events", …)`.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def package_of(path):
    """The package a module's relative imports start from: ["orders", "admin"] for both
    orders/admin/__init__.py and orders/admin/viewsets.py."""
    return list(path.relative_to(ROOT).parts[:-1])


def imported(source, package):
    """Every module `source` imports or looks up by name, as dotted names, with the line."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # `from . import x` in package a.b is a.b.x; `from .. import x` is a.x.
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                yield f"{module}.{alias.name}" if module else alias.name, node.lineno
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in {"import_module", "__import__", "get_model", "get_app_config"} and (
                isinstance(first, ast.Constant) and isinstance(first.value, str)
            ):
                yield first.value, node.lineno


def offences(app, forbidden):
    found = []
    for path in sorted((ROOT / app).rglob("*.py")):
        for name, line in imported(path.read_text(encoding="utf-8"), package_of(path)):
            top = name.split(".")[0]
            if top in forbidden:
                found.append(f"{path.relative_to(ROOT)}:{line} uses {name}")
    return found


@pytest.mark.parametrize(
    ("app", "forbidden"),
    [
        # reports/ (the funders' report) reads events, orders and schools; none of them
        # knows it.
        ("orders", {"events", "shop", "donations", "schools", "memberships", "reports"}),
        ("events", {"shop", "donations", "schools", "memberships", "reports"}),
        ("donations", {"events", "shop", "schools", "memberships", "reports"}),
        ("schools", {"shop", "donations", "memberships", "reports"}),
        ("memberships", {"shop", "donations", "schools", "reports"}),
    ],
)
def test_the_core_imports_no_plug_in(app, forbidden):
    assert (ROOT / app / "models.py").exists()
    assert offences(app, forbidden) == []


def test_the_check_sees_every_kind_of_import():
    source = """
from events.models import EventPage
import shop.cart


def panel():
    from events import reports
    from importlib import import_module

    return import_module("events.reports"), apps.get_model("shop", "Variant")
"""
    names = {name for name, _line in imported(source, ["orders", "admin"])}
    assert {"events.models.EventPage", "shop.cart", "events.reports", "shop"} <= names
    relative = "from ..models import Order\nfrom . import filters\n"
    names = {name for name, _line in imported(relative, ["orders", "admin"])}
    assert names == {"orders.models.Order", "orders.admin.filters"}
