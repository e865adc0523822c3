"""The directory follows the memberships: an organisation whose membership is paid is listed
by itself, and shown only while it is a member (network/models.py `shown`)."""

import logging

from django.db import transaction
from django.utils.text import slugify
from wagtail.models import Locale

from .models import MemberOrganisation, NetworkDirectoryPage, visible_in

__all__ = ["list_new_member", "listing_for", "search_result", "visible_in"]

logger = logging.getLogger(__name__)


def unique_slug(name, locale):
    base = (slugify(name) or "organisation")[:70].strip("-") or "organisation"
    slug, n = base, 1
    while MemberOrganisation.objects.filter(slug=slug, locale=locale).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def listing_for(member):
    """The member's entry in the directory, created live in French the first time its
    membership is paid. Editors complete it (region, mission, logo, themes, English copy) in
    Extraits > Organisations du réseau; until there is an English copy, the English directory
    shows the French one. An entry an editor unpublished stays unpublished."""
    existing = MemberOrganisation.objects.filter(member=member).order_by("pk").first()
    if existing is not None:
        return existing
    locale = Locale.get_default()
    name = member.organisation or member.name
    organisation = MemberOrganisation(
        name=name,
        slug=unique_slug(name, locale),
        locale=locale,
        member=member,
        mission="",
        region="",  # not asked: editors give it (the directory shows none until then)
    )
    organisation.save()
    organisation.save_revision().publish()
    return organisation


def list_new_member(sender, member, period, **kwargs):
    """`memberships.signals.membership_recorded`, inside the payment's transaction. Listing
    is secondary to the payment: a failure here is logged and the payment goes on."""
    from memberships.models import MemberKind

    if member.kind != MemberKind.ORGANISATION:
        return
    try:
        with transaction.atomic():
            listing_for(member)
    except Exception:
        logger.exception("Organisation membre %s non ajoutée au répertoire", member.pk)


def search_result(organisation, locale):
    """(title, url, texts) of an organisation found by the site's search, linked through the
    directory of the visitor's language."""
    directory = NetworkDirectoryPage.objects.live().filter(locale=locale).first()
    return organisation.name, organisation.get_url(directory) or "", [organisation.mission]
