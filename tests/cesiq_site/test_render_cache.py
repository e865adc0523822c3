"""What every page reads the same way, kept across requests for one content generation
(cesiq_site/render_cache.py): the site, the locales, the routing of a URL, the main menu, the
site settings, a page's translations and ancestors.

A kept answer is never stale: publishing, unpublishing or moving a page, a menu change, a
translation, the site settings all show on the next request; a change this request's
transaction made and has not committed is read afresh; the English pages never get the
French menu; pages render when the cache is down. And it is what saves the queries.
"""

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Locale

from cesiq_site import pagecache, render_cache
from events.models import EventPage
from home.models import SiteSettings, StandardPage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def render_cache_on(settings, demo_site):
    settings.RENDER_CACHE = True
    cache.clear()
    render_cache.clear()
    yield
    render_cache.clear()
    cache.clear()


def html(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return BeautifulSoup(response.content, "html.parser")


def menu(client, url):
    return [(a.get_text(), a["href"]) for a in html(client, url).select(".site-nav a")]


def standard(slug="mission", language="fr"):
    return StandardPage.objects.get(slug=slug, locale__language_code=language)


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_a_second_request_reads_the_shared_parts_from_the_process(client):
    url = standard().url
    client.get(url)
    with_cache = queries(client, url)
    render_cache.clear()
    # Cold (as with RENDER_CACHE off): site, locales, routing level by level, menu, settings…
    assert queries(client, url) >= with_cache + 6


def test_pages_are_the_same_with_and_without_it(client, settings):
    activity = EventPage.objects.filter(locale__language_code="fr").order_by("path").first()
    urls = [
        "/",
        "/en/",
        standard().url,
        standard(language="en").url,
        activity.url,
        activity.url + "inscription/",  # a routable page's sub-route
        "/activites/?vue=mois",
    ]

    def seen(url):
        page = html(client, url)
        for volatile in page.select('script, input[name="csrfmiddlewaretoken"], .antispam'):
            volatile.decompose()
        return (
            page.title.get_text(),
            [(a.get_text(), a.get("href")) for a in page.select("header a, footer a")],
            [(link.get("hreflang"), link["href"]) for link in page.select("link[rel=alternate]")],
            page.select_one("main").get_text(" ", strip=True),
            [str(picture) for picture in page.select("picture")],
        )

    kept = {url: (seen(url), seen(url)) for url in urls}
    settings.RENDER_CACHE = False
    for url in urls:
        first, second = kept[url]
        assert first == second == seen(url), url
    settings.RENDER_CACHE = True
    assert client.get(activity.url + "pas-une-route/").status_code == 404


def test_publishing_a_page_title_shows_in_the_menu_on_the_next_request(client, committed):
    page = standard()
    assert ("Notre mission", page.url) in menu(client, "/") or page.title in dict(menu(client, "/"))
    page.title = "Notre mission, revue"
    committed(lambda: page.save_revision().publish())
    assert ("Notre mission, revue", page.url) in menu(client, "/")
    assert ("Notre mission, revue", page.url) in menu(client, "/activites/")


def test_a_menu_change_shows_on_the_next_request(client, committed):
    page = standard()
    assert page.url in dict(map(reversed, menu(client, "/")))
    page.show_in_menus = False
    committed(lambda: page.save_revision().publish())
    assert page.url not in dict(map(reversed, menu(client, "/")))


def test_unpublishing_and_moving_a_page_show_on_the_next_request(client, committed):
    page = standard()
    old_url = page.url
    html(client, old_url)
    html(client, old_url)
    target = standard("partenaires")
    committed(page.move, target, pos="last-child")
    page.refresh_from_db()
    assert page.url != old_url
    assert client.get(old_url).status_code == 301  # Wagtail's redirect, not the kept route
    html(client, page.url)
    committed(page.unpublish)
    assert client.get(page.url).status_code == 404


def test_a_new_translation_shows_in_the_language_links_on_the_next_request(
    client, committed, home_fr
):
    page = StandardPage(title="Nouvelles du réseau", slug="nouvelles-du-reseau")
    committed(lambda: home_fr.add_child(instance=page).save_revision().publish())
    page.refresh_from_db()

    def english_link():
        return html(client, page.url).select_one('.language-switcher a[hreflang="en"]')["href"]

    assert english_link() == english_link() == "/en/"
    english = page.copy_for_translation(Locale.objects.get(language_code="en"))
    english.title, english.slug = "Network news", "network-news"
    committed(lambda: english.save_revision().publish())
    assert english_link() == "/en/network-news/"


def test_each_language_gets_its_own_menu_and_links(client):
    french = menu(client, "/")
    english = menu(client, "/en/")
    assert menu(client, "/") == french and menu(client, "/en/") == english
    assert french != english
    assert all(href.startswith("/en/") for _text, href in english)
    assert not any(href.startswith("/en/") for _text, href in french)
    switcher = html(client, standard(language="en").url).select_one(
        '.language-switcher a[hreflang="fr"]'
    )
    assert switcher["href"] == standard().url


def test_the_site_settings_show_on_the_next_request(client, committed, demo_site):
    assert "info@exemple.org" not in str(html(client, "/").select_one("footer"))
    site_settings = SiteSettings.for_site(demo_site)
    site_settings.email = "info@exemple.org"
    committed(site_settings.save)
    assert "info@exemple.org" in str(html(client, "/").select_one("footer"))


def test_a_change_not_yet_committed_is_read_afresh(client):
    """The admin saves and renders in one request; a test's transaction never commits."""
    page = standard()
    html(client, "/")
    page.title = "Titre pas encore engagé"
    page.save_revision().publish()  # no commit: the generation has not changed yet
    assert ("Titre pas encore engagé", page.url) in menu(client, "/")


def test_a_newer_generation_drops_what_was_kept(client):
    html(client, "/")
    pagecache.bump()
    page = standard()
    # A change that no signal announced, shown because the generation moved on.
    StandardPage.objects.filter(pk=page.pk).update(title="Titre d'une autre génération")
    assert ("Titre d'une autre génération", page.url) in menu(client, "/")


def test_pages_render_when_the_cache_is_down(client, monkeypatch):
    html(client, "/")
    monkeypatch.setattr(pagecache, "current_generation", lambda: None)
    StandardPage.objects.filter(pk=standard().pk).update(title="Lu sans le cache")
    assert ("Lu sans le cache", standard().url) in menu(client, "/")
    html(client, "/en/")
    html(client, standard().url)


def test_the_footer_form_kept_across_pages_carries_each_page_s_own_moment(client, clock):
    from cesiq_site.antispam import TIME_FIELD, stamp

    def time_trap(url):
        return html(client, url).select_one(f'footer input[name="{TIME_FIELD}"]')["value"]

    assert time_trap("/") == stamp("newsletter")
    clock.advance(60)
    assert time_trap(standard().url) == stamp("newsletter") != stamp("newsletter", clock.now - 60)
    assert time_trap("/en/") == stamp("newsletter")


def test_what_no_signal_announces_shows_within_five_minutes(client, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(render_cache, "clock", lambda: now[0])
    html(client, "/")
    page = standard()
    StandardPage.objects.filter(pk=page.pk).update(title="Changé sans signal")
    assert ("Changé sans signal", page.url) not in menu(client, "/")
    now[0] += render_cache.MAX_AGE_SECONDS + 1
    assert ("Changé sans signal", page.url) in menu(client, "/")


def test_an_image_changed_shows_in_its_pictures_on_the_next_request(client, committed, settings):
    from news.models import ArticlePage

    article = ArticlePage.objects.filter(locale__language_code="fr", image__isnull=False).first()
    image = article.image

    def pictures():
        return [str(p) for p in html(client, "/actualites/").select("picture")]

    kept = pictures()
    assert kept and pictures() == kept
    image.focal_point_x, image.focal_point_y = 10, 10
    image.focal_point_width = image.focal_point_height = 20
    committed(image.save)
    shown = pictures()
    settings.RENDER_CACHE = False
    assert shown == pictures()  # as rendered afresh: the new crop's renditions
    assert shown != kept
