import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import Locale

from events.models import EventPage


@pytest.fixture
def activity(demo_site):
    """The demo's paid workshop: two ticket types, two dates of 20 places."""
    return EventPage.objects.get(slug="atelier-consommation-equitable", locale__language_code="fr")


@pytest.fixture
def free_activity(demo_site):
    return EventPage.objects.get(slug="conference-justice-climatique", locale__language_code="fr")


@pytest.fixture
def english(activity):
    return activity.get_translation(Locale.objects.get(language_code="en")).specific


def registration_data(page, **overrides):
    date = page.source.upcoming_dates[0]
    data = {
        "date": date.pk,
        "buyer_name": "Awa Diallo",
        "buyer_email": "awa@example.org",
        "consent": "on",
        "website": "",
        "discount_code": "",
    }
    for ticket in page.source.ticket_types.all():
        data[f"quantity_{ticket.pk}"] = 0
    # Names, one a line (as tests wrote them before there was one field per ticket): one
    # `attendee_<n>_name` field each, as the form has them.
    names = overrides.pop("attendee_names", "")
    for number, name in enumerate([n for n in names.splitlines() if n.strip()], start=1):
        data[f"attendee_{number}_name"] = name
    data.update(overrides)
    if page.source.attendee_names == "required":
        # An activity that asks everyone's name: a name for each ticket not named above.
        wanted = sum(int(v or 0) for k, v in data.items() if k.startswith("quantity_"))
        for number in range(1, wanted + 1):
            data.setdefault(f"attendee_{number}_name", f"Personne {number}")
    return data


def follow_confirmation_link(client, order, capture):
    """The registrant of an activity that asks for it opens the link emailed to them and
    confirms (GET shows the button, POST confirms)."""
    import re

    from django.core import mail

    [message] = [m for m in mail.outbox if m.to == [order.buyer_email] and order.code in m.subject][
        -1:
    ]
    url = re.search(r"https?://\S+/(confirmer|confirm)/[0-9a-f]+/", message.body)
    path = url.group(0).replace("http://testserver", "")
    assert client.get(path).status_code == 200
    with capture(execute=True):
        response = client.post(path)
    assert response.status_code == 302, response.content.decode()[:1000]
    order.refresh_from_db()
    return order


# --- staff (the admin's activity dates) ---------------------------------------------------------


@pytest.fixture
def director(django_user_model):
    return django_user_model.objects.create_superuser(
        "direction-dates", "direction-dates@example.org", "pw"
    )


@pytest.fixture
def admin_client(client, director):
    client.force_login(director)
    return client


@pytest.fixture
def reception_client(client, django_user_model):
    """Staff who may use the admin (and even view orders) but not change orders."""
    group = Group.objects.create(name="Accueil (dates)")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_order"),
    )
    user = django_user_model.objects.create_user("accueil-dates", "accueil@example.org", "pw")
    user.is_staff = True
    user.save()
    user.groups.add(group)
    client.force_login(user)
    return client


def hold_places(page, places, **extra):
    """Places of the page's first date to come, held by an unpaid order (a paid ticket waits
    for Stripe): what registrations leave on an activity."""
    from events import services

    date = page.upcoming_dates[0]
    ticket = page.ticket_types.filter(hidden_until_code=False).order_by("pk").first()
    return services.register(
        page,
        date_id=date.pk,
        tickets=[(ticket, places, None)],
        buyer_name="Awa Diallo",
        buyer_email="awa@example.org",
        language="fr",
        **extra,
    )
