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
- the funders' report (Rapports > Rapport aux bailleurs de fonds, reports/views.py): the
  "Administration" group and whoever has `orders.view_order`;
- site settings: `home.change_sitesettings`; order settings: `orders.change_ordersettings`;
- themes and venues (snippets): `events.add_theme`, `change_theme`, `view_theme`… ; with
  drafts and the workflow (home/snippets.py), publishing one is `publish_theme` and locking
  `lock_theme` / `unlock_theme` (the same for venues, and for `shop.producer`).
- the organisations of the network (Réseau, snippets with drafts and moderation):
  `network.add_memberorganisation`, `change_`, `publish_`, `lock_`, `unlock_memberorganisation`.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured

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
            # Themes and venues are drafts until published, like pages (home/snippets.py).
            "events": [
                "add_theme",
                "change_theme",
                "view_theme",
                "publish_theme",
                "lock_theme",
                "unlock_theme",
                "add_venue",
                "change_venue",
                "view_venue",
                "publish_venue",
                "lock_venue",
                "unlock_venue",
            ],
            # The organisations of the network (snippets with drafts, locking and moderation):
            # editors add, edit, publish and lock them; deleting one stays with the
            # administrators (unpublish it instead, or it comes back when its member pays).
            "network": [
                "add_memberorganisation",
                "change_memberorganisation",
                "view_memberorganisation",
                "publish_memberorganisation",
                "lock_memberorganisation",
                "unlock_memberorganisation",
            ],
            # Editors translate pages and snippets themselves (Wagtail's simple translation:
            # "Traduire" in a page's or snippet's menu creates the English copy to edit).
            "simple_translation": ["submit_translation"],
            # Redirects (Paramètres > Redirections) when a page moves or an old address dies.
            "wagtailredirects": [
                "add_redirect",
                "change_redirect",
                "delete_redirect",
                "view_redirect",
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
    # The shop team reads orders, and makes discount codes. For now that means every order: the shop
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
            # Its own promotions too: discount codes (« Boutique seulement » or not).
            "orders": [
                "view_order",
                "view_discountcode",
                "add_discountcode",
                "change_discountcode",
            ],
            "shop": [
                "view_fulfilment",
                "change_fulfilment",
                "view_stockadjustment",
                "add_stockadjustment",
                # The producers the shop buys from (Fragments > Producteurs), drafts until
                # published (home/snippets.py).
                "add_producer",
                "change_producer",
                "view_producer",
                "publish_producer",
                "lock_producer",
                "unlock_producer",
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

# The moderation workflow: who approves what editors submit ("Approbation de la coordination").
WORKFLOW_NAME = "Approbation de la coordination"
WORKFLOW_TASK_NAME = "Approbation"
WAGTAIL_DEFAULT_WORKFLOW = "Moderators approval"  # what Wagtail's migrations create
APPROVERS = ["Administration"]


def permissions_of(by_app):
    """The Permission rows for {app_label: [codename, …]}; a misspelt one is an error."""
    found = []
    for app, codenames in by_app.items():
        for codename in codenames:
            matches = list(
                Permission.objects.filter(content_type__app_label=app, codename=codename)
            )
            if len(matches) != 1:
                raise ImproperlyConfigured(f"Permission inconnue ou ambiguë : {app}.{codename}")
            found.extend(matches)
    return found


def apply_teams(names=None):
    """Create each staff group and give it exactly the permissions `TEAMS` lists (anything
    else is taken away), then make the approvers the moderation workflow's reviewers.

    Run by `manage.py setup_staff_groups` on a real site and by `seed_demo`; running it again
    gives the same result."""
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model
    from wagtail.models import (
        Collection,
        GroupCollectionPermission,
        GroupPagePermission,
        Page,
    )

    root_page = Page.get_first_root_node()
    root_collection = Collection.get_first_root_node()
    # Wagtail's starter groups overlap ours; ours say what each team does.
    Group.objects.filter(name__in=["Editors", "Moderators"], user__isnull=True).delete()
    page_type = ContentType.objects.get_for_model(Page)
    collection_types = [
        ContentType.objects.get_for_model(model)
        for model in (get_image_model(), get_document_model(), Collection)
    ]
    for name in names or TEAMS:
        team = TEAMS[name]
        group, _created = Group.objects.get_or_create(name=name)
        if team.everything:
            model_perms = Permission.objects.all()
            page_perms = Permission.objects.filter(content_type=page_type)
            collection_perms = Permission.objects.filter(content_type__in=collection_types)
        else:
            model_perms = permissions_of(team.model)
            page_perms = permissions_of({"wagtailcore": team.pages})
            collection_perms = permissions_of(team.collections)
        group.permissions.set(model_perms)
        GroupPagePermission.objects.filter(group=group).exclude(
            page=root_page, permission__in=page_perms
        ).delete()
        for permission in page_perms:
            GroupPagePermission.objects.get_or_create(
                group=group, page=root_page, permission=permission
            )
        GroupCollectionPermission.objects.filter(group=group).exclude(
            collection=root_collection, permission__in=collection_perms
        ).delete()
        for permission in collection_perms:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=permission
            )
    setup_workflow(Group.objects.filter(name__in=APPROVERS), root_page)


# The snippets that go through the same workflow as pages, as bakerydemo assigns its workflow
# to its snippets (Paramètres > Processus de validation lists them under the workflow).
WORKFLOW_SNIPPETS = [
    "events.theme",
    "events.venue",
    "shop.producer",
    "network.memberorganisation",
]


def setup_workflow(approvers, root_page):
    """One moderation workflow, named in French, for the whole tree and for the editorial
    snippets (themes, venues, producers, the network's organisations): editors may "Soumettre
    à Approbation de la coordination" and the approvers approve or ask for changes."""
    from django.apps import apps
    from wagtail.models import (
        GroupApprovalTask,
        Workflow,
        WorkflowContentType,
        WorkflowPage,
        WorkflowTask,
    )

    workflow = (
        Workflow.objects.filter(name=WORKFLOW_NAME).first()
        or Workflow.objects.filter(name=WAGTAIL_DEFAULT_WORKFLOW).first()
        or Workflow(active=True)
    )
    workflow.name = WORKFLOW_NAME
    workflow.save()
    link = workflow.workflow_tasks.select_related("task").first()
    task = link.task.specific if link else None
    if not isinstance(task, GroupApprovalTask):
        task = GroupApprovalTask.objects.create(name=WORKFLOW_TASK_NAME, active=True)
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    task.name = WORKFLOW_TASK_NAME
    task.save()
    task.groups.set(approvers)
    WorkflowPage.objects.update_or_create(page=root_page, defaults={"workflow": workflow})
    for label in WORKFLOW_SNIPPETS:
        content_type = ContentType.objects.get_for_model(apps.get_model(label))
        WorkflowContentType.objects.update_or_create(
            content_type=content_type, defaults={"workflow": workflow}
        )
