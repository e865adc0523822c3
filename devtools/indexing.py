"""Many pages saved at once (the demo seed, tests that build hundreds of pages): Wagtail's
search index and reference index brought up to date once at the end instead of at each save.

Wagtail updates both at every save of an indexed object, and a page is saved three times or
more on its way to being published (created, revision, published): in the seed that was a
fifth of its time, for about 500 updates that one rebuild of 150 objects replaces.
"""

from contextlib import contextmanager

from django.core.management import call_command
from django.db.models.signals import post_save
from modelsearch import index
from modelsearch.signal_handlers import post_save_signal_handler
from wagtail.signal_handlers import disable_reference_index_auto_update


@contextmanager
def indexes_updated_at_the_end():
    """Save without updating the indexes, then rebuild them (in the caller's transaction)."""
    models = [
        model for model in index.get_indexed_models() if getattr(model, "search_auto_update", True)
    ]
    for model in models:
        post_save.disconnect(post_save_signal_handler, sender=model)
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        for model in models:
            post_save.connect(post_save_signal_handler, sender=model)
    call_command("update_index", verbosity=0)
    call_command("rebuild_references_index", verbosity=0)
