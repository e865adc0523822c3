"""The gift a visitor may add to an activity's registration or a shop order
(`orders.gift`): donations registers it in `orders.registry.checkout_gifts`.

The purchasable is the site's donation page (the French one, live): its suggested amounts,
its minimum and maximum, and what happens once the order is paid (`DonationPage.fulfil`
records the gift and, for a registered charity, issues the official receipt for the gift
alone, never for the tickets or products beside it).
"""

from dataclasses import dataclass
from decimal import Decimal

from orders.services import Selection

from .forms import amount_error, parse_amount
from .models import CharitySettings, DonationPage


@dataclass(frozen=True)
class GiftOffer:
    page: DonationPage
    amounts: list
    minimum: Decimal
    maximum: Decimal
    receipts: bool

    def error(self, requested):
        return amount_error(requested, self.minimum, self.maximum)

    def amount(self, requested):
        return parse_amount(requested)

    def selection(self, amount, *, donor_name, address):
        details = {"donor_name": donor_name.strip()[:200], "added_to_order": True}
        if self.receipts:
            details.update(address)
        return Selection(item=self.page, quantity=1, requested_price=amount, details=details)


def offer():
    """The gift offered at checkout, or None when the site has no live donation page.

    Read once per content generation (cesiq_site/render_cache.py): every registration form
    and shop checkout, shown or sent, asks for it. Publishing the donation page and saving
    the charity settings start a new generation (cesiq_site/apps.py); the offer and its page
    are only read by the forms and the order they place."""
    from cesiq_site.render_cache import shared

    return shared("checkout gift offer", current_offer)


def current_offer():
    from wagtail.models import Locale

    page = DonationPage.objects.live().filter(locale=Locale.get_default()).order_by("path").first()
    if page is None:
        return None
    return GiftOffer(
        page=page,
        amounts=page.amounts(),
        minimum=page.minimum_amount,
        maximum=page.maximum_amount,
        receipts=CharitySettings.load().issues_receipts,
    )
