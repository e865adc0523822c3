"""Staff read every entry of an order's history in words, in French and in English: each app
registers the labels of the audit-log actions it writes (orders/registry.py), and no action key
written anywhere in the code is left without one."""

import ast
from pathlib import Path

import pytest
from django.urls import reverse

from orders import registry, services
from orders.models import OrderState

ROOT = Path(__file__).resolve().parents[2]
APPS = ["cesiq_site", "home", "events", "shop", "orders", "search", "news"]


def is_log_call(node):
    """`log(order, "key", …)` or `services.log(order, "key", …)` (not `logger.log`)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "log"
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "log"
        and isinstance(func.value, ast.Name)
        and func.value.id == "services"
    )


def written_actions():
    """(kind, value, where) for every action key passed to the audit log in the code: "key"
    for a literal, "prefix" for an f-string's literal start (`f"state:{state}"`)."""
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not is_log_call(node):
                    continue
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                action = node.args[1] if len(node.args) > 1 else None
                action = next((k.value for k in node.keywords if k.arg == "action"), action)
                if isinstance(action, ast.Constant) and isinstance(action.value, str):
                    found.append(("key", action.value, where))
                elif isinstance(action, ast.JoinedStr) and isinstance(
                    action.values[0], ast.Constant
                ):
                    found.append(("prefix", action.values[0].value, where))
                else:
                    found.append(("unreadable", ast.unparse(node), where))
    return found


def test_every_action_written_in_the_code_has_a_label():
    found = written_actions()
    keys = {value for kind, value, _where in found if kind == "key"}
    # The scan does see the apps' writes (orders', events', the Law 25 tools').
    assert {"placed", "checked_in", "date_cancelled", "personal_data_erased"} <= keys
    assert [item for item in found if item[0] == "unreadable"] == []
    missing = [
        (value, where)
        for kind, value, where in found
        if (kind == "key" and not registry.log_actions.has_label(value))
        or (kind == "prefix" and value not in registry.log_actions.prefixes())
    ]
    assert missing == []


def test_every_state_has_a_label():
    for state in OrderState.values:
        assert registry.log_actions.has_label(f"state:{state}"), state
    assert registry.action_label("state:nonsense") == "state:nonsense"


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("journal", "journal@example.org", "pw")
    client.force_login(user)
    client.user = user
    return client


def history(client, order):
    html = client.get(reverse("order:inspect", args=[order.pk])).content.decode()
    return html


@pytest.mark.django_db
def test_the_order_history_reads_in_french_and_in_english(admin_client, place, item):
    from wagtail.users.models import UserProfile

    order = place((item, 1))
    for action in ["checked_in", "date_postponed", "personal_data_purged", "refund_failed"]:
        services.log(order, action, "détail")

    html = history(admin_client, order)
    for label in [
        "Entrée enregistrée",
        "Date reportée",
        "Renseignements personnels purgés (Loi 25)",
        "Remboursement échoué",
        "Commande passée",
    ]:
        assert label in html, label
    assert "checked_in" not in html and "personal_data_purged" not in html

    profile = UserProfile.get_for_user(admin_client.user)
    profile.preferred_language = "en"
    profile.save()
    html = history(admin_client, order)
    for label in [
        "Checked in",
        "Date postponed",
        "Personal information purged (Law 25)",
        "Refund failed",
        "Order placed",
    ]:
        assert label in html, label
    assert "Entrée enregistrée" not in html


def test_an_english_buyers_order_writes_its_history_in_french(place, item):
    """The history is the staff's: a buyer on the English site placing an order wrote
    « Order placed » in it."""
    from django.utils import translation

    with translation.override("en"):  # the English site's requests
        order = place((item, 1), language="en")
        services.cancel_by_buyer(order)
    assert order.log_entries.get(action="placed").message == "Commande passée"
    assert (
        order.log_entries.get(action="state:cancelled").message
        == "Annulée par l'acheteur ou l'acheteuse"
    )
