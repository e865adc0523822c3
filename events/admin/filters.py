"""The orders listing's "Activité" filter, registered in `orders.registry.order_filters`."""

from django.utils.translation import gettext_lazy as _

from orders.models import OrderLine
from orders.registry import OrderFilter

from ..models import EventPage


def activity_choices():
    """Activity pages some order line takes places of, by title."""
    return list(
        EventPage.objects.filter(dates__quota__order_lines__isnull=False)
        .distinct()
        .order_by("title", "pk")
        .values_list("pk", "title")
    )


def orders_for_activity(page_id):
    """Ids of the orders with a line taking places on one of the activity's dates."""
    return OrderLine.objects.filter(quotas__event_date__page_id=page_id).values("order_id")


ACTIVITY_FILTER = OrderFilter(
    name="activity",
    label=_("Activité"),
    choices=activity_choices,
    orders=orders_for_activity,
    empty_label=_("Toutes"),
)
