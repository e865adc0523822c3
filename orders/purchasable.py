"""What `orders` needs from anything that can be bought (a ticket type, a product variant).

`orders` knows nothing else about activities or products: it asks the item to describe itself,
to price a quantity, which quotas one unit takes, whether it may be sold now, to make a paid
line final, and to give a line back.

Some items are bought for an `option` the buyer chose, such as the date a ticket is for. The
option is given to the item when the order is placed and never stored on the line: what the
line takes is stored as its link to quotas, which is what everything counts.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

# A line the buyer may cancel whenever they like, for now (a ticket for a date postponed
# without a new one): later than any deadline, so an order's earliest deadline is another
# line's when it has one.
UNTIL_FURTHER_NOTICE = datetime.max.replace(tzinfo=UTC)


class NotAvailable(Exception):
    """Raised with a message the buyer can read (already translated)."""


@dataclass(frozen=True)
class HoldRule:
    """How much of `quota` one buyer may keep without paying: one unpaid order per email
    address, at most `max_places` places in it, and at most `max_places` held from one client
    (network address) in all. `name` is what the buyer reads (the activity and its date)."""

    quota: object
    max_places: int
    name: str


class Purchasable:
    """Mixin for models that orders can hold and sell.

    Capacity is counted, never decremented (see `orders.availability`): an item declares the
    quotas one unit consumes, and the lines linked to them count while their order holds.
    """

    def describe(self, language, option):
        """The line's description in `language`, frozen on the order line."""
        raise NotImplementedError

    def price_for(self, requested, option):
        """The unit price to charge. `requested` is the buyer's amount for pay-what-you-can
        items (None otherwise). Raise NotAvailable for an unacceptable amount."""
        raise NotImplementedError

    def tax_category(self):
        raise NotImplementedError

    def place_of_supply(self, option):
        """The province where this item is supplied whatever the order's destination (an
        admission: where the event is held), or None: where the order's goods are delivered
        (`place_order`'s `tax_province`)."""
        return None

    def quotas(self, option):
        """The `orders.Quota` rows one unit consumes ([] for an unlimited item). Raise
        NotAvailable if `option` does not belong to this item."""
        raise NotImplementedError

    def check_sale(self, quantity, option, now):
        """Rules other than capacity (on sale now? at most so many per order?): raise
        NotAvailable with the reason."""

    def hold_rule(self, option):
        """The HoldRule for one unit of this item bought for `option`, or None: no limit on
        holding beyond what is left."""
        return None

    def confirm_by_email(self, option):
        """True when an order costing nothing must be confirmed through a link sent to the
        buyer's address before it is final (its places stay held until then)."""
        return False

    def display_name(self):
        """The item as the buyer reads it, in the active language."""
        return str(self)

    def fulfil(self, line):
        """The line is paid: make it final (registrations, stock). Called once per line."""

    def release(self, line):
        """A paid line is cancelled: undo what `fulfil` did."""

    def give_back(self, line, quantity):
        """`quantity` units of a paid line were returned and refunded (its `returned_quantity`
        already counts them, so their places or stock are free again): anything more the item
        keeps about them (a low-stock alert to clear)."""

    def discountable(self):
        """False for what no discount code may reduce (a gift added to the order: the donor
        gives what they chose, and a receipt says so)."""
        return True

    def is_goods(self):
        """True for a thing that travels in the parcel: the order's delivery charge is for
        the goods, and is refunded when every goods line has been given back."""
        return False

    def buyer_cancellation_deadline(self, line):
        """Until when the buyer may cancel this line themselves (None: they may not;
        `UNTIL_FURTHER_NOTICE`: no deadline for now, as for a date postponed without a new
        one)."""
        return None

    def cancellation_notice(self, line):
        """What the buyer should know, before confirming the order's cancellation, about what
        cancelling does to this line beyond the refund (a gift's official receipt annulled), or
        ""."""
        return ""

    def receipt_links(self, line, cancellable=False):
        """(label, url, cancel url or None) the buyer's order page lists for this line (their
        tickets). `cancellable`: the buyer may still cancel the order online, so a thing they
        may give back alone (one ticket of several) may have an address to do so."""
        return []

    def staff_links(self, line):
        """(label, url) pairs the admin's order page lists under this line: where staff see
        and act on what it became (each ticket on its date's list of attendees)."""
        return []

    def staff_notice_extras(self, line):
        """What the staff's notice of a new order should add for this line (what to prepare,
        how it leaves): {"html": ..., "text": ...}, or None. Written in the site's language."""
        return None

    def confirmation_extras(self, line, language):
        """What the buyer's confirmation email should carry for this line, beyond the receipt:
        {"html": ..., "text": ..., "attachments": [(filename, bytes, mimetype, content_id)]}
        (content_id set for an image shown inline), or None."""
        return None
