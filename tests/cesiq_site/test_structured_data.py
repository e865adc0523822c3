"""Every page kind's JSON-LD, in both languages, checked against the properties Google's rich
results read (developers.google.com/search/docs/appearance/structured-data, late 2026).

The rules, written down:

- Event (event): required `name`, `startDate`, `location` (a Place with `name` and a
  PostalAddress, or a VirtualLocation with `url`). Recommended and checked: `description`,
  `endDate`, `eventStatus`, `eventAttendanceMode`, `image`, `organizer` (`name`, and `url` when
  it is the CÉSIQ), `offers` on a scheduled future date (each: `price`, `priceCurrency`,
  `availability` among InStock / LimitedAvailability / SoldOut / PreOrder, `url`, `validFrom`),
  `previousStartDate` when EventRescheduled. No offer on a cancelled or postponed date. Dates
  are ISO 8601 with an offset. PostalAddress: `streetAddress` (when known), `addressLocality`,
  `addressRegion`, `addressCountry`, `postalCode` only when known (never empty).
- Organization (home page): recommended `name`, `url`, `logo`, `address`, `contactPoint` or
  `email`/`telephone`, `sameAs`.
- Product (product page, merchant listing): required `name`, `image`, `offers` with `price`
  and `priceCurrency`; recommended `description`, `sku`, `brand.name`,
  `offers.availability` (InStock / OutOfStock), `offers.url`.
- NewsArticle (article page): required none; recommended and checked `headline` (at most
  110 characters), `image` (absolute URLs), `datePublished` and `dateModified` (ISO 8601 with
  an offset, modified not before published), `author` (each with `name`; `url` for an
  organisation), `publisher` with `name` and `logo`; `inLanguage` the page's language.
- BreadcrumbList (every page below the home page): `itemListElement`, at least two
  ListItems, each with `position` (1, 2, …), `name`, `item` (an absolute URL), the last one the
  page itself.
- Every URL is absolute, on the requested host; every text is in the page's language.
"""

import json
import re

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.django_db

HOST = "www.cesiq.example"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")
SCHEMA = "https://schema.org/"
AVAILABILITY = {SCHEMA + v for v in ("InStock", "LimitedAvailability", "SoldOut", "PreOrder")}
EVENT_STATUS = {
    SCHEMA + v for v in ("EventScheduled", "EventCancelled", "EventPostponed", "EventRescheduled")
}

PAGES = {
    "home": ("/", "/en/"),
    "standard": ("/mission/", "/en/mission/"),
    "activity list": ("/activites/", "/en/activities/"),
    "activity": (
        "/activites/conference-justice-climatique/",
        "/en/activities/conference-justice-climatique/",
    ),
    "paid activity": (
        "/activites/atelier-consommation-equitable/",
        "/en/activities/atelier-consommation-equitable/",
    ),
    "nearly full activity": (
        "/activites/atelier-presque-complet/",
        "/en/activities/atelier-presque-complet/",
    ),
    "full activity": (
        "/activites/atelier-produits-menagers/",
        "/en/activities/atelier-produits-menagers/",
    ),
    "online activity": (
        "/activites/webinaire-decroissance/",
        "/en/activities/webinaire-decroissance/",
    ),
    "cancelled activity": ("/activites/rencontre-annulee/", "/en/activities/rencontre-annulee/"),
    "partner activity": (
        "/activites/semaine-contre-le-racisme/",
        "/en/activities/semaine-contre-le-racisme/",
    ),
    "shop": ("/boutique/", "/en/shop/"),
    "product": ("/boutique/cafe-perou-biologique/", "/en/shop/cafe-perou-biologique/"),
    "producer": (
        "/boutique/producteurs/cooperative-des-andes/",
        "/en/shop/producteurs/cooperative-des-andes/",
    ),
    "news": ("/actualites/", "/en/news/"),
    "article": (
        "/actualites/justice-climatique-militantes-du-sud/",
        "/en/news/justice-climatique-militantes-du-sud/",
    ),
    "campaign": (
        "/actualites/12-jours-action-violence-femmes/",
        "/en/news/12-jours-action-violence-femmes/",
    ),
}


def json_ld(client, url):
    response = client.get(url, HTTP_HOST=HOST)
    assert response.status_code == 200, url
    html = BeautifulSoup(response.content, "html.parser")
    found = []
    for script in html.find_all("script", type="application/ld+json"):
        data = json.loads(script.string)
        found += data if isinstance(data, list) else [data]
    return found


def by_type(items):
    found = {}
    for item in items:
        found.setdefault(item["@type"], []).append(item)
    return found


def absolute(url):
    assert url.startswith(f"http://{HOST}/"), url


def check_address(address):
    assert address["@type"] == "PostalAddress"
    for key in ("addressLocality", "addressRegion", "addressCountry"):
        assert address[key], key
    assert address.get("postalCode", "x") != ""
    assert address.get("streetAddress", "x") != ""


def check_event(event, url):
    for key in ("name", "startDate", "location", "description", "endDate", "eventStatus"):
        assert event.get(key), key
    assert ISO.match(event["startDate"]) and ISO.match(event["endDate"])
    assert event["eventStatus"] in EVENT_STATUS
    assert event["eventAttendanceMode"].startswith(SCHEMA)
    locations = event["location"] if isinstance(event["location"], list) else [event["location"]]
    for location in locations:
        if location["@type"] == "Place":
            assert location["name"]
            check_address(location["address"])
        else:
            assert location["@type"] == "VirtualLocation"
            absolute(location["url"])
    assert event["image"] and all(absolute(i) is None for i in event["image"])
    assert event["organizer"]["name"]
    if event["organizer"]["name"] == "CÉSIQ":
        absolute(event["organizer"]["url"])
    if event["eventStatus"] == SCHEMA + "EventRescheduled":
        assert ISO.match(event["previousStartDate"])
    if event["eventStatus"] in {SCHEMA + "EventCancelled", SCHEMA + "EventPostponed"}:
        assert event["offers"] == []
    for offer in event["offers"]:
        assert offer["priceCurrency"] == "CAD"
        assert offer["availability"] in AVAILABILITY
        assert offer["url"].startswith("http")
        assert ISO.match(offer["validFrom"])
        if "name" in offer:  # the site's own tickets (a partner's offer has none)
            assert re.match(r"^\d+\.\d\d$", offer["price"])
            assert offer["url"] == f"http://{HOST}{url}"


def check_product(product):
    assert product["name"] and product["description"] and product["sku"]
    absolute(product["image"])
    assert product["brand"]["name"]
    assert product["offers"]
    for offer in product["offers"]:
        assert re.match(r"^\d+\.\d\d$", offer["price"]) and offer["priceCurrency"] == "CAD"
        assert offer["availability"] in {SCHEMA + "InStock", SCHEMA + "OutOfStock"}
        absolute(offer["url"])


def check_article(article, url, language):
    assert 0 < len(article["headline"]) <= 110
    assert all(absolute(i) is None for i in article["image"])
    for key in ("datePublished", "dateModified"):
        assert ISO.match(article[key]), key
    assert article["datePublished"] <= article["dateModified"]
    assert article["author"] and all(a["name"] for a in article["author"])
    for author in article["author"]:
        if author["@type"] == "Organization":
            absolute(author["url"])
    assert article["publisher"]["name"]
    absolute(article["publisher"]["logo"]["url"])
    assert article["mainEntityOfPage"]["@id"] == f"http://{HOST}{url}"
    assert article["inLanguage"] == language


def check_organization(organization):
    assert organization["name"] and organization["logo"]
    absolute(organization["url"])
    absolute(organization["logo"])
    check_address(organization["address"])
    assert organization["contactPoint"][0]["email"] or organization["contactPoint"][0]["telephone"]
    assert all(url.startswith("https://") for url in organization["sameAs"])


def check_breadcrumbs(trail, url):
    items = trail["itemListElement"]
    assert len(items) >= 2
    assert [i["position"] for i in items] == list(range(1, len(items) + 1))
    for item in items:
        assert item["@type"] == "ListItem" and item["name"]
        absolute(item["item"])
    assert items[-1]["item"] == f"http://{HOST}{url}"
    assert items[0]["item"] in (f"http://{HOST}/", f"http://{HOST}/en/")


@pytest.mark.parametrize("kind", PAGES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_kind_has_valid_structured_data(client, demo_site, kind, language):
    url = PAGES[kind][0 if language == "fr" else 1]
    found = by_type(json_ld(client, url))
    if kind == "home":
        assert "BreadcrumbList" not in found
        [organization] = found["Organization"]
        check_organization(organization)
    else:
        [trail] = found["BreadcrumbList"]
        check_breadcrumbs(trail, url)
    if "activity" in kind and kind != "activity list":
        assert found["Event"], kind
        for event in found["Event"]:
            check_event(event, url)
            assert event["inLanguage"] == language
    if kind == "product":
        [product] = found["Product"]
        check_product(product)
    if kind == "article":
        [article] = found["NewsArticle"]
        check_article(article, url, language)
    assert set(found) <= {"Organization", "BreadcrumbList", "Event", "Product", "NewsArticle"}


def offers(client, url):
    [event, *_rest] = by_type(json_ld(client, url))["Event"]
    return event["offers"]


def test_availability_follows_the_places_really_left(client, demo_site):
    assert {
        o["availability"] for o in offers(client, "/activites/conference-justice-climatique/")
    } == {SCHEMA + "InStock"}
    assert {o["availability"] for o in offers(client, "/activites/atelier-presque-complet/")} == {
        SCHEMA + "LimitedAvailability"
    }
    assert {o["availability"] for o in offers(client, "/activites/atelier-produits-menagers/")} == {
        SCHEMA + "SoldOut"
    }


def test_a_cancelled_activity_offers_nothing(client, demo_site):
    [event] = by_type(json_ld(client, "/en/activities/rencontre-annulee/"))["Event"]
    assert event["eventStatus"] == SCHEMA + "EventCancelled"
    assert event["offers"] == []


def test_offer_names_are_in_the_page_language(client, demo_site):
    french = {o["name"] for o in offers(client, "/activites/atelier-consommation-equitable/")}
    english = {o["name"] for o in offers(client, "/en/activities/atelier-consommation-equitable/")}
    assert french == {"Régulier", "Étudiant·e"}  # the member price is kept for code holders
    assert english == {"Regular", "Student"}


def test_a_partner_activity_offers_the_partner_page(client, demo_site):
    [offer] = offers(client, "/en/activities/semaine-contre-le-racisme/")
    assert offer["url"] == "https://www.example.org/semaine-contre-le-racisme"
    [event] = by_type(json_ld(client, "/en/activities/semaine-contre-le-racisme/"))["Event"]
    assert event["organizer"]["name"] == "Network partners"
    [french] = by_type(json_ld(client, "/activites/semaine-contre-le-racisme/"))["Event"]
    assert french["organizer"]["name"] == "Partenaires du réseau"


def test_postal_code_is_given_when_known(client, demo_site):
    from events.models import Venue

    venue = Venue.objects.get(name="Salle communautaire du CÉSIQ", locale__language_code="fr")
    [address] = {
        json.dumps(e["location"]["address"], sort_keys=True)
        for e in by_type(json_ld(client, "/activites/conference-justice-climatique/"))["Event"]
    }
    assert "postalCode" not in json.loads(address)
    venue.postal_code = "G1K 3B5"
    venue.save()
    [event] = by_type(json_ld(client, "/activites/conference-justice-climatique/"))["Event"]
    assert event["location"]["address"]["postalCode"] == "G1K 3B5"
    assert event["location"]["address"]["streetAddress"] == "Quartier Saint-Roch"
