"""schema.org data written as JSON-LD on every page (includes/structured_data.html): the
BreadcrumbList of the page's place in the tree, and the Organization on the home page. Events
(events.models.event_json_ld) and products (shop.catalogue.product_json_ld) write their own."""

import json

from django.templatetags.static import static
from django.utils.html import _json_script_escapes
from django.utils.translation import gettext
from wagtail.models import Page

from cesiq_site import seo


def dumps(data):
    """JSON safe to put inside <script type="application/ld+json">."""
    return json.dumps(data, ensure_ascii=False).translate(_json_script_escapes)


def breadcrumb_list(request, page, extra=None):
    """Home › … › the page (› `extra`, a (name, url) for a view routed below the page).
    None for the home page itself, which is no trail."""
    if not isinstance(page, Page):
        return None
    # The ancestors below the root as plain pages (a title and an address is all a crumb
    # needs), then the page itself.
    ancestors = [p for p in seo.ancestors(page) if p.depth >= 2]
    trail = [*ancestors, page] if page.depth >= 2 else []
    items = []
    for position, crumb in enumerate(trail, start=1):
        path = seo.page_path(crumb, request)
        if path is None:
            return None
        name = gettext("Accueil") if crumb.depth == 2 else crumb.title
        items.append(
            {
                "@type": "ListItem",
                "position": position,
                "name": name,
                "item": request.build_absolute_uri(path),
            }
        )
    if extra:
        name, url = extra
        items.append({"@type": "ListItem", "position": len(items) + 1, "name": name, "item": url})
    if len(items) < 2:
        return None
    return {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items}


def organization(request, site_settings, home):
    """The organisation behind the site, from Paramètres du site."""
    url = request.build_absolute_uri(seo.page_path(home, request) or "/")
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": request.build_absolute_uri("/#organisation"),
        "name": site_settings.organisation_name,
        "alternateName": "CÉSIQ",
        "url": url,
        "logo": request.build_absolute_uri(static("img/logo.svg")),
    }
    lines = [line.strip() for line in site_settings.street_address.splitlines() if line.strip()]
    address = {"@type": "PostalAddress"}
    if lines:
        address["streetAddress"] = ", ".join(lines)
    if site_settings.address_locality:
        address["addressLocality"] = site_settings.address_locality
    if site_settings.postal_code:
        address["postalCode"] = site_settings.postal_code
    data["address"] = {**address, "addressRegion": "QC", "addressCountry": "CA"}
    contact = {"@type": "ContactPoint", "contactType": "customer service"}
    if site_settings.email:
        data["email"] = contact["email"] = site_settings.email
    if site_settings.phone:
        data["telephone"] = contact["telephone"] = site_settings.phone
    if len(contact) > 2:
        contact["availableLanguage"] = ["fr", "en"]
        contact["areaServed"] = "CA"
        data["contactPoint"] = [contact]
    same_as = [url for _name, url in site_settings.social_links()]
    if same_as:
        data["sameAs"] = same_as
    return data
