"""Canadian provinces and postal codes: which province a postal code can be in, for every
form that takes an address (the shop's delivery, a donor's official receipt)."""

import re

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from localflavor.ca.forms import CAPostalCodeField


class Province(models.TextChoices):
    """Canadian provinces and territories, by their postal abbreviation (the codes of
    django-localflavor's CAProvinceField)."""

    AB = "AB", gettext_lazy("Alberta")
    BC = "BC", gettext_lazy("Colombie-Britannique")
    MB = "MB", gettext_lazy("Manitoba")
    NB = "NB", gettext_lazy("Nouveau-Brunswick")
    NL = "NL", gettext_lazy("Terre-Neuve-et-Labrador")
    NS = "NS", gettext_lazy("Nouvelle-Écosse")
    NT = "NT", gettext_lazy("Territoires du Nord-Ouest")
    NU = "NU", gettext_lazy("Nunavut")
    ON = "ON", gettext_lazy("Ontario")
    PE = "PE", gettext_lazy("Île-du-Prince-Édouard")
    QC = "QC", gettext_lazy("Québec")
    SK = "SK", gettext_lazy("Saskatchewan")
    YT = "YT", gettext_lazy("Yukon")


def province_choices():
    """The provinces and territories for a select, in the reader's alphabetical order of their
    names in the active language (« Île-du-Prince-Édouard » among the I's, not by its code):
    every address form of the site lists them alike."""
    from .collation import sort_key

    return sorted(Province.choices, key=lambda choice: sort_key(str(choice[1])))


# The first letter of a Canadian postal code names its province or territory (Canada Post,
# "Addressing guidelines", postal code: the first letter of the forward sortation area is the
# postal district). X is shared by the Northwest Territories and Nunavut.
POSTAL_DISTRICTS = {
    "A": {"NL"},
    "B": {"NS"},
    "C": {"PE"},
    "E": {"NB"},
    "G": {"QC"},
    "H": {"QC"},
    "J": {"QC"},
    "K": {"ON"},
    "L": {"ON"},
    "M": {"ON"},
    "N": {"ON"},
    "P": {"ON"},
    "R": {"MB"},
    "S": {"SK"},
    "T": {"AB"},
    "V": {"BC"},
    "X": {"NT", "NU"},
    "Y": {"YT"},
}


def postal_code_matches(postal_code, province):
    """True when `postal_code` (normalised, "G1R 2B5") belongs to `province` ("QC")."""
    return province in POSTAL_DISTRICTS.get(postal_code[:1].upper(), set())


def postal_letters(province):
    """The first letters of `province`'s postal codes, for the error message ("G, H, J")."""
    return ", ".join(sorted(k for k, v in POSTAL_DISTRICTS.items() if province in v))


def postal_code_error(postal_code, province):
    """Why `postal_code` cannot be in `province` (translated), or None: an address that the
    post, or the Canada Revenue Agency on an official receipt, would not accept."""
    if not postal_code or not province or postal_code_matches(postal_code, province):
        return None
    return _(
        "Le code postal %(code)s n'est pas un code de la province choisie (%(province)s) : "
        "les codes postaux de cette province commencent par %(letters)s."
    ) % {
        "code": postal_code,
        "province": Province(province).label,
        "letters": postal_letters(province),
    }


def city_line(city, province, postal_code, language=None):
    """The address's last line as its reader writes it: « Québec (QC) G1K 0A0 » in French
    (Canada Post's French form), « Toronto, ON M5V 2T6 » in English."""
    from django.utils import translation

    language = language or translation.get_language() or "fr"
    if language.startswith("fr"):
        return f"{city} ({province}) {postal_code}".strip()
    return f"{city}, {province} {postal_code}".strip(" ,")


class PostalCodeField(CAPostalCodeField):
    """localflavor's CAPostalCodeField, reading a code as people type it: « G1R-2B5 »,
    « g1r  2b5 », « G1R 2B5 » with a no-break space (copied from a letterhead) are G1R 2B5.
    It refused them with « Entrez un code postal canadien »."""

    def to_python(self, value):
        value = super().to_python(value)
        if isinstance(value, str) and len(value) <= 20:
            value = re.sub(r"[\s\-\u00a0\u202f]+", "", value)
        return value
