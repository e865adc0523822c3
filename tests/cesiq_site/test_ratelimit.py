"""Rate limits per client on registration, the waiting list and search: what the limited
visitor sees, who counts as the same client, and that the limits still hold when the shared
cache (Redis) cannot be reached."""

from unittest import mock

import pytest
from bs4 import BeautifulSoup
from django.test import RequestFactory

from cesiq_site import ratelimit
from events.models import EventPage, WaitingListEntry
from orders.models import Order
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db

UNREACHABLE_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    },
}


@pytest.fixture
def talk(demo_site):
    return EventPage.objects.get(slug="conference-justice-climatique", locale__language_code="fr")


@pytest.fixture
def ten_posts(settings):
    """Ten POSTs per client in ten minutes, so that refused forms show the limit quickly."""
    settings.RATE_LIMITS = {"posts": (10, 600)}


def refused_registration(client, talk, **extra):
    """A POST the form refuses (no ticket chosen): it counts against the "posts" limit."""
    return client.post(talk.url + "inscription/", registration_data(talk), **extra)


def registration(talk, n):
    ticket = talk.ticket_types.get()
    return registration_data(talk, buyer_email=f"p{n}@example.org", **{f"quantity_{ticket.pk}": 1})


def test_mistakes_corrected_do_not_stop_a_person_but_a_flood_of_posts_does(client, talk):
    for _ in range(20):
        assert refused_registration(client, talk).status_code == 400
    assert client.post(talk.url + "inscription/", registration(talk, 0)).status_code == 302
    for _ in range(29):
        assert refused_registration(client, talk).status_code == 400
    response = refused_registration(client, talk)  # the 51st POST in ten minutes
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    text = BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)
    assert "Trop de demandes sont venues de votre connexion en peu de temps." in text
    assert "Rien n'a été enregistré." in text
    assert "Si vous inscrivez un groupe, une seule inscription peut compter" in text


def test_the_eleventh_registration_in_ten_minutes_gets_a_429(client, talk, fake_stripe):
    training = EventPage.objects.get(
        slug="formation-citoyennete-mondiale", locale__language_code="fr"
    )
    register = training.url + "inscription/"
    assert client.post(register, registration(training, 0)).status_code == 302
    # The same form from new sessions: valid, refused by the hold cap (one unpaid order per
    # address and date), and counted.
    for _ in range(9):
        client.cookies.clear()
        assert client.post(register, registration(training, 0)).status_code == 400
    assert Order.objects.filter(buyer_email="p0@example.org").count() == 1
    response = client.post(talk.url + "inscription/", registration(talk, 10))
    assert response.status_code == 429
    assert "Rien n'a été enregistré." in response.content.decode()
    assert not Order.objects.filter(buyer_email="p10@example.org").exists()
    # Someone else is not limited, and reading the page stays possible.
    other = client.post(
        talk.url + "inscription/", registration(talk, 11), REMOTE_ADDR="198.51.100.7"
    )
    assert other.status_code == 302
    assert client.get(talk.url + "inscription/").status_code == 200


def test_trying_codes_on_the_registration_form_is_limited(client, talk):
    """The form shows hidden ticket types for a good code: twenty codes tried in ten
    minutes, then a 429; the form without a code stays open."""
    url = talk.url + "inscription/"
    for n in range(20):
        assert client.get(url, {"code": f"ESSAI{n}"}).status_code == 200
    assert client.get(url, {"code": "PARTENAIRE"}).status_code == 429
    data = registration_data(talk, discount_code="ESSAI99")
    assert client.post(url, data).status_code == 429
    assert client.get(url).status_code == 200


def test_the_limit_page_speaks_english_on_the_english_site(client, talk, ten_posts):
    from wagtail.models import Locale

    english = talk.get_translation(Locale.objects.get(language_code="en"))
    for _ in range(10):
        client.post(english.url + "inscription/", registration_data(talk))
    response = client.post(english.url + "inscription/", registration_data(talk))
    assert response.status_code == 429
    assert "Too many requests came from your connection" in response.content.decode()


def test_waiting_list_joins_are_limited(client, demo_site, ten_posts):
    full = EventPage.objects.get(slug="atelier-produits-menagers", locale__language_code="fr")
    url = full.url + "liste-attente/"
    for _ in range(10):
        assert client.post(url, {"places": 1}).status_code == 400
    assert client.post(url, {"places": 1}).status_code == 429
    assert not WaitingListEntry.objects.filter(email="awa@example.org").exists()


def test_searches_are_limited_but_the_empty_search_page_is_not(client, demo_site):
    # The clock stands still in the middle of a window: 61 searches on a slow machine would
    # otherwise straddle two windows, and the 61st would be counted afresh.
    with mock.patch("cesiq_site.ratelimit.time") as clock:
        clock.time.return_value = 3_600_000 + 30
        for _ in range(60):
            assert client.get("/recherche/", {"q": "climat"}).status_code == 200
        assert client.get("/recherche/", {"q": "climat"}).status_code == 429
        assert client.get("/recherche/").status_code == 200


def test_limits_hold_with_the_shared_cache_unreachable(client, talk, settings, caplog, ten_posts):
    """Redis down: the site answers, and each process keeps counting on its own."""
    settings.CACHES = UNREACHABLE_REDIS
    settings.RATE_LIMIT_CACHE = "ratelimit"
    for _ in range(10):
        assert refused_registration(client, talk).status_code == 400
    assert refused_registration(client, talk).status_code == 429
    assert "counting per process" in caplog.text


def test_the_shared_count_is_what_other_processes_see(client, talk, ten_posts):
    """With the cache up, a request served by another process (which has no local count)
    is still counted with the others."""
    for _ in range(10):
        ratelimit.reset(local_only=True)
        assert refused_registration(client, talk).status_code == 400
    ratelimit.reset(local_only=True)
    assert refused_registration(client, talk).status_code == 429


def test_a_forwarded_address_counts_only_behind_a_configured_proxy(
    client, talk, settings, ten_posts
):
    # No proxy configured: the header is the client's own words, and changes nothing.
    for n in range(10):
        forwarded = {"HTTP_X_FORWARDED_FOR": f"203.0.113.{n}"}
        assert refused_registration(client, talk, **forwarded).status_code == 400
    forwarded = {"HTTP_X_FORWARDED_FOR": "203.0.113.99"}
    assert refused_registration(client, talk, **forwarded).status_code == 429

    # Behind one proxy writing X-Forwarded-For: the address it appended is the client.
    ratelimit.reset()
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        # The client sends a made-up address first; the proxy appends the real one.
        forwarded = {"HTTP_X_FORWARDED_FOR": f"10.0.0.{n}, 203.0.113.5"}
        assert refused_registration(client, talk, **forwarded).status_code == 400
    forwarded = {"HTTP_X_FORWARDED_FOR": "10.9.9.9, 203.0.113.5"}
    assert refused_registration(client, talk, **forwarded).status_code == 429
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.6"}
    assert refused_registration(client, talk, **other).status_code == 400


@pytest.mark.parametrize(
    ("address", "client"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),  # same home, same limit
        ("::ffff:192.0.2.10", "192.0.2.10"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_who_counts_as_one_client(address, client):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    assert ratelimit.client_address(request) == client
