"""The page cache for anonymous visitors (cesiq_site/pagecache.py).

Public pages are stored and served again to visitors without a session; a visitor with a
cart, a message or a login never gets a stored page; a page with a form token is stored
without it, and each visitor gets a token of their own. Each change a page may show
(publishing, unpublishing, moving, deleting, translating a page; editing or publishing a
venue, theme or producer; an order placed, paid, cancelled or run out; places or stock
changed) shows on the very next request.
"""

import time
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.cache import cache
from django.middleware import csrf
from django.test import Client
from django.utils import timezone
from wagtail.models import Locale

from cesiq_site import pagecache, render_cache
from events.models import EventIndexPage, EventPage, Theme, Venue
from home.models import StandardPage
from orders import services
from orders.models import Order, OrderState
from orders.services import Selection
from shop.models import Producer
from tests.shop.conftest import variant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings, demo_site):
    settings.PAGE_CACHE_SECONDS = 300
    # As in production: the render cache on too (cesiq_site/render_cache.py), which a sale
    # does not empty (nothing it keeps says how many places are left).
    settings.RENDER_CACHE = True
    render_cache.clear()
    # The demo's pending orders hold their places for 30 minutes from the seed: a hold that
    # runs out during a test would end the stored pages' lifetime. Held all day instead.
    Order.objects.filter(state=OrderState.PENDING).update(
        expires_at=timezone.now() + timedelta(days=1)
    )
    cache.clear()
    yield
    render_cache.clear()
    cache.clear()


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def served_from_cache(client, url):
    get(client, url)
    return get(client, url)["X-Page-Cache"] == "hit"


def activity(slug="atelier-presque-complet"):
    return EventPage.objects.get(slug=slug, locale__language_code="fr")


def standard(slug="mission", language="fr"):
    return StandardPage.objects.get(slug=slug, locale__language_code=language)


def places_badge(client, page):
    html = BeautifulSoup(get(client, page.url).content, "html.parser")
    badge = html.select_one(".activity__dates .badge")
    return badge.get_text(strip=True) if badge else ""


def place(page, quantity, now=None, state=None, email="awa@example.org"):
    ticket = page.ticket_types.first()
    order = services.place_order(
        kind="tickets",
        buyer_name="Awa Diallo",
        buyer_email=email,
        language="fr",
        selections=[
            Selection(item=ticket, quantity=quantity, option=page.upcoming_dates[0]),
        ],
        now=now,
    )
    return order


# --- what is stored and for whom -----------------------------------------------------------------


def test_every_public_page_kind_is_served_from_the_cache(client):
    activities = EventIndexPage.objects.get(locale__language_code="fr").url
    urls = [
        "/",
        "/en/",
        standard().url,
        standard("partners", "en").url,
        activities,
        activities + "?vue=mois",
        activities + "?audience=adultes&vue=liste",
        activity().url,
        "/boutique/",
        "/boutique/?categorie=cafe&tri=prix",
        variant("CAF-PER-340").page.url,
    ]
    for url in urls:
        first = get(client, url)
        assert first["X-Page-Cache"] == "miss", url
        cache_control = first["Cache-Control"]
        assert "public" in cache_control and "s-maxage=" in cache_control, url
        second = get(client, url)
        assert second["X-Page-Cache"] == "hit", url
        assert second.content == first.content, url
        assert "public" in second["Cache-Control"], url


def test_the_filters_of_every_listing_are_stored_whatever_their_order(client):
    from network.models import NetworkDirectoryPage
    from news.models import NewsIndexPage
    from resources.models import ResourceIndexPage

    activities = EventIndexPage.objects.get(locale__language_code="fr").url
    news = NewsIndexPage.objects.get(locale__language_code="fr").url
    resources = ResourceIndexPage.objects.get(locale__language_code="fr").url
    network = NetworkDirectoryPage.objects.get(locale__language_code="fr").url
    for first, same in [
        (activities + "?audience=adultes&vue=liste", activities + "?vue=liste&audience=adultes"),
        (activities + "?vue=mois&mois=2027-01", activities + "?mois=2027-01&vue=mois"),
        (activities + "?page=1&audience=adultes", activities + "?audience=adultes&page=1"),
        ("/boutique/?categorie=cafe&tri=prix", "/boutique/?tri=prix&categorie=cafe"),
        (news + "?tag=climat&page=1", news + "?page=1&tag=climat"),
        (
            resources + "?audience=jeunesse&level=secondaire-1",
            resources + "?level=secondaire-1&audience=jeunesse",
        ),
        (
            network + "?region=capitale-nationale&theme=",
            network + "?theme=&region=capitale-nationale",
        ),
    ]:
        rendered = get(client, first)
        assert rendered.get("X-Page-Cache") == "miss", first
        again = get(client, same)
        assert again["X-Page-Cache"] == "hit", same
        assert again.content == rendered.content, same


def test_values_a_list_reads_as_something_else_are_never_stored(client):
    """?page=2x is read as page 1, ?audience=zz as no filter: each would keep a copy of the
    page under its own address."""
    from network.models import NetworkDirectoryPage
    from news.models import NewsIndexPage

    activities = EventIndexPage.objects.get(locale__language_code="fr").url
    news = NewsIndexPage.objects.get(locale__language_code="fr").url
    network = NetworkDirectoryPage.objects.get(locale__language_code="fr").url
    for url in [
        activities + "?page=1x",
        activities + "?page=999",
        activities + "?audience=zz",
        activities + "?vue=mois&mois=2027-13",
        "/boutique/?tri=zz",
        "/boutique/?page=-1",
        news + "?theme=pas-un-theme",
        news + "?tag=pas-une-etiquette",
        network + "?theme=x",
        network + "?region=nulle-part",
    ]:
        for _ in range(2):
            response = get(client, url)
            assert "X-Page-Cache" not in response, url
            assert "private" in response["Cache-Control"], url
    assert served_from_cache(client, activities + "?page=1")


def test_a_campaign_tag_is_served_the_page_everyone_gets(client):
    """A newsletter's link (?utm_source=…) is a hit, and no page repeats the tag."""
    activities = EventIndexPage.objects.get(locale__language_code="fr").url
    tagged = "?utm_source=infolettre&utm_medium=courriel&fbclid=IwAR0abc"
    first = get(client, activities)
    again = get(client, activities + tagged)
    assert again["X-Page-Cache"] == "hit"
    assert again.content == first.content
    # Rendered for the tagged link itself (nothing stored yet): the tags are gone.
    cache.clear()
    rendered = get(client, activities + "?audience=adultes&" + tagged[1:])
    assert rendered["X-Page-Cache"] == "miss"
    assert b"utm_" not in rendered.content and b"fbclid" not in rendered.content
    assert rendered.wsgi_request.GET.dict() == {"audience": "adultes"}
    assert get(client, activities + "?audience=adultes")["X-Page-Cache"] == "hit"


@pytest.mark.parametrize("path", ["/", "/activites/", "/boutique/", "mission"])
def test_made_up_parameters_are_rendered_and_never_stored(client, path):
    """?x=1, ?x=2…: each would store a copy of the page and fill Redis; none is kept."""
    if not path.startswith("/"):
        path = standard(path).url
    responses = [get(client, f"{path}?x={n}") for n in (1, 1, 2)]
    for response in responses:
        assert "X-Page-Cache" not in response
        assert "private" in response["Cache-Control"]
        key = pagecache.cache_key(response.wsgi_request)
        assert cache.get(key) is None
        assert cache.get(pagecache.never_stored_key(key)) is None
    # Beside a filter the list asks for, the same.
    assert "X-Page-Cache" not in get(client, "/activites/?audience=adultes&x=1")
    # The page itself is still stored.
    assert served_from_cache(client, path)


def test_a_product_page_is_cached_and_its_form_adds_to_the_cart_without_a_token(demo_site):
    from shop.models import ProductPage

    page = ProductPage.objects.filter(locale__language_code="fr").live().first()
    visitor = Client(enforce_csrf_checks=True)
    assert served_from_cache(visitor, page.url)
    html = get(visitor, page.url).content.decode()
    assert "csrfmiddlewaretoken" not in html
    form = BeautifulSoup(html, "html.parser").select_one("form.add-to-cart")
    choice = form.select_one("input[name=variant]")["value"]

    # From the site's own page (the browser sends its origin): added.
    response = visitor.post(
        form["action"],
        {"variant": choice, "quantity": 1},
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 302
    assert "(1)" in visitor.get("/panier/").content.decode()

    # Posted from another site: refused, nothing added.
    stranger = Client(enforce_csrf_checks=True)
    response = stranger.post(
        form["action"], {"variant": choice, "quantity": 1}, HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403
    response = stranger.post(form["action"], {"variant": choice, "quantity": 1})
    assert response.status_code == 403


def test_a_visitor_with_a_cart_is_never_served_nor_stored(client):
    anonymous = Client()
    assert served_from_cache(anonymous, "/")
    client.post("/panier/ajouter/", {"variant": variant("CAF-PER-340").pk, "quantity": 2})
    response = get(client, "/")
    assert response.get("X-Page-Cache") is None
    assert "private" in response["Cache-Control"]
    assert (
        "(2)"
        in BeautifulSoup(response.content, "html.parser").select_one(".cart-link__count").get_text()
    )
    # ... and what they saw was not stored for others.
    assert (
        "(0)"
        in BeautifulSoup(get(anonymous, "/").content, "html.parser")
        .select_one(".cart-link__count")
        .get_text()
    )


def test_a_message_is_never_stored(client):
    client.post("/panier/ajouter/", {"variant": variant("CAF-PER-340").pk, "quantity": 1})
    response = client.get("/panier/", follow=True)
    assert response.get("X-Page-Cache") is None
    Client().get("/")
    assert "a été ajouté à votre panier" not in get(Client(), "/").content.decode()


def test_a_logged_in_editor_is_never_served_nor_stored(client, django_user_model):
    assert served_from_cache(Client(), "/")
    user = django_user_model.objects.create_superuser("cache-test", "cache-test@example.org", "pw")
    client.force_login(user)
    response = get(client, "/")
    assert response.get("X-Page-Cache") is None
    assert "private" in response["Cache-Control"]
    assert "wagtail-userbar" in response.content.decode()
    assert "wagtail-userbar" not in get(Client(), "/").content.decode()


def form_token(response):
    field = BeautifulSoup(response.content, "html.parser").select_one(
        "form.registration-form input[name=csrfmiddlewaretoken]"
    )
    return field["value"]


def test_a_form_page_is_stored_without_the_visitor_token_and_each_visitor_gets_their_own():
    url = activity("atelier-consommation-equitable").url + "inscription/"
    first_visitor = Client(enforce_csrf_checks=True)
    first = get(first_visitor, url)
    assert first["X-Page-Cache"] == "miss"
    first_token = form_token(first)
    first_secret = first_visitor.cookies[settings.CSRF_COOKIE_NAME].value
    assert csrf._unmask_cipher_token(first_token) == first_secret
    # For this visitor alone: no shared cache may keep it, and what is stored holds no token.
    assert first["Cache-Control"] == "private, no-store"
    stored = cache.get(pagecache.cache_key(first.wsgi_request))
    assert first_token.encode() not in stored["content"]
    assert stored["token"].startswith(b"[[csrf-token-") and stored["token"] in stored["content"]

    # A new visitor: served from the cache, with a token of their own and its cookie.
    newcomer = Client(enforce_csrf_checks=True)
    second = get(newcomer, url)
    assert second["X-Page-Cache"] == "hit"
    assert second["Cache-Control"] == "private, no-store"
    second_secret = newcomer.cookies[settings.CSRF_COOKIE_NAME].value
    assert second_secret != first_secret
    second_token = form_token(second)
    assert csrf._unmask_cipher_token(second_token) == second_secret
    assert stored["token"] not in second.content
    # The rest of the page is the one rendered for the first visitor.
    assert second.content.replace(second_token.encode(), b"") == first.content.replace(
        first_token.encode(), b""
    )

    # The token works (the empty form is checked: 400 with its errors); another's is refused.
    assert newcomer.post(url, {"csrfmiddlewaretoken": second_token}).status_code == 400
    stranger = Client(enforce_csrf_checks=True)
    stranger.cookies[settings.CSRF_COOKIE_NAME] = "x" * 32
    assert stranger.post(url, {"csrfmiddlewaretoken": second_token}).status_code == 403

    # A visitor coming back keeps their secret: a new token of it, the cookie renewed.
    again = get(first_visitor, url)
    assert again["X-Page-Cache"] == "hit"
    assert form_token(again) != first_token
    assert csrf._unmask_cipher_token(form_token(again)) == first_secret
    assert first_visitor.cookies[settings.CSRF_COOKIE_NAME].value == first_secret

    # A bad cookie is replaced, as the CSRF middleware does.
    broken = Client(enforce_csrf_checks=True)
    broken.cookies[settings.CSRF_COOKIE_NAME] = "not a secret!"
    response = get(broken, url)
    assert response["X-Page-Cache"] == "hit"
    secret = broken.cookies[settings.CSRF_COOKIE_NAME].value
    assert len(secret) == 32 and csrf._unmask_cipher_token(form_token(response)) == secret


# --- one render for many visitors ------------------------------------------------------------


def rendered_elsewhere(url, visitor=None):
    """The page's entry as another request's render stores it, its key and generation; the
    entry is taken out again, as if that render were still going on (its lock held)."""
    response = get(visitor or Client(), url)
    key = pagecache.cache_key(response.wsgi_request)
    entry = cache.get(key)
    cache.delete(key)
    assert cache.add(pagecache.fill_key(key, entry["generation"]), 1)
    return response, key, entry


def test_a_visitor_asking_for_a_page_being_rendered_waits_and_is_served_that_render(
    monkeypatch,
):
    """Registrations opening: many visitors ask for the form at once. The first renders it,
    the others are served its render (each with a CSRF token of their own) instead of all
    rendering the same page."""
    url = activity("atelier-consommation-equitable").url + "inscription/"
    first, key, entry = rendered_elsewhere(url, Client(enforce_csrf_checks=True))
    pauses = []

    def the_other_render_ends(seconds):
        pauses.append(seconds)
        if len(pauses) == 2:  # it stores its page, then lets go of its lock
            cache.set(key, entry, 300)
            cache.delete(pagecache.fill_key(key, entry["generation"]))

    monkeypatch.setattr(pagecache, "_pause", the_other_render_ends)
    waiting = Client(enforce_csrf_checks=True)
    served = get(waiting, url)
    assert served["X-Page-Cache"] == "hit"
    assert pauses == [pagecache.FILL_POLL_SECONDS] * 2
    token = form_token(served)
    assert csrf._unmask_cipher_token(token) == waiting.cookies[settings.CSRF_COOKIE_NAME].value
    assert served.content.replace(token.encode(), b"") == first.content.replace(
        form_token(first).encode(), b""
    )
    assert waiting.post(url, {"csrfmiddlewaretoken": token}).status_code == 400  # checked


def test_a_visitor_renders_the_page_when_the_other_render_was_not_kept(monkeypatch):
    """The other request's lock goes without an entry (its page was an error, or private):
    the waiting visitor renders their own, at once."""
    url = standard().url
    _response, key, entry = rendered_elsewhere(url)
    lock = pagecache.fill_key(key, entry["generation"])
    monkeypatch.setattr(pagecache, "_pause", lambda seconds: cache.delete(lock))
    response = get(Client(), url)
    assert response["X-Page-Cache"] == "miss"
    assert cache.get(key)["generation"] == entry["generation"]  # this one kept it
    assert cache.get(lock) is None  # and let go of its own lock


def test_a_visitor_waits_for_another_render_a_short_while_only(monkeypatch):
    """A render that died holds its lock until FILL_LOCK_SECONDS: visitors wait for it no
    longer than FILL_WAIT_SECONDS, then render the page themselves."""
    url = standard().url
    rendered_elsewhere(url)
    clock = [1000.0]

    def pause(seconds):
        clock[0] += 0.5

    monkeypatch.setattr(pagecache, "_clock", lambda: clock[0])
    monkeypatch.setattr(pagecache, "_pause", pause)
    response = get(Client(), url)
    assert response["X-Page-Cache"] == "miss"
    assert clock[0] == 1000.0 + pagecache.FILL_WAIT_SECONDS


def test_a_waiter_is_never_served_an_older_render(monkeypatch):
    """After a sale that shows, the page's key still holds the page as it was while another
    request renders it anew: whoever waits for that render is never served the old one, nor
    one whose lifetime ran out (a hold that expired meanwhile)."""
    url = activity("atelier-consommation-equitable").url
    old = get(Client(), url)
    key = pagecache.cache_key(old.wsgi_request)
    entry = cache.get(key)
    for stale in ("generation", "lifetime"):
        if stale == "generation":
            pagecache.bump_places()
            cache.set(key, entry, 300)
        else:
            entry = cache.get(key)
            cache.set(key, {**entry, "until": time.time() - 1}, 300)
        lock = pagecache.fill_key(key, pagecache.page_generation())
        assert cache.add(lock, "the other render")
        monkeypatch.setattr(pagecache, "_pause", lambda seconds, lock=lock: cache.delete(lock))
        assert get(Client(), url)["X-Page-Cache"] == "miss", stale


def test_a_waiter_stops_waiting_as_soon_as_the_lock_goes(monkeypatch):
    url = standard().url
    _response, key, entry = rendered_elsewhere(url)
    lock = pagecache.fill_key(key, entry["generation"])
    pauses = []

    def pause(seconds):
        pauses.append(seconds)
        cache.delete(lock)

    monkeypatch.setattr(pagecache, "_pause", pause)
    assert get(Client(), url)["X-Page-Cache"] == "miss"
    assert len(pauses) == 1


def test_waiting_reads_the_lock_not_the_page(monkeypatch):
    """Each poll asks whether the lock is still there (a few bytes), not for the page (an
    older render may sit under its key: tens of kilobytes a poll)."""
    url = standard().url
    _response, key, entry = rendered_elsewhere(url)
    lock = pagecache.fill_key(key, entry["generation"])
    asked = []
    real_get = cache.get

    def counting_get(name, *args, **kwargs):
        asked.append(name)
        return real_get(name, *args, **kwargs)

    def pause(seconds):
        if len(asked) == 0 and pause.polls == 3:  # the other render ends
            cache.set(key, entry, 300)
            cache.delete(lock)
        pause.polls += 1

    pause.polls = 0
    monkeypatch.setattr(cache, "get", counting_get)
    monkeypatch.setattr(pagecache, "_pause", pause)
    assert get(Client(), url)["X-Page-Cache"] == "hit"
    assert pause.polls == 4
    assert asked == [key]  # the page once, when the lock had gone


def test_a_render_lets_go_of_its_own_lock_only(monkeypatch, client):
    """A render that outlived its lock (FILL_LOCK_SECONDS) finds another request's lock under
    the same key: it leaves it."""
    url = standard().url
    generation = pagecache.page_generation()
    real_serve = StandardPage.serve

    def slow_serve(self, request, *args, **kwargs):
        lock = pagecache.fill_key(pagecache.cache_key(request), generation)
        cache.delete(lock)  # it ran out
        assert cache.add(lock, "the next render")
        return real_serve(self, request, *args, **kwargs)

    monkeypatch.setattr(StandardPage, "serve", slow_serve)
    response = get(client, url)
    lock = pagecache.fill_key(pagecache.cache_key(response.wsgi_request), generation)
    assert cache.get(lock) == "the next render"


def test_a_render_lets_go_of_its_lock_whatever_it_answers(client, monkeypatch):
    generation = pagecache.page_generation()
    for url in (standard().url, "/page-qui-n-existe-pas/"):
        response = client.get(url)
        key = pagecache.cache_key(response.wsgi_request)
        assert cache.get(pagecache.fill_key(key, generation)) is None, url

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("a bug in a page")

    monkeypatch.setattr(StandardPage, "serve", broken)
    failing = Client(raise_request_exception=False)
    response = failing.get(standard().url + "?après=bogue")
    assert response.status_code == 500
    key = pagecache.cache_key(response.wsgi_request)
    assert cache.get(pagecache.fill_key(key, generation)) is None


def test_a_page_not_to_keep_is_rendered_at_once_the_next_times(client, monkeypatch):
    """A receipt, a ticket, an error page: rendered, not kept; its next requests take no
    render lock (they would only wait for one another)."""
    response = client.get("/page-qui-n-existe-pas/")
    assert response.status_code == 404
    key = pagecache.cache_key(response.wsgi_request)
    assert cache.get(pagecache.never_stored_key(key)) == 1
    generation = pagecache.page_generation()
    assert cache.add(pagecache.fill_key(key, generation), "someone else's render")
    pauses = []
    monkeypatch.setattr(pagecache, "_pause", pauses.append)
    again = Client().get("/page-qui-n-existe-pas/")
    assert again.status_code == 404
    assert pauses == []  # not waited for


def test_a_malformed_csrf_cookie_on_a_page_without_a_form_stores_nothing():
    """Django replaces a malformed CSRF cookie on any page: that cookie says nothing about the
    page, which is then neither stored (for this visitor) nor made private for others."""
    odd = Client()
    odd.cookies[settings.CSRF_COOKIE_NAME] = "x"
    response = get(odd, "/")
    assert settings.CSRF_COOKIE_NAME in response.cookies
    assert response["Cache-Control"] == "private, no-store"
    assert cache.get(pagecache.cache_key(response.wsgi_request)) is None
    first, second = get(Client(), "/"), get(Client(), "/")
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert "public" in second["Cache-Control"] and not second.cookies


def test_the_form_of_a_waiting_list_offer_or_of_a_code_is_never_stored():
    """Its link is for the person offered (or who has the code), and its use is no change the
    cache hears of."""
    from events.models import WaitingListEntry

    page = activity("atelier-consommation-equitable")
    entry = WaitingListEntry.objects.create(
        date=page.source.upcoming_dates[0],
        name="Awa Diallo",
        email="awa@example.org",
        language="fr",
        places=1,
        state=WaitingListEntry.State.OFFERED,
        offered_at=timezone.now(),
        offer_expires_at=timezone.now() + timedelta(hours=1),
    )
    url = page.url + f"inscription/?offre={entry.token}"
    first = get(Client(), url)
    assert entry.token in first.content.decode()  # the offer's form
    assert first["Cache-Control"] == "private, no-store"
    second = get(Client(), url)
    assert second.get("X-Page-Cache") is None and "private" in second["Cache-Control"]

    url = page.url + "inscription/?code=BIENVENUE"
    get(Client(), url)
    again = get(Client(), url)
    assert again.get("X-Page-Cache") is None and "private" in again["Cache-Control"]


def test_a_post_is_never_served_from_the_cache(client):
    assert served_from_cache(client, "/")
    response = client.post("/", {})
    assert response.get("X-Page-Cache") is None


def test_with_the_cache_down_pages_are_neither_stored_nor_shared(client, settings):
    """A Redis outage is a miss (cesiq_site/cache.py): the page is rendered, and sent private,
    since no generation can tell a CDN or a later request when it stops being true."""
    from cesiq_site.settings.base import redis_caches

    settings.CACHES = redis_caches("redis://127.0.0.1:1/0")  # nothing listens there
    for _ in range(2):
        response = get(client, standard().url)
        assert "X-Page-Cache" not in response
        assert "no-store" in response["Cache-Control"]
        assert "public" not in response["Cache-Control"]


def test_the_page_cache_can_be_switched_off(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    get(client, "/")
    assert get(client, "/").get("X-Page-Cache") is None


# --- exact invalidation ---------------------------------------------------------------------------


def test_publishing_a_page_shows_on_the_next_request(client, committed):
    page = standard()
    assert served_from_cache(client, page.url)
    page.title = "Notre mission, revue"
    committed(lambda: page.save_revision().publish())
    response = get(client, page.url)
    assert response["X-Page-Cache"] == "miss"
    assert "Notre mission, revue" in response.content.decode()


def test_unpublishing_a_page_shows_on_the_next_request(client, committed):
    page = standard()
    assert served_from_cache(client, page.url)
    assert served_from_cache(client, "/")
    menu = BeautifulSoup(get(client, "/").content, "html.parser").select(".site-nav a")
    assert page.url in [link["href"] for link in menu]
    committed(page.unpublish)
    assert client.get(page.url).status_code == 404
    menu = BeautifulSoup(get(client, "/").content, "html.parser").select(".site-nav a")
    assert page.url not in [link["href"] for link in menu]


def test_moving_a_page_shows_on_the_next_request(client, committed):
    page = standard()
    old_url = page.url
    assert served_from_cache(client, old_url)
    target = standard("partenaires")
    committed(page.move, target, pos="last-child")
    page.refresh_from_db()
    response = client.get(old_url)  # Wagtail's automatic redirect, no longer the stored page
    assert response.status_code == 301 and response["Location"] == page.url
    assert get(client, page.url).status_code == 200


def test_deleting_a_page_shows_on_the_next_request(client, committed):
    page = standard("confidentialite")
    assert served_from_cache(client, page.url)
    committed(page.delete)
    assert client.get(page.url).status_code == 404


def test_translating_a_page_shows_on_the_next_request(client, committed, home_fr):
    page = StandardPage(title="Nouvelles du réseau", slug="nouvelles-du-reseau")
    committed(lambda: home_fr.add_child(instance=page).save_revision().publish())
    page.refresh_from_db()

    def english_link():
        html = BeautifulSoup(get(client, page.url).content, "html.parser")
        return html.select_one('.language-switcher a[hreflang="en"]')["href"]

    english_link()
    assert get(client, page.url)["X-Page-Cache"] == "hit"
    assert english_link() == "/en/"  # no translation yet: the English home

    english = page.copy_for_translation(Locale.objects.get(language_code="en"))
    english.title, english.slug = "Network news", "network-news"
    committed(lambda: english.save_revision().publish())
    assert english_link() == "/en/network-news/"


@pytest.mark.parametrize(
    ("model", "slug", "field", "where"),
    [
        (Venue, None, "name", "activity"),
        (Theme, None, "name", "activity"),
        (Producer, None, "name", "product"),
    ],
)
def test_editing_a_snippet_shows_on_the_next_request(client, committed, model, slug, field, where):
    if where == "activity":
        page = activity("atelier-consommation-equitable")
        snippet = page.venue if model is Venue else page.themes.first()
    else:
        from shop.models import ProductPage

        page = ProductPage.objects.filter(
            locale__language_code="fr", producer__isnull=False
        ).first()
        snippet = page.producer
    assert served_from_cache(client, page.url)
    new_name = f"{getattr(snippet, field)} (nouveau nom)"
    setattr(snippet, field, new_name)
    committed(snippet.save)
    assert new_name in get(client, page.url).content.decode()


def test_publishing_a_draft_theme_shows_on_the_next_request(client, committed):
    """A new theme is a draft (no page offers it); publishing it is what the list shows."""

    def offered():
        html = BeautifulSoup(get(client, "/activites/").content, "html.parser")
        return [o.get_text(strip=True) for o in html.select("select[name=theme] option")]

    theme = committed(
        Theme.objects.create,
        name="Souveraineté numérique",
        slug="souverainete-alimentaire",
        locale=Locale.objects.get(language_code="fr"),
        live=False,
    )
    assert "Souveraineté numérique" not in offered()
    assert served_from_cache(client, "/activites/")
    committed(lambda: theme.save_revision().publish())
    assert get(client, "/activites/")["X-Page-Cache"] == "miss"
    assert "Souveraineté numérique" in offered()


def test_the_snippet_publish_signals_invalidate_the_pages(client, committed):
    """Wagtail's `published` and `unpublished` signals (any model with drafts) are enough on
    their own, whatever a publish writes to the database."""
    from wagtail.signals import published, unpublished

    theme = Theme.objects.filter(locale__language_code="fr").first()
    for signal in (published, unpublished):
        assert served_from_cache(client, "/activites/")
        committed(signal.send, sender=Theme, instance=theme)
        assert get(client, "/activites/")["X-Page-Cache"] == "miss"


def test_an_order_placed_paid_and_cancelled_each_show_on_the_next_request(client, committed):
    page = activity()  # 3 places
    assert places_badge(client, page) == "Plus que 3 places"
    assert get(client, page.url)["X-Page-Cache"] == "hit"

    order = committed(place, page, 2)
    assert places_badge(client, page) == "Plus qu'une place"

    # Paid while held: the same places counted, nothing to render again.
    committed(services.confirm, Order.objects.get(pk=order.pk), message="Paiement reçu")
    assert get(client, page.url)["X-Page-Cache"] == "hit"
    assert places_badge(client, page) == "Plus qu'une place"

    committed(place, page, 1)
    assert places_badge(client, page) == "Complet"

    committed(services.cancel_order, Order.objects.get(pk=order.pk), reason="Test", refund=False)
    assert places_badge(client, page) == "Plus que 2 places"


def test_the_form_of_a_full_activity_says_so_and_is_served_from_the_cache(client, committed):
    page = activity()  # 3 places
    form_url = page.url + "inscription/"
    assert "csrfmiddlewaretoken" in get(client, form_url).content.decode()
    order = committed(place, page, 3)

    response = get(Client(), form_url)
    html = BeautifulSoup(response.content, "html.parser")
    assert "Toutes les places sont prises pour le moment" in html.get_text()
    assert html.select_one(".registration-full strong").get_text() == "Complet"
    waiting = html.find("a", string="Rejoindre la liste d'attente")
    assert waiting["href"] == page.url + "liste-attente/"
    assert not html.select("form.registration-form") and "csrfmiddlewaretoken" not in str(html)
    assert get(Client(), form_url)["X-Page-Cache"] == "hit"

    # A place given back: the form is back on the next request.
    committed(services.cancel_order, Order.objects.get(pk=order.pk), reason="Test", refund=False)
    response = get(Client(), form_url)
    assert response.get("X-Page-Cache") != "hit"
    assert "csrfmiddlewaretoken" in response.content.decode()


def test_a_hold_that_runs_out_shows_on_the_next_request(client, committed):
    page = activity()
    hold = services.hold_duration()
    # An order placed a moment less than its hold ago: its hold runs out in 1.5 seconds.
    order = committed(place, page, 3, now=timezone.now() - hold + timedelta(seconds=1.5))
    assert places_badge(client, page) == "Complet"
    response = get(client, page.url)
    assert response["X-Page-Cache"] == "hit"
    assert "s-maxage=1" in response["Cache-Control"] or "s-maxage=0" in response["Cache-Control"]
    time.sleep(1.6)
    assert Order.objects.get(pk=order.pk).state == OrderState.PENDING  # nothing wrote anything
    assert places_badge(client, page) == "Plus que 3 places"


def test_an_order_paid_after_its_hold_ran_out_shows_on_the_next_request(client, committed):
    page = activity()  # 3 places
    order = committed(place, page, 2, now=timezone.now() - services.hold_duration())
    assert places_badge(client, page) == "Plus que 3 places"  # its hold ran out
    assert get(client, page.url)["X-Page-Cache"] == "hit"
    committed(services.confirm, Order.objects.get(pk=order.pk), message="Paiement reçu")
    assert places_badge(client, page) == "Plus qu'une place"


def test_an_order_that_is_expired_shows_on_the_next_request(client, committed):
    page = activity()
    order = committed(place, page, 3)
    assert places_badge(client, page) == "Complet"
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now())  # the hold ran out
    committed(services.expire_order, Order.objects.get(pk=order.pk))
    assert places_badge(client, page) == "Plus que 3 places"


def test_changing_places_or_stock_shows_on_the_next_request(client, committed):
    page = activity()
    assert places_badge(client, page) == "Plus que 3 places"
    date = page.upcoming_dates[0]
    date.capacity = 4
    committed(date.save)
    assert places_badge(client, page) == "Plus que 4 places"

    coffee = variant("CAF-PER-340")
    url = coffee.page.url
    assert served_from_cache(client, url)
    coffee.stock = 2
    committed(coffee.save)
    assert "Plus que 2 en stock" in get(client, url).content.decode()


def test_an_unrelated_save_keeps_the_pages(client, committed):
    assert served_from_cache(client, "/")
    order = committed(place, activity(), 1)
    assert get(client, "/")["X-Page-Cache"] == "miss"
    assert get(client, "/")["X-Page-Cache"] == "hit"
    order.internal_note = "Appelée"
    committed(order.save, update_fields=["internal_note"])
    assert get(client, "/")["X-Page-Cache"] == "hit"


def test_a_stored_page_keeps_the_policy_that_matches_its_html(client):
    # A stored page keeps the headers of its first render, the policy's nonce included.
    first = get(client, "/")
    second = get(client, "/")
    assert second["X-Page-Cache"] == "hit"
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    nonce = second["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in second.content.decode()


# --- a CDN in front ------------------------------------------------------------------------------


def frontend_cache_setting(**env):
    from tests.cesiq_site.test_settings import print_settings, production_env

    script = (
        "print(getattr(s, 'WAGTAILFRONTENDCACHE', None)); "
        "print('wagtail.contrib.frontend_cache' in s.INSTALLED_APPS)"
    )
    result = print_settings(script, **production_env(**env))
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_wagtail_frontend_cache_is_off_unless_the_environment_names_one():
    assert frontend_cache_setting() == ["None", "False"]
    config, installed = frontend_cache_setting(
        WAGTAIL_FRONTEND_CACHE="http", WAGTAIL_FRONTEND_CACHE_LOCATION="http://varnish:6081"
    )
    assert installed == "True"
    assert "HTTPBackend" in config and "http://varnish:6081" in config
    config, _installed = frontend_cache_setting(
        WAGTAIL_FRONTEND_CACHE="cloudflare",
        CLOUDFLARE_BEARER_TOKEN="token-for-test",  # noqa: S106
        CLOUDFLARE_ZONE_ID="zone-for-test",
    )
    assert "CloudflareBackend" in config and "zone-for-test" in config


def test_a_transaction_bumps_the_generation_once_however_many_rows_it_saves(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    from cesiq_site import pagecache

    # A payment saves its order, then its lines: one bump at the commit is enough.
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        pagecache.bump_on_commit()
        pagecache.bump_on_commit()
    assert len([c for c in callbacks if isinstance(c, pagecache._BumpAtCommit)]) == 1

    # A bump asked in a savepoint that rolls back goes with it: a later change asks again.
    before = pagecache.current_generation()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                pagecache.bump_on_commit()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        pagecache.bump_on_commit()
    assert len([c for c in callbacks if isinstance(c, pagecache._BumpAtCommit)]) == 1
    assert pagecache.current_generation() != before


# --- sales that leave many places keep the pages -------------------------------------------------


def place_many(page, quantity):
    """Orders of at most 10 places (the most one order may take on a date) until `quantity`."""
    for buyer in range((quantity + 9) // 10):
        place(page, min(quantity - buyer * 10, 10), email=f"buyer{buyer}@example.org")


def availability_offered(client, page):
    """The schema.org availability of the page's first offer, as a search engine reads it."""
    import json

    html = BeautifulSoup(get(client, page.url).content, "html.parser")
    for script in html.select('script[type="application/ld+json"]'):
        data = json.loads(script.string)
        for item in data if isinstance(data, list) else [data]:
            if item.get("@type") == "Event" and item.get("offers"):
                return item["offers"][0]["availability"].rsplit("/", 1)[1]
    return None


def test_a_sale_that_leaves_many_places_keeps_the_pages_until_few_are_left(client, committed):
    page = activity("conference-justice-climatique")  # 80 places: shown from 16 left (a fifth)
    urls = [page.url, "/activites/", "/"]
    for url in urls:
        assert served_from_cache(client, url)
    assert availability_offered(client, page) == "InStock"

    committed(place_many, page, 63)  # free: registered at once; 17 left, not said
    for url in urls:
        assert get(client, url)["X-Page-Cache"] == "hit", url
    assert places_badge(client, page) == ""

    committed(place, page, 1)  # 16 left: a fifth of the places, "limited" from now
    assert get(client, page.url)["X-Page-Cache"] == "miss"
    assert availability_offered(client, page) == "LimitedAvailability"

    committed(place_many, page, 11)  # 5 left: every sale shows from now on
    assert places_badge(client, page) == "Plus que 5 places"
    committed(place, page, 1)
    assert places_badge(client, page) == "Plus que 4 places"


def test_a_sale_renders_the_pages_again_only_when_what_they_say_changes(client, committed):
    page = activity("conference-justice-climatique")  # 80 places: "limited" from 16 left
    urls = [page.url, "/activites/", "/"]
    committed(place_many, page, 60)  # 20 left
    for url in urls:
        assert served_from_cache(client, url)
    committed(place, page, 4)  # 16 left: "limited" from now
    assert get(client, page.url)["X-Page-Cache"] == "miss"
    assert availability_offered(client, page) == "LimitedAvailability"
    for url in urls:
        assert served_from_cache(client, url)

    # 15, then 6 left: still "limited", no number said; the stored pages stay right.
    committed(place, page, 1, email="kim@example.org")
    for url in urls:
        assert get(client, url)["X-Page-Cache"] == "hit", url
    committed(place_many, page, 9)
    for url in urls:
        assert get(client, url)["X-Page-Cache"] == "hit", url
    assert places_badge(client, page) == ""
    assert availability_offered(client, page) == "LimitedAvailability"

    # 5 left: the badge appears; from then on each sale changes the number shown.
    committed(place, page, 1, email="lea@example.org")
    assert places_badge(client, page) == "Plus que 5 places"
    committed(place, page, 2, email="noor@example.org")
    assert places_badge(client, page) == "Plus que 3 places"
    committed(place, page, 3, email="sam@example.org")
    assert places_badge(client, page) == "Complet"
    assert availability_offered(client, page) == "SoldOut"


def test_a_sale_renders_the_pages_again_without_dropping_what_the_render_cache_keeps(
    client, committed
):
    """A sale or a place given back starts a new places generation, not a content one: the
    stored pages go, what each process keeps (routes, menus, fragments) stays, and the pages
    rendered again say the new count (they count places for each request they render)."""
    from cesiq_site import pagecache

    page = activity("conference-justice-climatique")  # 80 places
    committed(place_many, page, 74)  # 6 left: "limited", no number
    form = page.url + "inscription/"
    for url in (page.url, "/activites/", form):
        get(client, url)
    content, pages = pagecache.current_generation(), pagecache.page_generation()
    kept = dict(render_cache._store["values"])
    assert kept, "the pages kept nothing"

    committed(place, page, 1)  # 5 left: the badge appears
    assert pagecache.page_generation() != pages
    assert pagecache.current_generation() == content
    assert places_badge(client, page) == "Plus que 5 places"
    assert render_cache._store["generation"] == content
    assert all(render_cache._store["values"].get(key) is value for key, value in kept.items())

    order = committed(place, page, 5)  # none left: the form says so
    assert places_badge(client, page) == "Complet"
    full = BeautifulSoup(get(client, form).content, "html.parser")
    assert full.select_one("form.registration-form") is None
    committed(services.cancel_order, Order.objects.get(pk=order.pk), reason="Annulée")  # gives back
    assert places_badge(client, page) == "Plus que 5 places"
    again = BeautifulSoup(client.get(form).content, "html.parser")
    assert again.select_one("form.registration-form") is not None
    assert pagecache.current_generation() == content


def test_a_hold_that_ran_out_between_the_count_and_the_commit_renders_again(committed):
    """The places left before and after a sale are counted under the lock, at the order's
    time: a hold that ran out after that (while the buyer waited for the lock, or before the
    commit) gave places back that the count did not see."""
    from cesiq_site import pagecache

    page = activity()  # paid places: held until paid
    held = committed(place, page, 2)
    assert held.state == OrderState.PENDING
    quota = page.upcoming_dates[0].quota_id
    moved = {quota: (80, 60, 59)}  # as if "many" before and after: nothing said changed
    expiry = held.expires_at
    second = timedelta(seconds=1)
    assert not pagecache.shown_text_changed(moved, expiry - 2 * second, now=expiry - second)
    assert pagecache.shown_text_changed(moved, expiry - second, now=expiry + second)
    limited = {quota: (80, 17, 16)}  # "many", then "limited"
    assert pagecache.shown_text_changed(limited, expiry - 3 * second, now=expiry - 2 * second)


def test_a_ticket_type_with_its_own_places_renders_again_once_few_are_left(client, committed):
    """The structured data gives a ticket type with its own places on a date whichever of its
    own and the date's places has fewer left: the date's text may stay "limited" while the
    offer goes from the ticket's "InStock" to the date's "LimitedAvailability". For such
    quotas any sale once few are left renders the pages again."""
    from events.models import TicketType

    page = activity("conference-justice-climatique")  # 80 places, "limited" from 16 left
    own = page.ticket_types.first()  # the first offer of the structured data
    own.places_per_date = 20  # "limited" from 5 of its own left
    committed(own.save)
    other = committed(TicketType.objects.create, page=page, name="Solidaire", kind="free", price=0)
    date = page.upcoming_dates[0]

    def sell(ticket, quantity, email):
        for n in range(0, quantity, 10):
            services.place_order(
                kind="tickets",
                buyer_name="Awa Diallo",
                buyer_email=f"{email}{n}@example.org",
                language="fr",
                selections=[Selection(item=ticket, quantity=min(10, quantity - n), option=date)],
            )

    committed(sell, own, 10, "own")  # 10 of its own 20 left, 70 of the date's
    committed(sell, other, 59, "other")  # the date: 11 left, "limited"; the ticket's 10 fewer
    assert availability_offered(client, page) == "InStock"
    assert served_from_cache(client, page.url)
    committed(sell, other, 2, "more")  # the date: 9 left, still "limited", now fewer
    assert get(client, page.url)["X-Page-Cache"] == "miss"
    assert availability_offered(client, page) == "LimitedAvailability"


def test_a_held_order_paid_with_many_places_left_keeps_the_pages(client, committed, monkeypatch):
    from cesiq_site import pagecache

    page = activity("atelier-consommation-equitable")  # 20 places a date
    committed(place, page, 4, email="kim@example.org")
    order = committed(place, page, 10)  # 6 left
    assert served_from_cache(client, page.url)
    # Paid while held: no count changed, so the places left are not even counted again.
    monkeypatch.setattr(pagecache, "places_shown", lambda orders, quotas: True)
    committed(services.confirm, Order.objects.get(pk=order.pk), message="Paiement reçu")
    assert get(client, page.url)["X-Page-Cache"] == "hit"
    monkeypatch.undo()
    assert places_badge(client, page) == ""
    committed(place, page, 1, email="lea@example.org")
    assert places_badge(client, page) == "Plus que 5 places"


def test_a_hold_made_shorter_shows_on_the_next_request(client, committed):
    # Places given back early (a Checkout session that failed) may change the pages although
    # many places are left: a page stored meanwhile may have to say more places again.
    page = activity("atelier-consommation-equitable")  # 20 places a date
    order = committed(place, page, 10)  # 10 left, held
    assert places_badge(client, page) == ""
    assert get(client, page.url)["X-Page-Cache"] == "hit"
    order = Order.objects.get(pk=order.pk)
    order.expires_at = timezone.now() + timedelta(seconds=30)
    committed(order.save, update_fields=["expires_at"])
    assert get(client, page.url)["X-Page-Cache"] == "miss"


def test_a_hold_made_longer_keeps_the_pages(client, committed, monkeypatch):
    from cesiq_site import pagecache

    page = activity("atelier-consommation-equitable")
    order = committed(place, page, 2)
    assert served_from_cache(client, page.url)
    monkeypatch.setattr(pagecache, "places_shown", lambda orders, quotas: True)  # never asked
    order = Order.objects.get(pk=order.pk)
    order.expires_at += timedelta(minutes=30)
    committed(order.save, update_fields=["expires_at"])
    assert get(client, page.url)["X-Page-Cache"] == "hit"


def test_stock_taken_above_the_low_stock_line_keeps_the_product_page(client, committed):
    from orders import availability

    coffee = variant("CAF-PER-340")
    coffee.stock, coffee.low_stock_threshold = 40, 10
    committed(coffee.save)
    url = coffee.page.url
    assert served_from_cache(client, url)
    until = timezone.now() + timedelta(hours=1)
    committed(availability.hold, coffee.quota, 29, until=until)  # 11 left
    assert get(client, url)["X-Page-Cache"] == "hit"
    assert "en stock" not in get(client, url).content.decode()
    committed(availability.hold, coffee.quota, 1, until=until)  # 10 left: the variant's line
    assert "Plus que 10 en stock" in get(client, url).content.decode()


def test_places_taken_in_a_savepoint_rolled_back_are_not_counted(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    from cesiq_site import pagecache

    quota = activity().upcoming_dates[0].quota_id
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                pagecache.places_taken_on_commit(quotas=[quota])
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == []
    # Asked twice in one transaction: one check of both at the commit.
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        pagecache.places_taken_on_commit(quotas=[quota])
        pagecache.places_taken_on_commit(orders=[1])
    assert len(callbacks) == 1 and callbacks[0].quotas == {quota} and callbacks[0].orders == {1}


def test_places_counted_after_the_commit_bump_if_the_database_cannot_say(monkeypatch, committed):
    from cesiq_site import pagecache

    def fails(orders, quotas):
        raise RuntimeError("database gone")

    monkeypatch.setattr(pagecache, "places_shown", fails)
    before = pagecache.page_generation()
    committed(pagecache.places_taken_on_commit, quotas=[1])
    assert pagecache.page_generation() != before


def test_a_unit_given_back_shows_on_the_next_request(client, committed):
    page = activity()  # 3 places
    order = committed(place, page, 2)
    committed(services.confirm, Order.objects.get(pk=order.pk), message="Paiement reçu")
    assert places_badge(client, page) == "Plus qu'une place"
    line = Order.objects.get(pk=order.pk).lines.get()
    line.returned_quantity = 1
    committed(line.save, update_fields=["returned_quantity"])
    assert places_badge(client, page) == "Plus que 2 places"


def test_who_registered_or_came_in_is_on_no_public_page(client, committed):
    from events.models import Attendee

    page = activity()
    order = committed(place, page, 1)
    committed(services.confirm, Order.objects.get(pk=order.pk), message="Paiement reçu")
    attendee = Attendee.objects.filter(order_line__order=order).first()
    assert attendee is not None
    assert served_from_cache(client, page.url)
    attendee.name = "Fatou Sow"
    committed(attendee.save)
    assert get(client, page.url)["X-Page-Cache"] == "hit"


def test_linking_a_line_to_a_quota_takes_places_and_unlinking_gives_back(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    from cesiq_site import pagecache

    page = activity()
    order = place(page, 1)
    line = order.lines.get()
    quota = line.quotas.get()
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        line.quotas.remove(quota)
    assert [type(c) for c in callbacks] == [pagecache._PlacesBumpAtCommit]
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        line.quotas.add(quota)
    assert [type(c) for c in callbacks] == [pagecache._PlacesAtCommit]
    assert callbacks[0].orders == {order.pk} and callbacks[0].quotas == {quota.pk}


def test_a_membership_paid_shows_in_the_network_directory(committed):
    # Who the directory lists depends on members' membership periods.
    from cesiq_site import pagecache
    from memberships.models import MembershipPeriod

    period = MembershipPeriod.objects.first()
    assert period is not None  # the demo has members
    before = pagecache.current_generation()
    period.end = period.end + timedelta(days=365)
    committed(period.save)
    assert pagecache.current_generation() != before


def test_the_key_is_the_pages_own_address(client):
    """//host/page is a path of this site, not another host's page; a query string sent
    unencoded is read as Django reads it (UTF-8), not as Latin-1."""
    from django.test import RequestFactory

    real = RequestFactory().get("/activites/")
    doubled = RequestFactory().get("/activites/")
    doubled.path = doubled.path_info = "//testserver/activites/"
    assert pagecache.cache_key(doubled) != pagecache.cache_key(real)
    assert pagecache.cache_key(real) == "pagecache:page:http://testserver/activites/"

    activities = EventIndexPage.objects.get(locale__language_code="fr").url
    raw = "audience=adultes&utm_source=caf\u00c3\u00a9&x=caf\u00c3\u00a9"  # as WSGI gives it
    response = client.get(activities, QUERY_STRING=raw)
    assert response.wsgi_request.GET.dict() == {"audience": "adultes", "x": "café"}
