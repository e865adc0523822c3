from django.apps import AppConfig
from django.db.models import Model

# What a public page may show: a save or delete of any of these apps' rows may change a page
# (pages, snippets such as venues, themes and producers, site settings, images, documents).
CONTENT_APPS = {
    "home",
    "events",
    "shop",
    "news",
    "wagtailcore",
    "wagtailimages",
    "wagtaildocs",
    "taggit",
}
# Rows written while a public page is rendered, or that no public page shows.
NOT_CONTENT = {"wagtailimages.rendition", "wagtailcore.pagelogentry", "wagtailcore.modellogentry"}
# Order fields that change what is counted as sold or held (orders.availability).
COUNTED_ORDER_FIELDS = {"state", "expires_at"}


def changes_public_pages(sender, update_fields=None, **kwargs):
    """Does this save or delete change what a public page may show?"""
    meta = sender._meta
    if meta.label_lower in NOT_CONTENT:
        return False
    if meta.app_label in CONTENT_APPS:
        return True
    if meta.label_lower == "orders.order":
        return update_fields is None or bool(COUNTED_ORDER_FIELDS & set(update_fields))
    return meta.label_lower in {"orders.orderline", "orders.quota", "orders.quotahold"}


def invalidate_pages(sender, **kwargs):
    from . import pagecache

    if changes_public_pages(sender, **kwargs):
        pagecache.bump_on_commit()


# Rows a public request writes that change nothing a request remembers (a rendition made, a
# search counted for editors, a session): writing them keeps the request's memo.
MEMO_KEPT = NOT_CONTENT | {
    "wagtailsearchpromotions.query",
    "wagtailsearchpromotions.querydailyhits",
    "sessions.session",
}


def forget_memo(sender, **kwargs):
    """What a request remembered (cesiq_site/request_memo.py) may be stale after any other
    write."""
    from . import request_memo

    if not (isinstance(sender, type) and issubclass(sender, Model)) or (
        sender._meta.label_lower not in MEMO_KEPT
    ):
        request_memo.forget()


class CesiqSiteConfig(AppConfig):
    name = "cesiq_site"
    verbose_name = "CÉSIQ"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.signals import (
            page_published,
            page_unpublished,
            post_page_move,
            published,
            unpublished,
        )

        from . import checks, pagecache, request_memo  # noqa: F401  (checks registers the system checks)

        # The page cache's exact invalidation (cesiq_site/pagecache.py).
        for name, signal in [
            ("published", page_published),
            ("unpublished", page_unpublished),
            ("moved", post_page_move),
            # Snippets with drafts (themes, venues, producers): publishing saves the row,
            # which post_save below catches too; the signals say it whatever the model.
            ("snippet published", published),
            ("snippet unpublished", unpublished),
        ]:
            signal.connect(pagecache.bump_on_commit, dispatch_uid=f"pagecache:{name}")
        post_save.connect(invalidate_pages, dispatch_uid="pagecache:post_save")
        post_delete.connect(invalidate_pages, dispatch_uid="pagecache:post_delete")

        # What a request asks many times, asked once (cesiq_site/request_memo.py).
        request_memo.memoize_wagtail_lookups()
        for name, signal in [
            ("post_save", post_save),
            ("post_delete", post_delete),
            ("published", page_published),
            ("unpublished", page_unpublished),
            ("moved", post_page_move),
        ]:
            signal.connect(forget_memo, dispatch_uid=f"request_memo:{name}")
