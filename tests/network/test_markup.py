"""The Nu HTML Checker finds no error in the network's pages (the directory, filtered, empty,
an organisation, an untranslated one in English), in French and in English. They are also in
tests/a11y_pages.py, which the whole-site axe and Nu checks read."""

import pytest

from events.models import Theme
from tests.cesiq_site.test_html_validity import vnu_errors

pytestmark = pytest.mark.django_db


def network_pages():
    theme = Theme.objects.get(slug="droits-des-femmes", locale__language_code="fr")
    key = theme.translation_key
    return [
        "/reseau/",
        "/en/network/",
        f"/reseau/?theme={key}&region=capitale-nationale",
        f"/en/network/?theme={key}&region=capitale-nationale",
        f"/reseau/?theme={key}&region=estrie",
        "/reseau/?theme=inconnu",
        "/reseau/oxfam-quebec/",
        "/en/network/oxfam-quebec/",
        "/en/network/comite-solidarite-levis/",
        "/recherche/?q=amnistie",
        "/en/search/?q=amnesty",
    ]


def test_the_network_pages_are_valid_html(client, demo_site, tmp_path):
    documents = []
    for path in network_pages():
        response = client.get(path)
        assert response.status_code == 200, path
        documents.append((path, response.content.decode()))
    errors = vnu_errors(documents, tmp_path)
    assert errors == {}, "\n".join(f"{k}: {v}" for k, v in errors.items())
