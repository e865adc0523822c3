"""When an editor publishes an activity (perhaps with a larger capacity), offer any freed
places to its waiting lists once the publication is committed; when the French page of an
activity is unpublished, however (its page, the page list's bulk action, a schedule), its
translations are unpublished with it."""

from django.db import transaction
from wagtail.signals import page_published, page_unpublished


def offer_places_after_publishing(sender, instance, **kwargs):
    from .models import EventPage
    from .waiting_list import offer_waiting_list

    if not isinstance(instance, EventPage):
        return
    for date_id in instance.source.dates.values_list("pk", flat=True):
        transaction.on_commit(lambda d=date_id: offer_waiting_list.delay(d), robust=True)


page_published.connect(offer_places_after_publishing)


def unpublish_translations_with_their_source(sender, instance, **kwargs):
    """An English page sells its French page's places: left live once the French page is gone,
    it still showed its dates (events/wagtail_hooks.py cascades the admin's own unpublishing;
    this catches every other way)."""
    from wagtail.actions.unpublish_page import UnpublishPageAction

    from .models import EventPage

    if not isinstance(instance, EventPage) or instance.has_source():
        return
    for translation in EventPage.objects.translation_of(instance, inclusive=False).live():
        UnpublishPageAction(translation).execute(skip_permission_checks=True)


page_unpublished.connect(unpublish_translations_with_their_source)
