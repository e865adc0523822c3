"""The ways other apps plug into events, which imports none of them (DESIGN.md, "Seams"),
modelled on `orders/registry.py`: an app fills these from its `AppConfig.ready()`.

- `handovers`: what staff hand over at the door of a date besides tickets (shop orders a buyer
  chose to pick up at that activity). The date's attendee list and the check-in page show
  them, so nothing bought for the door is forgotten there.
- `member_checks`: who counts as a member, for ticket types kept for members (their price is
  offered to a logged-in member or to whoever enters a valid member code). Memberships fill
  it; with nothing registered, nobody is a member and those tickets stay hidden.
- `invoicing`: who bills a school group's registration by invoice, on an activity whose editors
  allow it (`EventPage.allow_invoice`). Schools fills it (its numbered invoices, PDF, staff
  payments and reminders); with nothing registered, the form offers no invoice.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orders.registry import Registry


@dataclass(frozen=True)
class Handover:
    """One thing to hand over at the door: an order's code, who gets it, what it holds (plain
    text), its state as staff read it, and where staff open the order."""

    code: str
    buyer: str
    summary: str
    state: str
    url: str


@dataclass(frozen=True)
class HandoverSource:
    """`collect(date)` returns the `Handover`s for that EventDate (paid orders only)."""

    name: str
    label: Any  # the heading staff read, translated lazily
    collect: Callable[[Any], list]
    order: int = 100


handovers = Registry()


def handovers_for(date):
    """[(label, [Handover, …])] for `date`, leaving out sources with nothing to hand over."""
    found = []
    for source in handovers:
        items = list(source.collect(date))
        if items:
            found.append((str(source.label), items))
    return found


@dataclass(frozen=True)
class MemberCheck:
    """`by_user(user)` and `by_code(code)` each answer whether that is a current member."""

    name: str
    by_user: Callable[[Any], bool]
    by_code: Callable[[str], bool]
    order: int = 100


member_checks = Registry()


def is_member_user(user):
    return any(check.by_user(user) for check in member_checks)


def is_member_code(code):
    return bool(code) and any(check.by_code(code) for check in member_checks)


@dataclass(frozen=True)
class Invoicing:
    """`issue(order, *, school, school_board, email, contact_name, purchase_order_number)`
    bills the pending `order` by invoice in the caller's transaction, keeps its places until
    it is paid or cancelled, and sends the invoice; it raises orders' OrderError for bad
    input. Returns the invoice (its `number` is shown)."""

    name: str
    issue: Callable[..., Any]
    order: int = 100


invoicing = Registry()


def invoicer():
    """The registered way to bill by invoice, or None."""
    return next(iter(invoicing), None)
