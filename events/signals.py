"""When an editor publishes an activity (perhaps with a larger capacity), offer any freed
places to its waiting lists once the publication is committed."""

from django.db import transaction
from wagtail.signals import page_published


def offer_places_after_publishing(sender, instance, **kwargs):
    from .models import EventPage
    from .waiting_list import offer_waiting_list

    if not isinstance(instance, EventPage):
        return
    for date_id in instance.source.dates.values_list("pk", flat=True):
        transaction.on_commit(lambda d=date_id: offer_waiting_list.delay(d), robust=True)


page_published.connect(offer_places_after_publishing)
