"""The core imports no plug-in: nothing under orders/ imports the shop."""

import ast
from pathlib import Path

ORDERS = Path(__file__).resolve().parents[2] / "orders"


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_orders_never_imports_shop():
    offenders = [
        f"{path.relative_to(ORDERS.parent)}: {module}"
        for path in ORDERS.rglob("*.py")
        for module in imported_modules(path)
        if module == "shop" or module.startswith("shop.")
    ]
    assert offenders == []
    assert any(ORDERS.rglob("*.py"))
