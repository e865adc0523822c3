"""What `orders` needs from anything that can be bought (a ticket type, a product variant).

`orders` knows nothing else about activities or products: it asks the item to describe itself,
to price a quantity, to reserve it (locking whatever row holds its capacity or stock), to make
a paid line final, and to give a line back.
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _


class NotAvailable(Exception):
    """Raised by `reserve` with a message the buyer can read (already translated)."""


class Purchasable:
    """Mixin for models that orders can hold and sell.

    Capacity is counted, never decremented: what is taken is the sum of the quantities on lines
    of holding orders (paid, or pending with an unexpired hold). So an expired hold stops
    counting by itself, and correctness never waits for a periodic job.
    """

    #: "tickets" or "shop": decides which discount codes apply.
    order_kind = None

    def describe(self, language, details):
        """The line's description in `language`, frozen on the order line. `details` is the
        small dict the item's app attached to the selection (e.g. which date)."""
        raise NotImplementedError

    def price_for(self, requested, details):
        """The unit price to charge. `requested` is the buyer's amount for pay-what-you-can
        items (None otherwise). Raise NotAvailable for an unacceptable amount or details."""
        raise NotImplementedError

    def tax_category(self):
        raise NotImplementedError

    def capacity_lock(self, details):
        """Lock the row that holds this item's capacity (select_for_update)."""
        raise NotImplementedError

    def available(self, now, details):
        """Places or units left, counted under the lock of `capacity_lock`; negative when
        oversold (so that a check after writing an order's lines can see it). None: unlimited."""
        raise NotImplementedError

    def display_name(self):
        """The item as the buyer reads it, in the active language."""
        return str(self)

    def reserve(self, quantity, details, now=None):
        """Check, under the capacity lock, that `quantity` can be held now."""
        now = now or timezone.now()
        self.capacity_lock(details)
        left = self.available(now, details)
        if left is not None and quantity > left:
            if left <= 0:
                raise NotAvailable(_("« %(item)s » est complet.") % {"item": self.display_name()})
            raise NotAvailable(
                _("Il ne reste que %(left)s place(s) pour « %(item)s ».")
                % {"left": left, "item": self.display_name()}
            )

    def fulfil(self, line):
        """The line is paid: make it final (registrations, stock). Called once per line."""

    def release(self, line):
        """A paid line is cancelled: undo what `fulfil` did."""

    def buyer_cancellation_deadline(self, line):
        """Until when the buyer may cancel this line themselves (None: they may not)."""
        return None

    def receipt_links(self, line):
        """(label, url) pairs the buyer's order page lists for this line (their tickets)."""
        return []

    def confirmation_extras(self, line, language):
        """What the buyer's confirmation email should carry for this line, beyond the receipt:
        {"html": ..., "text": ..., "attachments": [(filename, bytes, mimetype, content_id)]}
        (content_id set for an image shown inline), or None."""
        return None


def held_quantity(lines, now):
    """Sum of quantities on `lines` (an OrderLine queryset) whose order holds them."""
    from django.db.models import Sum

    from .models import Order

    total = lines.filter(order__in=Order.objects.holding(now)).aggregate(q=Sum("quantity"))["q"]
    return total or 0


ZERO = Decimal("0.00")
