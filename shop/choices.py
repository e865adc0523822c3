"""Fixed lists of the shop: product categories, certifications and countries of origin.

Choices rather than snippets: they change with the code (a category decides a tax rule, see
`shop.taxes`) and are translated like every other string of the site.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductCategory(models.TextChoices):
    COFFEE = "cafe", _("Café")
    TEA = "the", _("Thé et tisanes")
    CHOCOLATE = "chocolat", _("Chocolat")
    SUGAR_SPICES = "sucre-epices", _("Sucre et épices")
    CRAFTS = "artisanat", _("Artisanat")
    BOOKS = "livres", _("Livres")


class Certification(models.TextChoices):
    FAIRTRADE = "fairtrade", _("Fairtrade")
    FAIR_FOR_LIFE = "fair-for-life", _("Fair for Life")
    SPP = "spp", _("Symbole des petits producteurs (SPP)")
    WFTO = "wfto", _("Membre de la WFTO")
    ORGANIC = "bio", _("Biologique")


class Country(models.TextChoices):
    """Countries of origin of the co-operatives the shop buys from (ISO 3166 codes)."""

    BOLIVIA = "BO", _("Bolivie")
    BURKINA_FASO = "BF", _("Burkina Faso")
    CANADA = "CA", _("Canada")
    COLOMBIA = "CO", _("Colombie")
    COSTA_RICA = "CR", _("Costa Rica")
    COTE_DIVOIRE = "CI", _("Côte d'Ivoire")
    DOMINICAN_REPUBLIC = "DO", _("République dominicaine")
    ECUADOR = "EC", _("Équateur")
    ETHIOPIA = "ET", _("Éthiopie")
    GHANA = "GH", _("Ghana")
    GUATEMALA = "GT", _("Guatemala")
    HAITI = "HT", _("Haïti")
    HONDURAS = "HN", _("Honduras")
    INDIA = "IN", _("Inde")
    KENYA = "KE", _("Kenya")
    MADAGASCAR = "MG", _("Madagascar")
    MEXICO = "MX", _("Mexique")
    NEPAL = "NP", _("Népal")
    NICARAGUA = "NI", _("Nicaragua")
    PALESTINE = "PS", _("Palestine")
    PARAGUAY = "PY", _("Paraguay")
    PERU = "PE", _("Pérou")
    PHILIPPINES = "PH", _("Philippines")
    SRI_LANKA = "LK", _("Sri Lanka")
    TANZANIA = "TZ", _("Tanzanie")
    UGANDA = "UG", _("Ouganda")
    VIETNAM = "VN", _("Vietnam")
