"""Every date picker of the admin keeps what the editor typed (validation.typed_dates_are_kept):
the article's date, and the go-live and expiry dates of Wagtail's scheduling dialog, which
builds its widgets itself. (tests/browser/test_admin_dates.py types into one in Chromium.)"""

import json
import re

import pytest
from django.contrib.auth import get_user_model

from news.models import ArticlePage

pytestmark = pytest.mark.django_db


def test_every_date_picker_of_a_page_keeps_what_was_typed(client, demo_site):
    article = ArticlePage.objects.filter(locale__language_code="fr").first()
    client.force_login(get_user_model().objects.get(username="redaction"))
    html = client.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    pickers = dict(re.findall(r'initDate(?:Time)?Chooser\("(id_\w+)", (\{.*?\})\);', html))
    assert {"id_date", "id_go_live_at", "id_expire_at"} <= set(pickers)
    for field, config in pickers.items():
        assert json.loads(config)["validateOnBlur"] is False, field
