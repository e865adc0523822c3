from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from .blocks import PageBodyBlock


class HomePage(Page):
    """The root of each language's tree: "/" in French, "/en/" in English."""

    hero_title = models.CharField(_("titre d'accueil"), max_length=160)
    hero_text = models.TextField(_("texte d'accueil"), blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image d'accueil"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hero_cta_label = models.CharField(_("libellé du bouton"), max_length=60, blank=True)
    hero_cta_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page du bouton"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(PageBodyBlock(), verbose_name=_("contenu"), blank=True)

    content_panels = Page.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("hero_title"),
                FieldPanel("hero_text"),
                FieldPanel("hero_image"),
                FieldPanel("hero_cta_label"),
                FieldPanel("hero_cta_page"),
            ],
            heading=_("Bandeau d'accueil"),
        ),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("hero_text"),
        index.SearchField("body"),
    ]
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("page d'accueil")
        verbose_name_plural = _("pages d'accueil")


class StandardPage(Page):
    """A plain content page: mission, values, history, partners, privacy policy…"""

    introduction = models.TextField(_("introduction"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(PageBodyBlock(), verbose_name=_("contenu"), blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("introduction"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("body"),
    ]

    class Meta:
        verbose_name = _("page standard")
        verbose_name_plural = _("pages standard")


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """Contact details and links shown in the footer, editable by administrators."""

    # Read with the settings: every page's footer links the privacy page, and a page without
    # an image of its own is shared with the default image.
    select_related = ["privacy_page", "share_image"]

    @classmethod
    def for_request(cls, request):
        """Wagtail's, with the row kept across requests (cesiq_site/render_cache.py): every
        page shows it. Each request gets its own copy (Wagtail sets `_request` on it)."""
        import copy

        from wagtail.models import Site

        from cesiq_site.render_cache import shared

        attr_name = cls.get_cache_attr_name()
        if hasattr(request, attr_name):
            return getattr(request, attr_name)
        site = Site.find_for_request(request)
        if site is None:
            return super().for_request(request)
        site_settings = copy.copy(shared(("site settings", site.pk), lambda: cls.for_site(site)))
        site_settings._request = request
        setattr(request, attr_name, site_settings)
        return site_settings

    def localized_privacy_officer(self):
        """Who answers for personal information, in the active language."""
        from django.utils import translation

        if translation.get_language() == "en" and self.privacy_officer_en:
            return self.privacy_officer_en
        return self.privacy_officer

    def localized_privacy_page(self):
        """The privacy page in the active language (`privacy_page.localized`), read once per
        content generation: every footer and consent box links it."""
        from django.utils import translation

        from cesiq_site.render_cache import shared

        page = self.privacy_page
        if page is None:
            return None
        key = ("localized privacy page", page.pk, translation.get_language())
        return shared(key, lambda: page.localized)

    organisation_name = models.CharField(
        _("nom de l'organisme"),
        max_length=200,
        default="Carrefour d'éducation à la solidarité internationale de Québec",
    )
    street_address = models.TextField(_("adresse"), blank=True)
    address_locality = models.CharField(_("ville"), max_length=100, blank=True, default="Québec")
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    email = models.EmailField(_("courriel"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    facebook_url = models.URLField(_("Facebook"), blank=True)
    instagram_url = models.URLField(_("Instagram"), blank=True)
    linkedin_url = models.URLField(_("LinkedIn"), blank=True)
    youtube_url = models.URLField(_("YouTube"), blank=True)
    privacy_officer = models.CharField(
        _("responsable de la protection des renseignements personnels"),
        max_length=200,
        blank=True,
        help_text=_("Titre et nom, publiés comme l'exige la Loi 25."),
    )
    privacy_officer_en = models.CharField(
        _("responsable de la protection des renseignements personnels, en anglais"),
        max_length=200,
        blank=True,
        help_text=_("Le titre en anglais, pour le site anglais (vide : le même qu'en français)."),
    )
    privacy_email = models.EmailField(_("courriel pour la vie privée"), blank=True)
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("politique de confidentialité"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    share_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image de partage par défaut"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "Montrée quand une page sans image est partagée (réseaux sociaux, messageries). "
            "Idéalement 1200 × 630 pixels."
        ),
    )

    panels = [
        FieldPanel("organisation_name"),
        MultiFieldPanel(
            [
                FieldPanel("street_address"),
                FieldPanel("address_locality"),
                FieldPanel("postal_code"),
                FieldPanel("email"),
                FieldPanel("phone"),
            ],
            heading=_("Coordonnées"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("facebook_url"),
                FieldPanel("instagram_url"),
                FieldPanel("linkedin_url"),
                FieldPanel("youtube_url"),
            ],
            heading=_("Réseaux sociaux"),
        ),
        FieldPanel("share_image"),
        MultiFieldPanel(
            [
                FieldPanel("privacy_officer"),
                FieldPanel("privacy_officer_en"),
                FieldPanel("privacy_email"),
                FieldPanel("privacy_page"),
            ],
            heading=_("Protection des renseignements personnels (Loi 25)"),
        ),
    ]

    class Meta:
        verbose_name = _("paramètres du site")

    def social_links(self):
        links = [
            ("Facebook", self.facebook_url),
            ("Instagram", self.instagram_url),
            ("LinkedIn", self.linkedin_url),
            ("YouTube", self.youtube_url),
        ]
        return [(name, url) for name, url in links if url]
