"""Who may do what in the back-office, team by team, in one place.

`seed_demo` makes each staff group hold exactly these permissions (anything else is taken away),
and tests/home/test_permissions.py checks what each team then sees and reaches in the admin.

Three kinds of permission, as Wagtail has them:

- `model`: Django permissions, by app label then codename (`orders.view_order`…);
- `pages`: page permissions on the root of the page tree, so on every page of every locale;
- `collections`: image and document permissions on the root collection, so on every collection.

Access to the Wagtail admin is `wagtailadmin.access_admin`; nobody here gets `is_staff` (that
flag opens Django's own admin at /django-admin/, kept for the superuser) nor `is_superuser`.

What the admin views check (see orders/admin/ and events/admin/permissions.py):

- the orders listing and an order's detail: `orders.view_order`; its internal note and the
  actions (refund, resend the confirmation, cancel): `orders.change_order` (nobody adds or
  deletes an order by hand, not even a superuser);
- discount codes: `orders.view_discountcode`, `add_`, `change_`, `delete_discountcode`;
- an activity's dates (and cancelling or postponing one, with refunds): `orders.change_order`;
- a date's attendees, exports and sign-in sheet: `events.view_attendee`; the door (check-in)
  and writing to attendees: `events.change_attendee`;
- the shop's orders to prepare, pick list and packing slips: `shop.view_fulfilment`; moving
  an order's preparation forward and taking back units of a line (refunded, restocked):
  `shop.change_fulfilment`; the stock: `shop.view_stockadjustment`, adjusting it:
  `shop.add_stockadjustment` (shop/admin/permissions.py);
- school workshop bookings ("Animations scolaires"): `schools.view_workshopbooking`; proposing a
  date, invoicing and cancelling: `schools.change_workshopbooking`; recording a cheque or a
  transfer: `schools.add_invoicepayment`; reversing a recorded payment:
  `schools.reverse_invoicepayment` (administrators only);
- the Law 25 screens: superusers and the "Administration" group (orders/admin/privacy.py);
- site settings: `home.change_sitesettings`; order settings: `orders.change_ordersettings`;
- themes and venues (snippets): `events.add_theme`, `change_theme`, `view_theme`… .
"""

from dataclasses import dataclass, field

ADMIN_ACCESS = {"wagtailadmin": ["access_admin"]}


@dataclass(frozen=True)
class Team:
    """The permissions of one staff group. `everything` gives every permission there is."""

    model: dict[str, list[str]] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)
    collections: dict[str, list[str]] = field(default_factory=dict)
    everything: bool = False


EDITING_PAGES = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]

TEAMS = {
    # Editors publish pages, activities, images and documents. They never see orders,
    # attendees, the waiting list or the settings (personal data and money stay with the
    # teams that need them).
    "Rédaction": Team(
        model={
            **ADMIN_ACCESS,
            "events": [
                "add_theme",
                "change_theme",
                "view_theme",
                "add_venue",
                "change_venue",
                "view_venue",
            ],
            # Promoted search results (Paramètres > Résultats de recherche mis en avant).
            "wagtailsearchpromotions": [
                "add_searchpromotion",
                "change_searchpromotion",
                "delete_searchpromotion",
                "view_searchpromotion",
            ],
        },
        pages=EDITING_PAGES,
        collections={
            "wagtailimages": ["add_image", "change_image", "choose_image"],
            "wagtaildocs": ["add_document", "change_document", "choose_document"],
        },
    ),
    # Ticketing reads and annotates orders (refunds and date actions come with
    # `change_order`), manages discount codes, sees attendees and checks them in, and sees the
    # waiting list. No page permission: the page explorer stays hidden from them; no settings.
    "Billetterie": Team(
        model={
            **ADMIN_ACCESS,
            "orders": [
                "view_order",
                "change_order",
                "view_discountcode",
                "add_discountcode",
                "change_discountcode",
            ],
            "events": ["view_attendee", "change_attendee", "view_waitinglistentry"],
            # School workshop bookings: propose, invoice, cancel, record a cheque or a
            # transfer. Reversing a recorded payment stays with the administrators.
            "schools": ["view_workshopbooking", "change_workshopbooking", "add_invoicepayment"],
        },
    ),
    # The shop team reads orders and discount codes. For now that means every order: the shop
    # issue will narrow their listing to shop orders. They do not get `change_order` yet,
    # because the activity date management (cancel or postpone a date, refunding everyone)
    # requires exactly that permission (events/admin/permissions.py); once date management asks
    # for `events.change_attendee` instead, the shop team may get `change_order` back for its
    # own orders' internal notes and refunds.
    # The shop team also prepares shop orders (each step told to the buyer), takes back units
    # of a line (refunded and restocked), and keeps the stock with its adjustments (shop/admin/).
    "Boutique": Team(
        model={
            **ADMIN_ACCESS,
            "orders": ["view_order", "view_discountcode"],
            "shop": [
                "view_fulfilment",
                "change_fulfilment",
                "view_stockadjustment",
                "add_stockadjustment",
            ],
        },
    ),
    # The administrators hold every permission there is, on every page and collection, but are
    # not superusers: that flag stays with the single `admin` account.
    "Administration": Team(everything=True),
}

# One demo account per team (demo mode only: the password is printed by `make run`).
DEMO_USERS = {
    "redaction": "Rédaction",
    "billetterie": "Billetterie",
    "boutique": "Boutique",
    "administration": "Administration",
}
DEMO_EMAIL_DOMAIN = "demo.cesiq.example"
