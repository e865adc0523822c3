"""What every page reads the same way, kept across requests for one content generation
(cesiq_site/render_cache.py): the site, the locales, the routing of a URL, the main menu, the
site settings, a page's translations and ancestors.

A kept answer is never stale: publishing, unpublishing or moving a page, a menu change, a
translation, the site settings all show on the next request; a change this request's
transaction made and has not committed is read afresh; the English pages never get the
French menu; pages render when the cache is down. And it is what saves the queries.
"""

from decimal import Decimal

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
        activity.get_translation(Locale.objects.get(language_code="en")).url,
        "/activites/?vue=mois",
        # Listings, their cards and filter forms ({% keep %}).
        "/activites/",
        "/activites/?audience=adultes&price=payant",
        "/en/activities/",
        "/en/activities/?vue=mois",
        "/boutique/",
        "/boutique/?categorie=cafe&tri=prix",
        "/boutique/?page=2",
        "/boutique/?en_stock=on",
        "/activites/?archives=1",
        "/en/shop/",
        "/actualites/",
        "/reseau/",
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
            str(page.select_one("main")),
            [str(meta) for meta in page.select("head meta, head link")],
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


# Kept HTML fragments ({% keep %}, render_cache.keep_html): a listing's cards, its filter form,
# the <head>, the header's menu, the footer, a page's body, the month grid.


def text(element):
    """An element's text with Québec typography's non-breaking spaces as plain ones (titles
    compared with the database's)."""
    return element.get_text().replace("\u00a0", " ").replace("\u202f", " ")


def first_activity_card(client, url="/activites/"):
    return html(client, url).select_one(".activity-list .card")


def test_an_activity_card_shows_an_edited_title_on_the_next_request(client, committed):
    card = first_activity_card(client)
    assert first_activity_card(client).get_text() == card.get_text()  # kept
    slug = card.select_one("a")["href"].rstrip("/").rsplit("/", 1)[-1]
    page = EventPage.objects.get(slug=slug, locale__language_code="fr")
    page.title = "Atelier renommé"
    committed(lambda: page.save_revision().publish())
    assert first_activity_card(client).select_one(".card__title").get_text() == "Atelier renommé"


def shown_dates(client, url="/activites/"):
    """{activity title: the date its card shows} on the activity list."""
    return {
        text(card.select_one(".card__title")): card.select_one("time")["datetime"]
        for card in html(client, url).select(".activity-list .card")
        if card.select_one("time")
    }


def test_an_activity_card_shows_its_next_date_once_a_date_is_over_without_any_save(
    client, monkeypatch
):
    """Time passing changes no generation: the list is kept until a date of its activities
    starts or ends, and each card per date shown."""
    from datetime import timedelta

    from django.utils import timezone

    before = shown_dates(client)
    assert shown_dates(client) == before  # kept
    page = next(
        p
        for p in EventPage.objects.filter(locale__language_code="fr").live()
        if p.title in before
        and len(p.upcoming_dates) > 1
        and p.upcoming_dates[0].end < p.upcoming_dates[1].start
    )
    first, second = page.upcoming_dates[:2]
    moment = first.end + timedelta(seconds=1)  # the first date is over, the second to come
    monkeypatch.setattr(timezone, "now", lambda: moment)
    after = shown_dates(client)
    assert before[page.title] != after[page.title]
    assert after[page.title] == timezone.localtime(second.start).isoformat()
    assert shown_dates(client) == after


def test_an_activity_list_shows_a_date_moved_on_the_next_request(client, committed):
    """The list (which activities, in which order, with which date) is kept: a date saved
    shows on the next request, in both languages."""
    from datetime import timedelta

    from django.utils import timezone

    english = Locale.objects.get(language_code="en")
    before = shown_dates(client)
    before_en = shown_dates(client, "/en/activities/")
    assert shown_dates(client) == before and shown_dates(client, "/en/activities/") == before_en
    page = next(
        p
        for p in EventPage.objects.filter(locale__language_code="fr").live()
        if p.title in before
        and len(p.upcoming_dates) == 1
        and p.get_translation(english).title in before_en
    )
    date = page.upcoming_dates[0]
    date.start += timedelta(days=300)
    date.end += timedelta(days=300)
    committed(date.save)
    moved = timezone.localtime(date.start).isoformat()
    assert before[page.title] != moved
    assert shown_dates(client)[page.title] == moved
    assert shown_dates(client, "/en/activities/")[page.get_translation(english).title] == moved


def test_a_product_card_says_sold_out_as_soon_as_its_stock_is_gone_without_any_save(client):
    """A hold running out gives stock back without a write: the card is kept per "Épuisé"."""
    from orders.models import Quota
    from shop.models import ProductPage

    def cards():
        return {
            text(card.select_one(".card__title")): "Épuisé" in card.get_text()
            for card in html(client, "/boutique/").select(".product-list .card")
        }

    before = cards()
    assert cards() == before
    product = next(
        p
        for p in ProductPage.objects.filter(locale__language_code="fr").live()
        if before.get(p.title) is False
    )
    Quota.objects.filter(pk__in=[v.quota_id for v in product.variants.all()]).update(size=0)
    after = cards()
    assert after[product.title] is True
    assert {t: s for t, s in after.items() if t != product.title} == {
        t: s for t, s in before.items() if t != product.title
    }


def test_the_filter_form_shows_each_query_s_choices_and_a_new_theme(client, committed):
    from events.models import Theme

    def chosen(url):
        form = html(client, url).select_one("form.filters")
        return {
            select["name"]: select.select_one("option[selected]")["value"]
            for select in form.select("select")
            if select.select_one("option[selected]")
            and select.select_one("option[selected]")["value"]
        }

    assert chosen("/activites/?audience=adultes") == {"audience": "adultes"}
    assert chosen("/activites/?audience=jeunesse") == {"audience": "jeunesse"}
    assert chosen("/activites/") == {}
    assert chosen("/activites/?audience=adultes") == {"audience": "adultes"}
    theme = Theme.objects.filter(locale__language_code="fr").first()
    theme.name = "Thème renommé"
    committed(lambda: theme.save_revision().publish())
    options = html(client, "/activites/").select('select[name="theme"] option')
    assert "Thème renommé" in [option.get_text() for option in options]


def test_the_head_shows_an_edited_description_on_the_next_request(client, committed):
    page = standard()

    def description():
        return html(client, page.url).select_one('meta[name="description"]')["content"]

    assert description() == description()
    page.search_description = "Une description revue pour les moteurs de recherche."
    committed(lambda: page.save_revision().publish())
    assert description() == "Une description revue pour les moteurs de recherche."


def test_the_menu_marks_each_page_s_own_section(client):
    def current(url):
        return [a["href"] for a in html(client, url).select('.site-nav a[aria-current="page"]')]

    mission = standard()
    assert current(mission.url) == current(mission.url) == [mission.url]
    assert current("/activites/") == ["/activites/"]
    assert current("/") == []


def test_a_page_body_shows_an_edit_on_the_next_request(client, committed):
    page = standard()
    assert (
        html(client, page.url).select_one("main").get_text()
        == html(client, page.url).select_one("main").get_text()
    )
    page.body = [("paragraph", "<p>Un paragraphe tout neuf.</p>")]
    committed(lambda: page.save_revision().publish())
    assert "Un paragraphe tout neuf." in html(client, page.url).select_one("main").get_text()


def test_an_article_card_shows_an_edited_title_on_the_next_request(client, committed):
    from news.models import ArticlePage

    article = (
        ArticlePage.objects.filter(locale__language_code="fr").live().order_by("-date").first()
    )

    def titles(url):
        return [text(h) for h in html(client, url).select(".news-card .card__title")]

    assert article.title in titles("/actualites/") == titles("/actualites/")
    article.title = "Article renommé"
    committed(lambda: article.save_revision().publish())
    assert "Article renommé" in titles("/actualites/")
    assert "Article renommé" in titles("/")


def test_a_resource_card_shows_an_edit_and_a_new_file_on_the_next_request(client, committed):
    from django.utils import translation
    from wagtail.documents import get_document_model

    from home.templatetags.home_tags import document_size
    from resources.models import ResourcePage

    resource = next(
        page
        for page in ResourcePage.objects.live().filter(locale__language_code="fr")
        if page.document_id
    )

    def cards():
        return [
            text(card)
            for card in html(client, "/ressources-pedagogiques/").select(".resource-card")
        ]

    before = cards()
    assert cards() == before  # kept
    resource.title = "Ressource renommée"
    committed(lambda: resource.save_revision().publish())
    assert any("Ressource renommée" in card for card in cards())
    document = get_document_model().objects.get(pk=resource.document_id)
    with translation.override("fr"):
        size = " ".join(document_size(7_654_321).split())  # "7,3 Mo"
    assert not any(size in card for card in before)
    document.file_size = 7_654_321
    committed(document.save)
    assert any("Ressource renommée" in card and size in card for card in cards())


def test_a_campaign_card_shows_edited_dates_on_the_next_request(client, committed):
    from datetime import date

    from news.models import CampaignPage

    def cards():
        return [text(card) for card in html(client, "/actualites/").select(".campaign-card")]

    campaign = CampaignPage.objects.live().filter(locale__language_code="fr").first()
    before = cards()
    assert any(campaign.title in card for card in before) and cards() == before  # kept
    campaign.title = "Campagne renommée"
    campaign.start_date, campaign.end_date = date(2031, 3, 8), date(2031, 3, 9)
    committed(lambda: campaign.save_revision().publish())
    assert any("Campagne renommée" in card and "2031" in card for card in cards())


def test_the_news_list_shows_an_unpublished_article_gone_on_the_next_request(
    client, committed, settings
):
    """The news list (which articles, filters, themes, campaigns) is kept per generation:
    an article unpublished leaves it on the next request, filtered by theme and by tag too,
    in both languages; what is kept is the same as what a fresh render shows."""
    from news.models import ArticlePage

    article = next(
        page
        for page in ArticlePage.objects.live().filter(locale__language_code="fr").order_by("-date")
        if page.themes.exists() and page.tags.exists()
    )
    english = article.get_translations().live().get()
    theme = article.themes.first().translation_key
    tag = article.tags.first().slug
    urls = ["/actualites/", f"/actualites/?theme={theme}", f"/actualites/?tag={tag}"]

    def titles(url):
        return [text(h) for h in html(client, url).select(".news-list .card__title")]

    for url in urls:
        assert article.title in titles(url) and titles(url) == titles(url), url
    assert english.title in titles("/en/news/")
    kept = {url: titles(url) for url in urls}
    settings.RENDER_CACHE = False
    fresh = {url: titles(url) for url in urls}
    settings.RENDER_CACHE = True
    assert kept == fresh  # kept or not, the same lists
    assert fresh[urls[0]] != fresh[urls[1]] and fresh[urls[0]] != fresh[urls[2]]  # filtered

    committed(article.unpublish)
    for url in urls:
        assert article.title not in titles(url), url
    assert english.title in titles("/en/news/")  # its translation stays published
    committed(english.unpublish)
    assert english.title not in titles("/en/news/")


def test_the_resource_list_shows_an_unpublished_resource_gone_on_the_next_request(
    client, committed, settings
):
    """The teaching resources list (which resources, on which page) is kept per generation
    and valid filters: a resource unpublished leaves it on the next request, filtered too; a
    filter value that is not a choice is still said beside its field; what is kept is the same
    as what a fresh render shows."""
    from resources.models import ResourcePage

    resource = next(
        page
        for page in ResourcePage.objects.live().filter(locale__language_code="fr")
        if page.themes.exists()
    )
    theme = resource.themes.first().translation_key
    urls = [
        "/ressources-pedagogiques/",
        f"/ressources-pedagogiques/?theme={theme}",
        f"/ressources-pedagogiques/?audience={resource.audience}",
    ]

    def titles(url):
        return [text(h) for h in html(client, url).select(".resource-list .card__title")]

    for url in urls:
        assert resource.title in titles(url) and titles(url) == titles(url), url
    kept = {url: titles(url) for url in urls}
    settings.RENDER_CACHE = False
    fresh = {url: titles(url) for url in urls}
    settings.RENDER_CACHE = True
    assert kept == fresh  # kept or not, the same lists
    assert fresh[urls[0]] != fresh[urls[1]]  # filtered
    ignored = html(client, "/ressources-pedagogiques/?audience=nope")
    assert "Ce choix n’existe pas" in text(ignored.select_one(".filters"))
    assert [text(h) for h in ignored.select(".resource-list .card__title")] == kept[urls[0]]

    committed(resource.unpublish)
    for url in urls:
        assert resource.title not in titles(url), url


def test_the_network_directory_drops_a_lapsed_member_the_next_day(client, committed, monkeypatch):
    """The network directory (which organisations, their themes) is kept per generation and
    day: a member whose membership ends today is listed today and gone tomorrow without any
    save; an organisation unpublished is gone on the next request."""
    from datetime import timedelta

    from django.utils import timezone

    from memberships.models import Member, MembershipCategory, MembershipPeriod
    from network.models import MemberOrganisation
    from network.services import listing_for

    def names(url="/reseau/"):
        return [text(a) for a in html(client, url).select(".network-card h3 a")]

    def join():
        member = Member.objects.create(
            kind="organisation", name="Awa", organisation="Collectif Saint-Roch", email="sr@x.org"
        )
        today = timezone.localdate()
        MembershipPeriod.objects.create(
            member=member,
            category=MembershipCategory.objects.filter(kind="organisation").first(),
            start=today - timedelta(days=364),
            end=today,
            amount=50,
        )
        return listing_for(member)

    entry = committed(join)
    listed = names()
    assert "Collectif Saint-Roch" in listed and names() == listed  # kept
    assert "Collectif Saint-Roch" in names("/en/network/")  # in French until translated

    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    assert "Collectif Saint-Roch" not in names()
    assert "Collectif Saint-Roch" not in names("/en/network/")
    monkeypatch.undo()

    other = MemberOrganisation.objects.filter(live=True, locale__language_code="fr").first()
    assert other.name in names()
    committed(other.unpublish)
    assert other.name not in names()
    assert entry.name in names()  # today again


def test_the_month_grid_shows_an_edited_title_on_the_next_request(client, committed):
    def titles():
        return [text(a) for a in html(client, "/activites/?vue=mois").select(".month__link")]

    shown = titles()
    assert shown and titles() == shown
    page = EventPage.objects.get(title=shown[0], locale__language_code="fr")
    page.title = "Séance renommée"
    committed(lambda: page.save_revision().publish())
    assert "Séance renommée" in titles()


def test_a_fragment_that_asks_for_a_csrf_token_is_never_kept(rf):
    import re

    from django.middleware.csrf import _unmask_cipher_token
    from django.template import engines

    from cesiq_site import request_memo

    template = engines["django"].from_string(
        "{% load cesiq_tags %}{% keep 'form' %}{% csrf_token %}{% endkeep %}"
    )
    for _ in range(2):
        request = rf.get("/")
        memo = request_memo._memo.set({})  # as in a request (the middleware's memo)
        try:
            rendered = template.render({}, request)
        finally:
            request_memo._memo.reset(memo)
        token = re.search(r'value="([^"]+)"', rendered)[1]
        # Each request's own token, and the response will set its cookie.
        assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]
        assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True


def test_the_breadcrumb_data_shows_a_renamed_page_on_the_next_request(client, committed):
    import json

    page = standard()

    def trail():
        for script in html(client, page.url).select('script[type="application/ld+json"]'):
            data = json.loads(script.string)
            if data.get("@type") == "BreadcrumbList":
                return [item["name"] for item in data["itemListElement"]]
        return None

    assert trail() == trail() and page.title in trail()
    page.title = "Mission renommée"
    committed(lambda: page.save_revision().publish())
    assert trail()[-1] == "Mission renommée"


def test_campaign_partners_show_an_edit_on_the_next_request(client, committed):
    from news.models import CampaignPage

    campaign = CampaignPage.objects.filter(locale__language_code="fr").live().first()

    def partners():
        section = html(client, campaign.url).select_one(".campaign__partners")
        return [li.get_text() for li in section.select("li")] if section else []

    shown = partners()
    assert shown and partners() == shown
    partner = campaign.partners.first()
    partner.name = "Partenaire renommé"
    committed(partner.save)
    assert "Partenaire renommé" in partners()


def product_cards(client, url="/boutique/"):
    """{product title: its card's text} on a page of the catalogue."""
    return {
        text(card.select_one(".card__title")): text(card)
        for card in html(client, url).select(".product-list .card")
    }


def test_the_catalogue_shows_a_price_edit_and_an_unpublished_product_on_the_next_request(
    client, committed
):
    """The page of results (which products, in which order, at which price) is kept per
    generation: a variant's price saved and a product unpublished show on the next request,
    in both languages and on each page of results."""
    from shop.models import ProductPage

    english = Locale.objects.get(language_code="en")
    before = product_cards(client)
    assert product_cards(client) == before
    product = next(
        p
        for p in ProductPage.objects.filter(locale__language_code="fr").live()
        if p.title in before and p.variants.count() == 1
    )
    title_en = product.get_translation(english).title
    assert title_en in product_cards(client, "/en/shop/")
    variant = product.variants.get()
    variant.price = Decimal("77.50")
    committed(variant.save)
    assert "77,50" in product_cards(client)[product.title]
    assert "77.50" in product_cards(client, "/en/shop/")[title_en]

    second_page = product_cards(client, "/boutique/?page=2")
    assert second_page and not set(second_page) & set(before)
    committed(product.unpublish)
    after = product_cards(client)
    assert product.title not in after
    # The first product of page 2 moves up to page 1.
    assert set(second_page) <= set(after)


def test_an_activity_page_shows_edits_on_the_next_request(client, committed):
    """What the activity page keeps per generation (its dates, tickets, venue, themes,
    structured data's fixed parts): a ticket's name, the venue's name, a theme's name and a
    date saved show on the next request, in both languages."""
    import json
    from datetime import timedelta

    from django.utils import timezone

    english = Locale.objects.get(language_code="en")
    page = next(
        p
        for p in EventPage.objects.filter(locale__language_code="fr").live()
        if p.venue and p.upcoming_dates and p.visible_ticket_types() and p.themes.exists()
    )
    translation = page.get_translation(english)

    def seen(url):
        found = html(client, url)
        data = json.loads(found.select_one('script[type="application/ld+json"]').string)
        return text(found.select_one("main")), data

    for url in (page.url, translation.url):
        assert seen(url) == seen(url)
    ticket = page.visible_ticket_types()[0]
    ticket.name = "Billet renommé"
    committed(ticket.save)
    venue = page.venue
    venue.name = "Salle renommée"
    committed(lambda: venue.save_revision().publish())
    theme = page.themes.filter(live=True).first()
    theme.name = "Thème renommé"
    committed(lambda: theme.save_revision().publish())
    date = page.upcoming_dates[0]
    date.start += timedelta(days=3)
    date.end += timedelta(days=3)
    committed(date.save)
    main, data = seen(page.url)
    assert "Billet renommé" in main
    assert "Salle renommée" in main
    assert "Thème renommé" in main
    starts = [event["startDate"] for event in data]
    assert timezone.localtime(date.start).isoformat() in starts
    assert "Billet renommé" in json.dumps(data, ensure_ascii=False)
    assert "Salle renommée" in json.dumps(data, ensure_ascii=False)
    main_en, data_en = seen(translation.url)
    assert timezone.localtime(date.start).isoformat() in [e["startDate"] for e in data_en]


def test_an_activity_page_shows_places_taken_and_dates_over_without_any_save(client, monkeypatch):
    """Places left and which dates are to come are read for every request, not kept: a
    sale's places (here the quota made full without any signal) and a date that is over show
    at once."""
    import json
    from datetime import timedelta

    from django.utils import timezone

    from orders.models import Quota

    page = next(
        p
        for p in EventPage.objects.filter(locale__language_code="fr").live()
        if len(p.bookable_dates) > 1
        and p.registration_open()
        and not p.external_registration_url
        and p.upcoming_dates[0].end < p.upcoming_dates[1].start
    )

    def seen():
        found = html(client, page.url)
        data = json.loads(found.select_one('script[type="application/ld+json"]').string)
        dates = [text(li) for li in found.select(".activity__dates li")]
        return dates, data

    dates, data = seen()
    assert seen() == (dates, data)
    assert not any("Complet" in shown for shown in dates)
    first, second = page.upcoming_dates[:2]
    Quota.objects.filter(pk=first.quota_id).update(size=0)
    dates, data = seen()
    assert "Complet" in dates[0]
    assert {offer["availability"] for offer in data[0]["offers"]} == {"https://schema.org/SoldOut"}
    moment = first.end + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    dates, data = seen()
    assert data[0]["startDate"] == timezone.localtime(second.start).isoformat()
    assert len(dates) == len(page.upcoming_dates) - 1


def related_on_page(client, url):
    """[(activity title, its date shown or None)] under the page's related activities."""
    return [
        (text(item.select_one("a")), (item.select_one("time") or {}).get("datetime"))
        for item in html(client, url).select(".related__list li")
    ]


# Each page kind's own list of related activities: (list, the first moment time changes it).
RELATED = {
    "resources.ResourcePage": "related_activities",
    "news.CampaignPage": "related_activities",
    "news.ArticlePage": "shown_activities",
}


@pytest.mark.parametrize("model", sorted(RELATED))
def test_related_activities_show_a_save_or_a_date_over_at_once(
    client, committed, monkeypatch, model
):
    """A teaching resource's, a campaign's or an article's related activities are kept per
    generation: a date moved shows on the next request; a date that starts or ends shows at
    once, without any save."""
    from datetime import timedelta

    from django.apps import apps
    from django.utils import timezone

    Model = apps.get_model(model)

    def related(page):
        return getattr(page, RELATED[model])()[0]

    resource = next(
        page for page in Model.objects.live().filter(locale__language_code="fr") if related(page)
    )
    kept = related_on_page(client, resource.url)
    assert kept and related_on_page(client, resource.url) == kept  # kept

    # Time passing: the first moment a date of a listed activity starts or ends that changes
    # the list (an activity gone, another date shown) shows at once.
    moments = sorted(
        moment + timedelta(seconds=1)
        for listed in related(resource)
        for date in listed.source.dates.all()
        for moment in (date.start, date.end)
        if moment > timezone.now()
    )
    real_now = timezone.now

    def listed_at(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return [
            (
                listed.title,
                listed.next_date and timezone.localtime(listed.next_date.start).isoformat(),
            )
            for listed in related(Model.objects.get(pk=resource.pk))
        ]

    moment = next(m for m in moments if listed_at(m) != kept)
    monkeypatch.setattr(timezone, "now", real_now)
    assert related_on_page(client, resource.url) == kept  # still kept before then
    expected = listed_at(moment)
    assert related_on_page(client, resource.url) == expected != kept
    monkeypatch.setattr(timezone, "now", real_now)

    # A save (a date moved): a new content generation, read afresh on the next request (what
    # was kept at that later moment included).
    title, _shown = kept[0]
    page = EventPage.objects.get(title=title, locale__language_code="fr")

    first = page.upcoming_dates[0]
    first.start += timedelta(days=400)
    first.end += timedelta(days=400)
    committed(first.save)
    moved = dict(related_on_page(client, resource.url)).get(title)
    assert moved != dict(kept)[title]


def test_the_gift_offer_is_read_once_and_a_charity_settings_change_shows_at_once(client, committed):
    """Every registration form and shop checkout offers the gift (the donation page and the
    charity settings): kept for the generation, and the receipt address fields come and go
    with the settings on the next request."""
    from donations.models import CharitySettings

    activity = EventPage.objects.get(
        slug="atelier-consommation-equitable", locale__language_code="fr"
    )
    url = activity.url + "inscription/"

    def asks_for_the_address():
        return html(client, url).find("input", {"name": "gift_street"}) is not None

    charity = CharitySettings.load()
    assert charity.issues_receipts
    assert asks_for_the_address()
    with CaptureQueriesContext(connection) as captured:
        assert asks_for_the_address()
    assert not any("donations_" in query["sql"] for query in captured), "read again"
    charity.registered_charity = False
    committed(charity.save)
    assert not asks_for_the_address()
    charity.registered_charity = True
    committed(charity.save)
    assert asks_for_the_address()


def test_the_order_settings_are_read_once_and_a_tax_change_applies_to_the_next_order(
    client, committed, fake_stripe
):
    """Every order placed reads whether taxes are collected: kept for the generation (no
    `orders_ordersettings` read for the second buyer), and saving the settings applies to
    the very next order."""
    from orders.models import Order, OrderSettings
    from tests.events.conftest import registration_data

    activity = EventPage.objects.get(
        slug="atelier-consommation-equitable", locale__language_code="fr"
    )
    regular = activity.source.ticket_types.get(name="Régulier")

    def register(email):
        data = registration_data(activity, **{f"quantity_{regular.pk}": 1}, buyer_email=email)
        with CaptureQueriesContext(connection) as captured:
            assert client.post(activity.url + "inscription/", data).status_code == 302
        reads = [q for q in captured if 'FROM "orders_ordersettings"' in q["sql"]]
        return Order.objects.get(buyer_email=email), reads

    settings_row = OrderSettings.load()
    assert not settings_row.taxes_enabled
    first, _reads = register("une@example.org")
    assert (first.gst, first.qst, first.total) == (0, 0, 25)
    second, reads = register("deux@example.org")
    assert not reads, "read again"

    settings_row.taxes_enabled = True
    committed(settings_row.save)
    third, _reads = register("trois@example.org")
    assert third.gst > 0 and third.qst > 0 and third.total > 25


def test_a_receipt_keeps_nothing_keyed_on_its_address_and_still_links_its_languages(client):
    """A receipt's address is its buyer's alone: a head or language links kept for it would
    never be used again, only fill the process's store (and push out what pages share)."""
    from tests.a11y_pages import a_free_registration

    order = a_free_registration()
    url = order.get_absolute_url()
    for _ in range(2):
        page = html(client, url)
    kept = [key for key in render_cache._store["values"] if key[0] == "html"]
    assert kept and not [key for key in kept if any(url in str(part) for part in key)]
    # Not for search engines nor previews: no canonical address repeats the secret one.
    assert page.select_one('link[rel="canonical"]') is None
    assert page.select_one('meta[name="robots"]')["content"] == "noindex"
    english = page.select_one(".language-switcher a[hreflang=en]")["href"]
    assert english.startswith("/en/") and order.code in english
