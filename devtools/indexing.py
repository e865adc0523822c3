"""Many pages saved at once (the demo seed, tests that build hundreds of pages): Wagtail's
search index and reference index brought up to date once at the end instead of at each save.

Wagtail updates both at every save of an indexed object, and a page is saved three times or
more on its way to being published (created, revision, published): in the seed that was a
fifth of its time, for about 500 updates that one pass over the 150 objects saved replaces.
Only the objects saved (and deleted) in the block are indexed again: a test that adds 200
pages to the demo does not index the whole demo again.
"""

from contextlib import contextmanager

from django.db.models.signals import post_delete, post_save
from modelcluster.fields import ParentalKey
from modelsearch import index
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.models import ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update


@contextmanager
def indexes_updated_at_the_end():
    """Save without updating the indexes, then update them for what was saved or deleted (in
    the caller's transaction)."""
    models = [
        model for model in index.get_indexed_models() if getattr(model, "search_auto_update", True)
    ]
    saved = {}  # model -> primary keys, in the order first saved

    def remember_saved(sender, instance, raw=False, **kwargs):
        if not raw:
            saved.setdefault(sender, {})[instance.pk] = None

    def forget_deleted(sender, instance, **kwargs):
        # At once, as Wagtail's own handler (which the block turns off) does: after the
        # deletion the instance has no primary key any more. Its search entry already went.
        if sender in ReferenceIndex.tracked_models:
            ReferenceIndex.remove_for_object(instance)
            ReferenceIndex.remove_references_to(instance)

    for model in models:
        post_save.disconnect(post_save_signal_handler, sender=model)
    post_save.connect(remember_saved, weak=False)
    post_delete.connect(forget_deleted, weak=False)
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        post_save.disconnect(remember_saved)
        post_delete.disconnect(forget_deleted)
        for model in models:
            post_save.connect(post_save_signal_handler, sender=model)
    referencing = {}  # the objects whose references to record, once each
    for model, keys in saved.items():
        searched = model in models
        if not (searched or model in ReferenceIndex.tracked_models):
            continue
        for instance in model._default_manager.filter(pk__in=list(keys)):
            if searched:
                index.insert_or_update_object(instance)
            owner = _reference_owner(instance)
            if owner is not None:
                referencing[(type(owner), owner.pk)] = owner
    for owner in referencing.values():
        ReferenceIndex.create_or_update_for_object(owner)


def _reference_owner(instance):
    """The object whose references an instance's save changes: itself, or for an inline child
    (an activity's date, a product's variant) its parent, as Wagtail's own task finds it."""
    while True:
        keys = [field for field in instance._meta.get_fields() if isinstance(field, ParentalKey)]
        if not keys:
            break
        instance = getattr(instance, keys[0].name)
        if instance is None:
            return None
    return instance if ReferenceIndex.is_indexed(type(instance)) else None
