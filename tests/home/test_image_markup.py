"""Responsive images are valid HTML (Nu HTML Checker): a `sizes` attribute only with a
`srcset` whose every candidate has a width descriptor, on every page kind that shows one."""

import re

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/en/",
    "/mission/",
    "/activites/",
    "/activites/atelier-consommation-equitable/",
    "/boutique/",
]


def candidates(srcset):
    return [c.strip() for c in srcset.split(",") if c.strip()]


@pytest.mark.parametrize("path", PAGES)
def test_sizes_come_with_width_descriptors(client, demo_site, path):
    response = client.get(path)
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    images = html.select("picture source, img")
    for element in images:
        if not element.has_attr("sizes"):
            continue
        assert element.has_attr("srcset"), str(element)[:200]
        for candidate in candidates(element["srcset"]):
            assert re.search(r"\s\d+w$", candidate), (path, candidate)


def test_the_home_page_hero_has_several_widths(client, demo_site):
    html = BeautifulSoup(client.get("/").content, "html.parser")
    sources = html.select(".hero picture source, main picture source")
    assert sources, "the demo home page shows its hero image"
    assert all(len(candidates(s["srcset"])) >= 2 for s in sources)
