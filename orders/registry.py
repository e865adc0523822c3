"""The ways other apps plug into orders, which imports none of them (DESIGN.md, "Seams").

pretix has signals and data shredders for this; here each way in is a small registry that an
app fills from its `AppConfig.ready()` (see `events/registrations.py`). Registering at start-up
rather than from `wagtail_hooks.py` means every process sees the same registrations: the web
server, a Celery worker running the Law 25 purge, a management command.

- `order_filters`: filters of the admin's orders listing that only another app can answer
  ("orders for this activity");
- `order_finders`: what else the orders listing's search box finds orders by (a ticket's code);
- `report_sections`: tables another app adds to the sales report, on the page and in its CSV;
- `log_actions`: the human label of every audit-log action key, whatever app writes it;
- `personal_data`: what each app holds about a person, to find, export, erase and purge it
  (the interface is `orders.privacy.PersonalDataProvider`);
- `order_sections`: what another app adds to an order's receipt page and its emails (how a
  shop order reaches its buyer);
- `cancel_blockers`: why another app's part of an order keeps it from being cancelled as a
  whole (a shop order's goods already shipped or handed over).

Wagtail's own hooks stay the way in for what Wagtail owns: a dashboard panel is registered with
`construct_homepage_panels` by the app it belongs to.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class Registry:
    """Things registered under a unique name, kept in the order they came (a name registered
    again replaces the first one: safe if an app's ready() runs twice)."""

    def __init__(self):
        self._items = {}

    def register(self, item):
        if not item.name:
            raise ValueError(f"{item!r} needs a name to be registered")
        self._items[item.name] = item
        return item

    def unregister(self, name):
        self._items.pop(name, None)

    def __iter__(self):
        return iter(sorted(self._items.values(), key=lambda item: getattr(item, "order", 100)))

    def __len__(self):
        return len(self._items)

    def __contains__(self, name):
        return name in self._items

    def __getitem__(self, name):
        return self._items[name]


# --- order-listing filters ----------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilter:
    """One more filter of the orders listing, shown as a drop-down.

    `choices()` is read each time the listing is shown (new activities appear without a
    restart); `orders(value)` returns the matching orders as a queryset of order ids (for
    `pk__in`), for the value the person chose.
    """

    name: str  # the query-string parameter, e.g. "activity"
    label: Any  # translated (lazily)
    choices: Callable[[], list]
    orders: Callable[[str], Any]
    empty_label: Any = None
    order: int = 100


order_filters = Registry()


@dataclass(frozen=True)
class OrderFinder:
    """One more way the orders listing's search box finds orders: `orders(text)` returns the
    orders another app knows by that text (a ticket's code) as a queryset of order ids (for
    `pk__in`), or None when the text cannot be one of its keys."""

    name: str
    orders: Callable[[str], Any]
    order: int = 100


order_finders = Registry()


# --- sales report -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSection:
    """A table another app adds to the sales report, over the report's period.

    `collect(start, end)` returns the section's template context (`end` None: up to now);
    `csv_rows(context)` the same numbers as rows for the CSV export, a heading row first.
    """

    name: str
    template_name: str
    collect: Callable[..., dict]
    csv_rows: Callable[[dict], list]
    order: int = 100


report_sections = Registry()


# --- audit-log labels ---------------------------------------------------------------------------


class LogActions:
    """Labels of the audit log's action keys (`orders.services.log(order, "key", …)`).

    Every app that writes to an order's log registers the labels of the keys it writes, French
    source strings marked with gettext_lazy, so staff read "Entrée enregistrée" or "Checked in"
    rather than `checked_in`. A key made of a prefix and a value (`state:paid`) is labelled by
    a function registered for the prefix.
    """

    def __init__(self):
        self._labels = {}
        self._prefixes = {}

    def register(self, labels):
        self._labels.update(labels)

    def register_prefix(self, prefix, label):
        """`label(value)` returns the label of `prefix + value`, or None if it has none."""
        self._prefixes[prefix] = label

    def keys(self):
        return set(self._labels)

    def prefixes(self):
        return set(self._prefixes)

    def label(self, action):
        """The label in the active language; the key itself when nobody registered one."""
        if action in self._labels:
            return str(self._labels[action])
        for prefix, label in self._prefixes.items():
            if action.startswith(prefix):
                found = label(action.removeprefix(prefix))
                if found is not None:
                    return str(found)
        return action

    def has_label(self, action):
        return self.label(action) != action


log_actions = LogActions()


def action_label(action):
    return log_actions.label(action)


# --- personal data (Law 25) ---------------------------------------------------------------------


# Instances of `orders.privacy.PersonalDataProvider`, orders' own first (`order` 0).
personal_data = Registry()


# --- sections of the receipt and the order emails -----------------------------------------------


@dataclass(frozen=True)
class OrderSection:
    """A short block another app adds to an order's receipt page, its confirmation and the
    staff's new-order email (the delivery of a shop order).

    `collect(order)` returns None (nothing to say about this order) or, in the active
    language, {"heading": str, "lines": [str, …]}: plain text, which orders lays out on the
    page and in both parts of its emails. `on_pages_only`: not in the emails (what a line's
    own part of the confirmation already says, as a gift's receipt).
    """

    name: str
    collect: Callable[[Any], dict | None]
    order: int = 100
    on_pages_only: bool = False
    in_emails_only: bool = False  # what only the buyer's own mailbox may read (a member code)


order_sections = Registry()


@dataclass(frozen=True)
class SectionLink:
    """A line of an order section that is a link (an invoice's PDF): a link on the page and
    in the HTML email, "label : url" in the text email. `url` is absolute."""

    label: str
    url: str

    def __str__(self):
        return f"{self.label} : {self.url}"


def sections_of(order, *, email=False):
    """The registered sections that have something to say about `order` (in an email: those
    that go in emails)."""
    return [
        found
        for section in order_sections
        if not (section.on_pages_only if email else section.in_emails_only)
        and (found := section.collect(order))
    ]


# --- a gift added to an order at checkout ---------------------------------------------------------


@dataclass(frozen=True)
class CheckoutGift:
    """`offer()` returns what the checkout of an activity or of the shop may add to its order
    as a gift (donations fills it: its `GiftOffer`), or None when no gift is taken now. With
    nothing registered, no form offers one. See orders/gift.py."""

    name: str
    offer: Callable[[], Any]
    order: int = 100


checkout_gifts = Registry()


def gift_offer():
    """The gift the checkout offers now, or None."""
    for source in checkout_gifts:
        offer = source.offer()
        if offer is not None:
            return offer
    return None


# --- what keeps an order from being cancelled as a whole ----------------------------------------


@dataclass(frozen=True)
class CancelBlocker:
    """`reason(order)` returns None, or, in the active language, why cancelling `order` as a
    whole would be wrong: cancelling gives every line back (places, stock) and refunds it all,
    which is false for goods already in the buyer's hands or in the mail. Staff are told why
    and what to do instead (a return, a refund)."""

    name: str
    reason: Callable[[Any], str | None]
    order: int = 100


cancel_blockers = Registry()


def why_not_cancellable(order):
    """The first registered reason that keeps `order` from being cancelled, or None."""
    for blocker in cancel_blockers:
        if (found := blocker.reason(order)) is not None:
            return found
    return None
