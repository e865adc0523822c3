"""A page whose things were sold is never deleted: its orders name them (a ticket type, a
product's variant, the gift page itself), and their pages, emails and reports read them. Deleting
« Tablette de chocolat au lait » after a sale made its buyer's order page fail; deleting an
activity with registrations failed with Django's error page. Staff unpublish such a page
instead: it leaves the site, and every order stays whole."""

from django.apps import apps
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import redirect
from django.utils.translation import gettext as _
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


def sold_pages(pages):
    """Of `pages` and the pages under them, those with something an order line names."""
    ids = set()
    for page in pages:
        ids.update(page.get_descendants(inclusive=True).values_list("pk", flat=True))
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
    return list(Page.objects.filter(pk__in=sold).order_by("path"))


def refuse_deleting_sold_pages(request, pages, back_to):
    """A redirection to `back_to` saying why, when any of `pages` (or under them) sold
    something; None otherwise."""
    sold = sold_pages(pages)
    if not sold:
        return None
    titles = ", ".join(f"« {page.get_admin_display_title()} »" for page in sold[:5])
    messages.error(
        request,
        _(
            "Suppression refusée : des commandes renvoient à %(titles)s (inscriptions, achats "
            "ou dons). Dépubliez plutôt : la page quitte le site, et chaque commande reste "
            "lisible."
        )
        % {"titles": titles},
    )
    return redirect(back_to)


def before_delete_page(request, page):
    back_to = get_valid_next_url_from_request(request) or _explore(page.get_parent() or page)
    return refuse_deleting_sold_pages(request, [page], back_to)


def before_bulk_delete(request, action_type, objects, action):
    if action_type != "delete":
        return None
    pages = [page for page in objects if isinstance(page, Page)]
    if not pages:
        return None
    return refuse_deleting_sold_pages(
        request, pages, request.GET.get("next") or _explore(pages[0].get_parent())
    )


def _explore(page):
    from django.urls import reverse

    return reverse("wagtailadmin_explore", args=[page.pk])
