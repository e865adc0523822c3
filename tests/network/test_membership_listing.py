"""An organisation that pays its membership online (orders, the fake Stripe over HTTP, a signed
webhook) appears in the network's directory by itself, in French and, until an editor
translates it, in French on the English directory too; when its membership runs out it
disappears from both, without being deleted, and comes back when it renews."""

from datetime import timedelta

import pytest
from django.utils import timezone

from network.models import MemberOrganisation
from network.services import listing_for
from tests.network.test_directory import EN, FR, names

pytestmark = pytest.mark.django_db


def test_paying_an_organisational_membership_lists_the_organisation(client, join, organisation):
    order = join(organisation, organisation="Solidarité Limoilou", email="info@limoilou.example")
    entry = MemberOrganisation.objects.get(member__email="info@limoilou.example")
    assert entry.name == "Solidarité Limoilou"
    assert entry.slug == "solidarite-limoilou"
    assert entry.locale.language_code == "fr"
    assert entry.live and entry.live_revision is not None
    assert order.lines.get().membership_period is not None
    assert "Solidarité Limoilou" in names(client.get(FR))
    page = client.get(FR + "solidarite-limoilou/")
    assert page.status_code == 200
    # The form asked no region: none is said (it read « Capitale-Nationale »), and the
    # region filters do not find it until an editor gives one.
    assert entry.region == ""
    assert 'class="lead"' not in page.content.decode()
    assert "Solidarité Limoilou" not in names(client.get(FR + "?region=capitale-nationale"))
    # The English directory shows it (in French) until an editor translates it.
    assert "Solidarité Limoilou" in names(client.get(EN))
    assert client.get(EN + "solidarite-limoilou/").status_code == 200

    # The year runs out: gone from both directories, kept for when it renews.
    period = entry.member.periods.get()
    period.end = timezone.localdate() - timedelta(days=1)
    period.start = period.end - timedelta(days=364)
    period.save()
    assert "Solidarité Limoilou" not in names(client.get(FR))
    assert "Solidarité Limoilou" not in names(client.get(EN))
    assert client.get(FR + "solidarite-limoilou/").status_code == 404
    assert MemberOrganisation.objects.filter(pk=entry.pk).exists()

    # Renewing shows the same entry again (not a second one).
    join(organisation, organisation="Solidarité Limoilou", email="info@limoilou.example")
    assert MemberOrganisation.objects.filter(member=entry.member).count() == 1
    assert "Solidarité Limoilou" in names(client.get(FR))


def test_an_individual_membership_lists_nobody(client, join, individual):
    before = MemberOrganisation.objects.count()
    join(individual)
    assert MemberOrganisation.objects.count() == before


def test_an_entry_an_editor_unpublished_stays_unpublished_on_renewal(client, join, organisation):
    join(organisation, organisation="Collectif du Vieux-Port", email="vp@example.org")
    entry = MemberOrganisation.objects.get(member__email="vp@example.org")
    entry.unpublish()
    join(organisation, organisation="Collectif du Vieux-Port", email="vp@example.org")
    entry.refresh_from_db()
    assert not entry.live
    assert "Collectif du Vieux-Port" not in names(client.get(FR))


def test_two_members_with_the_same_name_get_their_own_address(demo_site):
    from memberships.models import Member

    first = Member.objects.create(
        kind="organisation", name="A", organisation="CAPMO", email="a@x.org"
    )
    entry = listing_for(first)
    # "capmo" is the demo's CAPMO already: the new entry gets its own address.
    assert entry.slug == "capmo-2"
