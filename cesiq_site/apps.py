from django.apps import AppConfig
from django.db.models import Model
from django.db.models.signals import post_delete

# What a public page may show: a save or delete of any of these apps' rows may change a page
# (pages, snippets such as venues, themes and producers, site settings, images, documents;
# members and their membership periods, which decide who the network directory lists).
CONTENT_APPS = {
    "home",
    "events",
    "shop",
    "news",
    "memberships",
    "network",
    "resources",
    "wagtailcore",
    "wagtailimages",
    "wagtaildocs",
    "taggit",
}
# Rows of other apps that change what a public page or form shows: whether a gift gets an
# official receipt (the registration form and the shop's checkout ask for the donor's address),
# whether orders collect taxes (the totals shown and charged; the tax numbers on receipts).
CONTENT_MODELS = {"donations.charitysettings", "orders.ordersettings"}
# Rows written while a public page is rendered, or that no public page shows: who registered,
# who came in at the door, who waits for a place, what was shipped (staff pages and emails
# show them; the places they stand for are counted from order lines and holds).
NOT_CONTENT = {
    "wagtailimages.rendition",
    "wagtailcore.pagelogentry",
    "wagtailcore.modellogentry",
    "events.attendee",
    "events.checkinscan",
    "events.waitinglistentry",
    "shop.fulfilment",
}
# Order fields that change what is counted as sold or held (orders.availability).
COUNTED_ORDER_FIELDS = {"state", "expires_at"}
# What a save or delete does to the places counted as sold or held.
TAKES, MAY_GIVE_BACK = "takes", "may give back"
# Order state changes that can only take places: paid while held, or paid late (the late
# payment rule takes its places again, orders.services.reserve_again).
TAKING_STATES = {("pending", "paid"), ("expired", "paid")}


def order_change(order, created, update_fields):
    """What this save of an order does to the places counted: TAKES if it can only take
    places (placed, or paid late); (TAKES, until) if it takes places only if its hold, which
    ran until `until`, has run out by the commit (paid, or its hold made longer: while held,
    its places were counted anyway); None if nothing counted changed; MAY_GIVE_BACK otherwise
    (cancelled, expired, refunded, its hold shortened, or what it was before is not known).
    `Order.from_db` remembers what the order counted as when read."""
    if created:
        return TAKES
    fields = COUNTED_ORDER_FIELDS & set(update_fields or COUNTED_ORDER_FIELDS)
    if not fields:
        return None
    before = getattr(order, "counted_as", None)
    if before is None:
        return MAY_GIVE_BACK
    state, expires_at = before
    if "state" in fields and order.state != state and (state, order.state) not in TAKING_STATES:
        return MAY_GIVE_BACK
    if (
        "expires_at" in fields
        and order.state == "pending"
        and (expires_at is None or order.expires_at < expires_at)
    ):
        return MAY_GIVE_BACK
    # Paid or held longer: it took places only if it did not hold them already, which the
    # check after the commit decides (its hold may run out before the commit).
    if state in ("paid", "refunded"):
        return None
    return (TAKES, expires_at) if state == "pending" else TAKES


def places_change(sender, instance, created=False, update_fields=None, deleted=False):
    """What a save or delete of an order, an order line or a hold does to the places counted
    (None, TAKES or MAY_GIVE_BACK); anything that may change a quota's size gives back."""
    label = sender._meta.label_lower
    if deleted:
        return MAY_GIVE_BACK
    if label == "orders.order":
        change = order_change(instance, created, update_fields)
        instance.counted_as = (instance.state, instance.expires_at)
        return change
    if label == "orders.orderline":
        if created:
            return TAKES
        if update_fields is not None and set(update_fields) <= {"fulfilled"}:
            return None
        return MAY_GIVE_BACK
    if label == "orders.quotahold":
        return TAKES if created else MAY_GIVE_BACK
    if label == "orders.quota":
        return MAY_GIVE_BACK
    return None


def changes_public_pages(sender, update_fields=None, **kwargs):
    """Does this save or delete of content change what a public page may show? (Orders, lines,
    holds and quotas: `places_change`.)"""
    meta = sender._meta
    if meta.label_lower in NOT_CONTENT:
        return False
    return meta.app_label in CONTENT_APPS or meta.label_lower in CONTENT_MODELS


def invalidate_pages(sender, instance=None, created=False, update_fields=None, **kwargs):
    from . import pagecache

    if changes_public_pages(sender):
        pagecache.bump_on_commit()
        return
    deleted = kwargs.get("signal") is post_delete
    change = places_change(sender, instance, created, update_fields, deleted=deleted)
    if change == MAY_GIVE_BACK:
        pagecache.places_given_back_on_commit()
    elif isinstance(change, tuple):  # (TAKES, until): only if its hold ran out by the commit
        pagecache.places_taken_on_commit(held={instance.pk: change[1]})
    elif change == TAKES:
        moved = getattr(instance, "places_moved", None) if created else None
        if moved is not None and sender._meta.label_lower == "orders.order":
            # Placed: what it took was counted under the quotas' locks (orders.services).
            counted_at, quotas = moved
            pagecache.places_taken_on_commit(moved=quotas, counted_at=counted_at)
        elif sender._meta.label_lower == "orders.quotahold":
            pagecache.places_taken_on_commit(quotas=[instance.quota_id])
        else:
            order = instance.pk if sender._meta.label_lower == "orders.order" else instance.order_id
            pagecache.places_taken_on_commit(orders=[order])


def invalidate_pages_for_line_quotas(sender, instance, action, reverse, pk_set, **kwargs):
    """A line's quotas are linked after the line is saved: linking takes places, unlinking
    may give some back."""
    from . import pagecache

    if action == "post_add" and pk_set:
        if reverse:  # quota.order_lines.add(line)
            pagecache.places_taken_on_commit(quotas=[instance.pk])
        else:
            pagecache.places_taken_on_commit(orders=[instance.order_id], quotas=pk_set)
    elif action in {"post_remove", "post_clear"}:
        pagecache.places_given_back_on_commit()


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
        from django.db.backends.signals import connection_created
        from django.db.models.signals import m2m_changed, post_save
        from wagtail.signals import (
            page_published,
            page_unpublished,
            post_page_move,
            published,
            unpublished,
        )

        from . import checks, pagecache, render_cache, request_memo  # noqa: F401  (checks registers the system checks)
        from .validation import counts_have_a_limit, money_fields_take_a_comma, typed_dates_are_kept

        money_fields_take_a_comma()
        counts_have_a_limit()
        typed_dates_are_kept()
        from .collation import add_to_sqlite

        # SQLite gets the collation names are sorted with on PostgreSQL (cesiq_site/collation.py).
        connection_created.connect(add_to_sqlite, dispatch_uid="collation:sqlite")

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
        from orders.models import OrderLine

        m2m_changed.connect(
            invalidate_pages_for_line_quotas,
            sender=OrderLine.quotas.through,
            dispatch_uid="pagecache:line_quotas",
        )

        # What a request asks many times, asked once (cesiq_site/request_memo.py).
        request_memo.memoize_wagtail_lookups()
        # ...and what every request reads the same way, once per process (render_cache.py).
        render_cache.share_wagtail_lookups()
        for name, signal in [
            ("post_save", post_save),
            ("post_delete", post_delete),
            ("published", page_published),
            ("unpublished", page_unpublished),
            ("moved", post_page_move),
        ]:
            signal.connect(forget_memo, dispatch_uid=f"request_memo:{name}")
