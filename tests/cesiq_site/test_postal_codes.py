"""Postal codes as people type them: with a hyphen, without the space, with two spaces, in
lower case, with a no-break space copied from a letterhead: all G1R 2B5. What is not a
Canadian postal code is still refused."""

import pytest
from django.core.exceptions import ValidationError

from cesiq_site.postal import PostalCodeField


@pytest.mark.parametrize(
    "typed", ["G1R 2B5", "G1R2B5", "G1R-2B5", " g1r  2b5 ", "g1r\u00a02b5", "G1R - 2B5"]
)
def test_a_postal_code_is_read_as_typed(typed):
    assert PostalCodeField().clean(typed) == "G1R 2B5"


@pytest.mark.parametrize("typed", ["12345", "D1R 2B5", "G1R 2B", "G1R 2B5 X", "G1R_2B5"])
def test_what_is_not_a_postal_code_is_refused(typed):
    with pytest.raises(ValidationError):
        PostalCodeField().clean(typed)
