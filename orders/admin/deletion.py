"""A page whose things were sold is never deleted: its orders name them (a ticket type, a
product's variant, the gift page itself), and their pages, emails and reports read them. Deleting
« Tablette de chocolat au lait » after a sale made its buyer's order page fail; deleting an
activity with registrations failed with Django's error page. Nor is a page that other records
must keep (Django's PROTECT): a shop order to be picked up at one of an activity's dates, a
newsletter issue already sent. Deleting those failed with Django's error page too. Staff
unpublish such a page instead: it leaves the site, and every order stays whole."""

from django.apps import apps
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import router
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.models import Page

from ..models import OrderLine
from ..purchasable import Purchasable


def _page_field(model):
    """The name of `model`'s link to the page it belongs to (a ticket type's activity), or
    None."""
    for field in model._meta.get_fields():
        target = getattr(field, "related_model", None)
        if field.many_to_one and target is not None and issubclass(target, Page):
            return field.name
    return None


def _protected(pages):
    """Whether deleting `pages` (their rows, and what Django deletes with them: an activity's
    dates, a product's variants) would hit a record that protects them."""
    collector = Collector(using=router.db_for_write(Page))
    try:
        collector.collect(pages)
    except (ProtectedError, RestrictedError):
        return True
    return False


def kept_pages(pages):
    """Of `pages` and the pages under them, those that must stay: something an order line names
    (order lines name what they sold by content type and id, which Django cannot see), or a
    record that protects them or their parts."""
    ids = set()
    for page in pages:
        ids.update(page.get_descendants(inclusive=True).values_list("pk", flat=True))
    kept = _sold(ids)
    tree = list(Page.objects.filter(pk__in=ids - kept))
    if _protected(tree):  # one pass for the whole tree; page by page only to name them
        kept.update(page.pk for page in tree if _protected([page]))
    return list(Page.objects.filter(pk__in=kept).order_by("path"))


def _sold(ids):
    sold = set()
    for model in apps.get_models():
        if not issubclass(model, Purchasable):
            continue
        bought = OrderLine.objects.filter(
            content_type=ContentType.objects.get_for_model(model)
        ).values("object_id")
        if issubclass(model, Page):
            sold.update(
                model.objects.filter(pk__in=ids).filter(pk__in=bought).values_list("pk", flat=True)
            )
        elif field := _page_field(model):
            sold.update(
                model.objects.filter(**{f"{field}__in": ids}, pk__in=bought).values_list(
                    field, flat=True
                )
            )
    return sold


SHOWN = 5  # titles named in the message; the others are counted


def refuse_deleting_kept_pages(request, pages, back_to):
    """A redirection to `back_to` saying why, when any of `pages` (or under them) must stay;
    None otherwise."""
    kept = kept_pages(pages)
    if not kept:
        return None
    titles = ", ".join(
        _("« %(title)s »") % {"title": page.get_admin_display_title()} for page in kept[:SHOWN]
    )
    if len(kept) > SHOWN:
        titles = ngettext(
            "%(titles)s et %(count)s autre page",
            "%(titles)s et %(count)s autres pages",
            len(kept) - SHOWN,
        ) % {"titles": titles, "count": len(kept) - SHOWN}
    messages.error(
        request,
        _(
            "Suppression refusée : des commandes ou des envois renvoient à %(titles)s "
            "(inscriptions, achats, dons, retraits en boutique, infolettres envoyées). "
            "Dépubliez plutôt : la page quitte le site, et chaque commande reste lisible."
        )
        % {"titles": titles},
    )
    return redirect(back_to)


def before_delete_page(request, page):
    back_to = get_valid_next_url_from_request(request) or _explore(page.get_parent() or page)
    return refuse_deleting_kept_pages(request, [page], back_to)


def before_bulk_delete(request, action_type, objects, action):
    if action_type != "delete":
        return None
    pages = [page for page in objects if isinstance(page, Page)]
    if not pages:
        return None
    back_to = get_valid_next_url_from_request(request) or _explore(pages[0].get_parent())
    return refuse_deleting_kept_pages(request, pages, back_to)


def _explore(page):
    from django.urls import reverse

    return reverse("wagtailadmin_explore", args=[page.pk])
