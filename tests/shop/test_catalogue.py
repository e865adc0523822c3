"""The catalogue: filters and sorting that need no JavaScript, pagination, sold-out items
marked, in both languages, with a constant number of queries."""

import pytest
from bs4 import BeautifulSoup

from tests.conftest import plain

pytestmark = pytest.mark.django_db


def titles(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [plain(a.get_text(strip=True)) for a in html.select(".product-list .card__title a")]


def count_text(response):
    return plain(
        BeautifulSoup(response.content, "html.parser").select_one(".result-count").get_text()
    )


def card(response, title):
    html = BeautifulSoup(response.content, "html.parser")
    for item in html.select(".product-list .card"):
        if item.select_one(".card__title").get_text(strip=True) == title:
            return item
    raise AssertionError(f"no card {title!r}")


def test_catalogue_lists_the_products_sorted_by_name_with_sold_out_marked(client, shop_fr):
    response = client.get(shop_fr.url)
    assert response.status_code == 200
    assert "13 produits" in count_text(response)
    shown = titles(response)
    assert len(shown) == 12  # first page
    # By name (the database's collation decides where accents and apostrophes go).
    assert shown[0] == "Cacao en poudre non sucré"
    assert (
        shown.index("Panier tressé")
        < shown.index("Sucre de canne intégral")
        < shown.index("Tablette de chocolat au lait")
    )
    decaf = card(response, "Café décaféiné à l'eau")
    assert "Épuisé" in decaf.get_text()
    assert "Épuisé" not in card(response, "Café du Pérou biologique").get_text()
    assert "À partir de 14,50" in card(response, "Café du Pérou biologique").get_text()


def test_english_catalogue_lists_the_same_products_in_english(client, shop_en):
    response = client.get(shop_en.url)
    assert response.status_code == 200
    assert "13 products" in count_text(response)
    assert "Sold out" in card(response, "Water-process decaf coffee").get_text()
    assert "From $14.50" in card(response, "Organic Peruvian coffee").get_text()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "categorie=cafe",
            {"Café d'Éthiopie Sidama", "Café du Pérou biologique", "Café décaféiné à l'eau"},
        ),
        ("categorie=cafe&en_stock=on", {"Café d'Éthiopie Sidama", "Café du Pérou biologique"}),
        ("pays=LK", {"Cannelle de Ceylan"}),
        ("certification=wfto", {"Panier tressé", "Écharpe en laine feutrée"}),
        ("categorie=livres", {"Livre : le commerce équitable, trente ans après"}),
    ],
)
def test_filters(client, shop_fr, query, expected):
    response = client.get(f"{shop_fr.url}?{query}")
    assert set(titles(response)) == expected


def test_filter_by_producer_in_english_uses_the_same_producers(client, shop_en):
    from shop.models import Producer

    andes = Producer.objects.get(slug="cooperative-des-andes", locale__language_code="en")
    response = client.get(f"{shop_en.url}?producteur={andes.translation_key}")
    assert set(titles(response)) == {"Organic Peruvian coffee", "Water-process decaf coffee"}
    assert "Andes Co-operative" in response.content.decode()


def test_sorting_by_price_both_ways_and_newest(client, shop_fr):
    cheap_first = titles(client.get(f"{shop_fr.url}?tri=prix"))
    assert cheap_first[:2] == ["Tablette de chocolat au lait", "Tablette de chocolat noir 70 %"]
    dear_first = titles(client.get(f"{shop_fr.url}?tri=-prix"))
    assert dear_first[0] == "Panier tressé"
    assert dear_first[1] == "Écharpe en laine feutrée"
    newest = titles(client.get(f"{shop_fr.url}?tri=recent&categorie=livres"))
    assert newest == ["Livre : le commerce équitable, trente ans après"]


def test_sorting_by_name_follows_the_visitors_language(client, shop_en):
    shown = titles(client.get(f"{shop_en.url}?tri=nom&categorie=cafe"))
    assert shown == [
        "Ethiopian Sidama coffee",
        "Organic Peruvian coffee",
        "Water-process decaf coffee",
    ]


def test_pagination_keeps_the_filters(client, shop_fr):
    response = client.get(f"{shop_fr.url}?tri=prix")
    html = BeautifulSoup(response.content, "html.parser")
    next_link = html.select_one(".pagination a[rel=next]")["href"]
    assert "tri=prix" in next_link and "page=2" in next_link
    second = client.get(shop_fr.url + next_link)
    assert titles(second) == ["Panier tressé"]


def test_bad_filter_values_show_everything_without_error(client, shop_fr):
    response = client.get(f"{shop_fr.url}?categorie=%3Cscript%3E&pays=ZZ&tri=x&page=abc")
    assert response.status_code == 200
    assert len(titles(response)) == 12
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_producer_page_lists_its_products_and_story(client, shop_fr, shop_en):
    response = client.get(shop_fr.url + "producteurs/cooperative-cacaoyere-ghana/")
    assert response.status_code == 200
    assert set(titles(response)) == {
        "Tablette de chocolat noir 70 %",
        "Tablette de chocolat au lait",
        "Cacao en poudre non sucré",
    }
    assert "Ghana" in response.content.decode()
    english = client.get(shop_en.url + "producteurs/cooperative-cacaoyere-ghana/")
    assert "Ghana Cocoa Co-operative" in english.content.decode()
    assert "Unsweetened cocoa powder" in titles(english)
    assert client.get(shop_fr.url + "producteurs/inconnu/").status_code == 404


def test_shop_is_in_the_main_menu_in_both_languages(client, home_fr, home_en):
    fr = BeautifulSoup(client.get(home_fr.url).content, "html.parser")
    en = BeautifulSoup(client.get(home_en.url).content, "html.parser")
    assert "Boutique équitable" in fr.select_one(".site-nav").get_text()
    assert "Fair-trade shop" in en.select_one(".site-nav").get_text()
