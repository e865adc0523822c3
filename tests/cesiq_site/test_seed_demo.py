import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from wagtail.models import Page, Revision, Site

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "pages": sorted(Page.objects.values_list("locale__language_code", "url_path", "title")),
        "sites": list(Site.objects.values_list("hostname", "root_page__slug")),
        "groups": sorted(Group.objects.values_list("name", flat=True)),
        "users": sorted(get_user_model().objects.values_list("username", flat=True)),
    }


def test_seed_demo_is_idempotent(demo_site):
    first = snapshot()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == first
    assert first["groups"] == ["Administration", "Billetterie", "Boutique", "Rédaction"]
    assert ("fr", "/accueil/mission/", "Notre mission") in first["pages"]
    assert ("en", "/home/mission/", "Our mission") in first["pages"]
    # Wagtail's starter page is gone; every page of ours is live, but the annual report,
    # scheduled to go live next week (devtools/demo/editorial.py).
    assert not Page.objects.filter(title__startswith="Welcome").exists()
    unpublished = Page.objects.filter(depth__gt=1, live=False)
    assert [page.slug for page in unpublished] == ["rapport-annuel"]
    assert unpublished.get().scheduled_revision is not None
    assert Revision.objects.exists()


def test_demo_admin_can_log_in(client, demo_site):
    assert client.login(username="admin", password="changeme")
    response = client.get("/admin/")
    assert response.status_code == 200


def test_admin_login_page_is_served(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


def test_editor_group_can_edit_pages_but_is_not_a_superuser(demo_site):
    from wagtail.models import GroupPagePermission

    editors = Group.objects.get(name="Rédaction")
    codenames = set(
        GroupPagePermission.objects.filter(group=editors).values_list(
            "permission__codename", flat=True
        )
    )
    assert {"add_page", "change_page", "publish_page"} <= codenames


def index_rows():
    """Wagtail's search index and reference index, as sets of rows without their ids. The
    tree's root, which Wagtail's migration creates without indexing it (nothing saves it
    again), is left out: a full rebuild adds it."""
    from wagtail.models import ReferenceIndex
    from wagtail.search.models import IndexEntry

    root = ContentType.objects.get_for_model(Page).pk, str(Page.get_first_root_node().pk)
    return (
        {
            row
            for row in IndexEntry.objects.values_list(
                "content_type_id", "object_id", "title_text", "body_text"
            )
            if row[:2] != root
        },
        set(
            ReferenceIndex.objects.values_list(
                "content_type_id", "object_id", "to_content_type_id", "to_object_id", "content_path"
            )
        ),
    )


def test_the_seed_leaves_the_indexes_as_a_full_rebuild_would(demo_site):
    """The seed indexes only what it saved, once, at the end (devtools/indexing.py): the same
    rows as rebuilding both indexes from scratch, for every page, image and snippet."""
    search, references = index_rows()
    assert len(search) > 100 and len(references) > 100
    call_command("update_index", verbosity=0)
    call_command("rebuild_references_index", verbosity=0)
    assert index_rows() == (search, references)


def test_pages_added_and_removed_in_one_go_are_indexed_as_a_rebuild_would(demo_site):
    from devtools.indexing import indexes_updated_at_the_end
    from events.models import EventDate, EventIndexPage, EventPage

    index = EventIndexPage.objects.get(locale__language_code="fr")
    gone = EventPage.objects.filter(locale__language_code="fr").first()
    with indexes_updated_at_the_end():
        page = EventPage(
            title="Atelier ajouté",
            slug="atelier-ajoute",
            summary="Ajouté.",
            audience=gone.audience,
            format=gone.format,
        )
        page.dates.add(EventDate(start=gone.dates.first().start, end=gone.dates.first().end))
        index.add_child(instance=page)
        gone.delete()
    search, references = index_rows()
    assert any("Atelier ajouté" in title for _type, _id, title, _body in search)
    call_command("update_index", verbosity=0)
    call_command("rebuild_references_index", verbosity=0)
    assert index_rows() == (search, references)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/activites/atelier-consommation-equitable/", "Nous joindre"),
        ("/en/activities/atelier-consommation-equitable/", "Contact us"),
    ],
)
def test_an_activitys_access_note_links_to_the_contact_page(client, demo_site, url, name):
    """The demo activities' note on access named « la page Contact », which the menu calls
    « Nous joindre », with no link: it links to it, in each language."""
    from bs4 import BeautifulSoup

    main = BeautifulSoup(client.get(url).content, "html.parser").find("main")
    link = main.find("a", string=name, href=True)  # in the page's text, not the menu
    assert link is not None
    assert client.get(link["href"]).status_code == 200
