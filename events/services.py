"""Registration rules for activities; the money and the holds are orders' business."""

from django.utils.translation import gettext as _

from orders import services as orders
from orders.services import OrderError, Selection


def register(page, *, date_id, tickets, buyer_name, buyer_email, language, discount_code=""):
    """Place the order for `tickets` [(ticket_type, quantity, amount_or_None)] on one date.

    Free registrations are confirmed at once; paid ones wait for Stripe.
    """
    if not page.registration_open():
        raise OrderError(_("Les inscriptions à cette activité sont fermées."))
    return orders.place_order(
        kind="tickets",
        buyer_name=buyer_name,
        buyer_email=buyer_email,
        language=language,
        discount_code=discount_code,
        selections=[
            Selection(
                item=ticket, quantity=quantity, requested_price=amount, details={"date": date_id}
            )
            for ticket, quantity, amount in tickets
        ],
    )
