"""What an uncached public page costs in SQL queries (issue 13, goal 2): at most 15 for an
anonymous visitor, in French and in English, and the same with 200 more activities (with
their dates) and 200 more products.

Counted on the second request of a page (the first one makes image renditions and fills
per-process caches such as the site's root paths); the page cache is off in tests, so every
request renders. Query counts are deterministic, so they are asserted; speed is measured by
bench/page_cache.py.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import Page

from devtools.indexing import indexes_updated_at_the_end

pytestmark = pytest.mark.django_db

BUDGET = 15

# Page kinds that still cost more than the budget, with what they cost today (none since the
# render cache of 3 December): they may not cost more, and their budget test is expected to
# fail (once a page is under budget, take it off this list). Not a strict xfail: on a
# database seeded in an earlier run (--reuse-db) the demo's image files are gone from the
# tests' in-memory storage, so no rendition can be made and each image costs one more query
# (a rendition lookup) than on a fresh one.
OVER_BUDGET = {}

# (name, page type, query string); the page is the first live one of its type in each
# language.
KINDS = [
    ("home", "home.HomePage", ""),
    ("standard page", "home.StandardPage", ""),
    ("activity list", "events.EventIndexPage", ""),
    (
        "activity list, filters",
        "events.EventIndexPage",
        "?audience=adultes&price=payant&format=atelier",
    ),
    ("month view", "events.EventIndexPage", "?vue=mois"),
    ("activity", "events.EventPage", ""),
    ("shop catalogue", "shop.ProductIndexPage", ""),
    ("shop catalogue, filters", "shop.ProductIndexPage", "?categorie=cafe&tri=prix"),
    ("product", "shop.ProductPage", ""),
    ("news list", "news.NewsIndexPage", ""),
    ("article", "news.ArticlePage", ""),
    ("campaign", "news.CampaignPage", ""),
    ("resources", "resources.ResourceIndexPage", ""),
    ("resource", "resources.ResourcePage", ""),
    ("network directory", "network.NetworkDirectoryPage", ""),
    ("donation", "donations.DonationPage", ""),
    ("membership", "memberships.MembershipPage", ""),
    ("contact form", "contact.ContactFormPage", ""),
    ("workshop request", "schools.WorkshopRequestPage", ""),
    ("newsletter issue", "newsletter.NewsletterIssuePage", ""),
]
SEARCH = {"fr": "/recherche/?q=cafe", "en": "/en/search/?q=coffee"}
LANGUAGES = ["fr", "en"]
CASES = [f"{name}/{language}" for name, _model, _query in KINDS for language in LANGUAGES] + [
    f"search/{language}" for language in LANGUAGES
]


def url_of(case):
    from django.apps import apps

    name, language = case.rsplit("/", 1)
    if name == "search":
        return SEARCH[language]
    model_label, query = next((m, q) for n, m, q in KINDS if n == name)
    model = apps.get_model(model_label)
    page = (
        Page.objects.live()
        .public()
        .type(model)
        .filter(locale__language_code=language)
        .order_by("path")
        .first()
    )
    assert page is not None, f"the demo has no {case}"
    return page.url + query


def queries_for(client, url):
    client.get(url)  # first: renditions are made, per-process caches filled
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.fixture
def warm(client, demo_site, settings):
    # As in production: what every page reads the same way is kept across requests for one
    # content generation (cesiq_site/render_cache.py), so the second request of a page is
    # counted with it kept; test_render_cache.py shows a change is never missed.
    from django.core.cache import cache

    from cesiq_site import render_cache

    settings.RENDER_CACHE = True
    cache.clear()
    render_cache.clear()
    # Both languages once: per-process caches an earlier test may have left cold.
    client.get("/")
    client.get("/en/")
    yield client
    render_cache.clear()


def budget_case(case):
    if case in OVER_BUDGET:
        return pytest.param(
            case,
            marks=pytest.mark.xfail(reason=f"{OVER_BUDGET[case]} queries, over the budget"),
        )
    return case


@pytest.mark.parametrize("case", [budget_case(case) for case in CASES])
def test_an_uncached_page_costs_at_most_15_queries(warm, case):
    assert queries_for(warm, url_of(case)) <= BUDGET


@pytest.mark.parametrize("case", sorted(OVER_BUDGET))
def test_pages_over_budget_cost_no_more_than_today(warm, case):
    assert queries_for(warm, url_of(case)) <= OVER_BUDGET[case]


def add_activities(n):
    from events.models import EventDate, EventIndexPage, EventPage, TicketType

    index = EventIndexPage.objects.get(locale__language_code="fr")
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    with indexes_updated_at_the_end():
        for i in range(n):
            page = EventPage(
                title=f"Atelier d'essai {i:03d}",
                slug=f"atelier-essai-{i:03d}",
                summary="Un atelier pour compter.",
                audience="adultes",
                format="atelier",
            )
            for day in (i % 60, i % 60 + 7):  # two dates each, many in the month shown
                begins = start + timedelta(days=day)
                page.dates.add(EventDate(start=begins, end=begins + timedelta(hours=2)))
            page.ticket_types.add(TicketType(name="Billet", price=Decimal("5.00")))
            index.add_child(instance=page)


def add_products(n):
    from shop.models import ProductImage, ProductIndexPage, ProductPage, ProductVariant

    index = ProductIndexPage.objects.get(locale__language_code="fr")
    image = ProductPage.objects.child_of(index).first().gallery_images.first().image
    with indexes_updated_at_the_end():
        for i in range(n):
            page = ProductPage(
                title=f"Café d'essai {i:03d}",
                slug=f"cafe-essai-{i:03d}",
                summary="Un café pour compter.",
                category="cafe",
            )
            page.gallery_images.add(ProductImage(image=image))
            page.variants.add(
                ProductVariant(
                    sku=f"ESSAI-{i:03d}", label="340 g", price=Decimal("10.00") + i, stock=i % 3
                )
            )
            index.add_child(instance=page)


@pytest.mark.slow
def test_the_cost_does_not_grow_with_200_activities_and_200_products(warm, settings):
    # Adding them in the test's transaction (never committed) leaves a bump pending, so what
    # the render cache keeps is read afresh after it: compare without it on both sides.
    settings.RENDER_CACHE = False
    urls = {case: url_of(case) for case in CASES}
    before = {case: queries_for(warm, url) for case, url in urls.items()}
    add_activities(200)
    add_products(200)
    after = {case: queries_for(warm, url) for case, url in urls.items()}
    # Not more. (Fewer is possible: the new activities, sooner than the demo's, take their
    # place in "next activities" and have no image to look up.)
    grew = {case: (before[case], after[case]) for case in urls if after[case] > before[case]}
    assert grew == {}
