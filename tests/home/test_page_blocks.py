"""The editorial blocks of standard pages, as a visitor (and a screen reader) gets them: the
demo's questions page uses every one, in French and in English."""

import re

import pytest
from bs4 import BeautifulSoup

from tests.conftest import plain

pytestmark = pytest.mark.django_db

PAGES = {"fr": "/questions-frequentes/", "en": "/en/faq/"}


def soup(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def test_accordion_uses_native_details_and_works_without_javascript(client, demo_site):
    html = soup(client, PAGES["fr"])
    section = html.select_one(".block--accordion section.accordion")
    assert section.h2.get_text(strip=True) == "Questions fréquentes"
    items = section.find_all("details")
    assert len(items) == 3
    # Closed by default; the answer is in the page (find-in-page opens it), not loaded later.
    assert not any(item.has_attr("open") for item in items)
    first = items[0]
    assert plain(first.summary.get_text(strip=True)) == (
        "Comment réserver une animation pour ma classe ?"
    )
    assert "trois semaines à l'avance" in plain(first.select_one(".accordion__answer").get_text())


def test_image_and_text(client, demo_site):
    block = soup(client, PAGES["fr"]).select_one(".block--image_text .image-text")
    assert "image-text--left" in block["class"]
    assert block.h2.get_text(strip=True) == "Des animations pour toutes les classes"
    img = block.select_one("picture img")
    assert img["alt"] == ""  # decorative: the text says it all
    assert [s["type"] for s in block.select("picture source")] == ["image/avif", "image/webp"]


def test_table_has_caption_and_scoped_headers(client, demo_site):
    for lang, caption in [
        ("fr", "Tarifs des animations scolaires, par élève"),
        ("en", "School session prices, per student"),
    ]:
        table = soup(client, PAGES[lang]).select_one(".block--table table")
        # Scrolls sideways on a phone: a named region the keyboard can reach.
        wrap = table.parent
        assert (wrap["role"], wrap["tabindex"], wrap["aria-label"]) == ("region", "0", caption)
        assert table.caption.get_text(strip=True) == caption
        assert [th["scope"] for th in table.thead.find_all("th")] == ["col"] * 3
        rows = table.tbody.find_all("tr")
        assert len(rows) == 3
        for row in rows:
            assert row.th["scope"] == "row"  # the first column names the row
            assert len(row.find_all("td")) == 2
        assert rows[0].th.get_text(strip=True) in ("Droits des enfants", "Children's rights")
        assert rows[0].find_all("td")[1]["class"] == ["num"]


def test_video_is_a_link_card_that_loads_nothing_from_the_provider(client, demo_site):
    response = client.get(PAGES["fr"])
    html = BeautifulSoup(response.content, "html.parser")
    card = html.select_one(".block--video .video-card")
    link = card.select_one("a.video-card__link")
    assert link["href"] == "https://www.youtube.com/watch?v=cesiq-justice-climatique"
    assert link.get_text(strip=True) == "La justice climatique expliquée en cinq minutes"
    text = plain(card.get_text(" ", strip=True))
    assert "Regarder sur YouTube (site externe)" in text
    assert "5 min" in text and "sous-titrée" in text
    # The thumbnail is the site's own rendition; no frame, script or image from elsewhere.
    assert card.img["src"].startswith("/media/") or card.img["src"].startswith("/")
    assert not html.find("iframe")
    for tag, attribute in [
        ("script", "src"),
        ("img", "src"),
        ("source", "srcset"),
        ("link", "href"),
    ]:
        for element in html.find_all(tag):
            value = element.get(attribute) or ""
            assert "youtube" not in value, element
    english = soup(client, PAGES["en"]).select_one(".video-card")
    assert "Watch on YouTube (external site)" in plain(english.get_text(" ", strip=True))


def test_document_download_says_format_and_size(client, demo_site):
    block = soup(client, PAGES["fr"]).select_one(".block--document_link .document-link")
    link = block.a
    assert plain(link.get_text(strip=True)) == "Guide pédagogique : la justice climatique"
    assert link["href"].startswith("/documents/")
    meta = plain(block.select_one(".document-link__meta").get_text())
    assert re.fullmatch(r"\(PDF, \d,\d Ko\)", meta), meta
    assert "Pistes d'activités" in plain(block.get_text())
    english = soup(client, PAGES["en"]).select_one(".document-link__meta").get_text()
    assert re.fullmatch(r"\(PDF, \d\.\d KB\)", plain(english)), english


def test_call_to_action_links_to_the_page_in_the_same_language(client, demo_site):
    assert soup(client, PAGES["fr"]).select_one(".block--call_to_action a.button")["href"] == (
        "/activites/"
    )
    assert soup(client, PAGES["en"]).select_one(".block--call_to_action a.button")["href"] == (
        "/en/activities/"
    )


def test_a_call_to_action_to_a_page_no_longer_live_shows_no_button(client, demo_site):
    from events.models import EventIndexPage

    EventIndexPage.objects.update(live=False)
    for url in PAGES.values():
        block = soup(client, url).select_one(".block--call_to_action")
        assert block.select_one(".cta__title")  # its title and text stay
        assert block.select_one("a.button") is None, url


def test_every_block_can_be_added_to_a_standard_page():
    from home.models import StandardPage

    names = set(StandardPage._meta.get_field("body").stream_block.child_blocks)
    assert {"accordion", "image_text", "call_to_action", "document_link", "video", "table"} <= (
        names
    )


def test_video_provider_is_named_from_its_address():
    from home.blocks import VideoLinkBlock

    block = VideoLinkBlock()
    for url, name in [
        ("https://youtu.be/abc", "YouTube"),
        ("https://vimeo.com/123", "Vimeo"),
        ("https://www.onf.ca/film/x/", "ONF"),
        ("https://videos.example.org/w/1", "videos.example.org"),
    ]:
        value = block.to_python({"url": url, "title": "x"})
        assert value.provider() == name


@pytest.mark.parametrize(
    ("size", "french", "english"),
    [
        (512, "512 octets", "512 bytes"),
        (1536, "1,5 Ko", "1.5 KB"),
        (240 * 1024, "240 Ko", "240 KB"),
        (int(2.3 * 1024 * 1024), "2,3 Mo", "2.3 MB"),
    ],
)
def test_document_sizes_read_the_quebec_way(size, french, english):
    from django.utils import translation

    from home.templatetags.home_tags import document_size

    assert plain(document_size(size)) == french
    with translation.override("en"):
        assert document_size(size) == english
