"""A consent box left empty says what to do, in the visitor's language, on every form that has
one — not its long label followed by « : Champ requis. » in the error summary."""

import pytest

from tests.conftest import plain
from tests.donations.conftest import gift_data
from tests.memberships.test_memberships import join_data

pytestmark = pytest.mark.django_db

FRENCH = "Cochez la case pour accepter que le CÉSIQ conserve ces renseignements."
ENGLISH = "Tick the box to agree that CÉSIQ keeps this information."


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/faire-un-don/", FRENCH),
        ("/devenir-membre/", FRENCH),
        ("/en/give/", ENGLISH),
        ("/en/become-a-member/", ENGLISH),
    ],
)
def test_an_empty_consent_box_says_what_to_do(client, demo_site, path, message):
    from memberships.models import MembershipCategory

    if "membre" in path or "member" in path:
        data = join_data(MembershipCategory.objects.get(name="Membre individuel"), consent="")
    else:
        data = gift_data(consent="")
    response = client.post(path, data)
    assert response.status_code == 400
    text = plain(response.content.decode())
    assert message in text
    assert "Champ requis" not in text and "This field is required" not in text


def test_the_shop_checkout_says_it_too():
    from shop.forms import ContactForm

    form = ContactForm(data={"buyer_name": "Awa", "buyer_email": "awa@example.org"})
    assert not form.is_valid()
    assert [str(e) for e in form.errors["consent"]] == [FRENCH]
