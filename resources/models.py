"""Teaching resources: activity sheets, guides, videos, games and kits that teachers, youth
workers and adult educators download or follow, listed under a resource list that filters
them by audience, school level and theme without JavaScript."""

from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from cesiq_site.admin_forms import ThemedPageForm
from events.models import Audience
from home.blocks import PageBodyBlock
from schools.models import Level

RELATED_LIMIT = 4


class ResourceFormat(models.TextChoices):
    ACTIVITY_SHEET = "fiche", _("Fiche d’activité")
    GUIDE = "guide", _("Guide")
    VIDEO = "video", _("Vidéo")
    GAME = "jeu", _("Jeu")
    KIT = "trousse", _("Trousse")
    WEBSITE = "site", _("Site web")


class ResourceLanguage(models.TextChoices):
    FRENCH = "fr", _("Français")
    ENGLISH = "en", _("Anglais")
    BOTH = "fr-en", _("Français et anglais")
    OTHER = "autre", _("Autre langue")


class LevelsField(models.JSONField):
    """A list of school levels (`schools.models.Level`, the same as workshop requests),
    edited as checkboxes."""

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            label=self.verbose_name,
            help_text=self.help_text,
            choices=Level.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


class ResourceIndexPage(Page):
    """ "Ressources pédagogiques": the live resources of its language, newest first,
    filterable by audience, school level and theme with a plain GET form."""

    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    search_fields = Page.search_fields + [index.SearchField("introduction")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["resources.ResourcePage"]

    class Meta:
        verbose_name = _("liste des ressources pédagogiques")
        verbose_name_plural = _("listes des ressources pédagogiques")

    def resources(self):
        return (
            ResourcePage.objects.live()
            .public()
            .child_of(self)
            .order_by("-date", "title")
            .select_related("document")
        )

    def get_context(self, request, *args, **kwargs):
        from .listing import resource_listing

        context = super().get_context(request, *args, **kwargs)
        context.update(resource_listing(self, request))
        return context


class ResourcePage(Page):
    base_form_class = ThemedPageForm

    date = models.DateField(_("date"), default=timezone.localdate)
    summary = models.TextField(
        _("résumé"), max_length=400, help_text=_("Deux ou trois phrases, montrées dans la liste.")
    )
    body = StreamField(PageBodyBlock(), verbose_name=_("contenu"), blank=True)
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Le fichier à télécharger (PDF, présentation, trousse compressée…)."),
    )
    external_url = models.URLField(
        _("lien externe"),
        blank=True,
        help_text=_("Ou en plus : la ressource sur un autre site (vidéo, jeu en ligne…)."),
    )
    audience = models.CharField(_("public"), max_length=12, choices=Audience.choices)
    levels = LevelsField(
        _("niveaux scolaires"),
        default=list,
        blank=True,
        help_text=_("Ceux que la ressource vise ; aucun pour une ressource hors de l’école."),
    )
    themes = ParentalManyToManyField(
        "events.Theme", verbose_name=_("thèmes"), blank=True, related_name="resources"
    )
    format = models.CharField(_("format"), max_length=12, choices=ResourceFormat.choices)
    duration = models.CharField(
        _("durée"), max_length=60, blank=True, help_text=_("Par exemple : 75 min, 2 périodes.")
    )
    language = models.CharField(
        _("langue de la ressource"),
        max_length=8,
        choices=ResourceLanguage.choices,
        default=ResourceLanguage.FRENCH,
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        MultiFieldPanel(
            [FieldPanel("document"), FieldPanel("external_url")],
            heading=_("La ressource"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("audience"), FieldPanel("format")]),
                FieldPanel("levels"),
                FieldPanel("themes"),
                FieldRowPanel([FieldPanel("duration"), FieldPanel("language"), FieldPanel("date")]),
            ],
            heading=_("Pour qui, sur quoi"),
        ),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("date"),
    ]
    parent_page_types = ["resources.ResourceIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("ressource pédagogique")
        verbose_name_plural = _("ressources pédagogiques")

    def clean(self):
        super().clean()
        if self.document_id is None and not self.external_url:
            message = _(
                "Ajoutez le document de la ressource ou son lien externe (au moins l’un des deux)."
            )
            raise ValidationError({"document": message, "external_url": message})

    def level_labels(self):
        known = dict(Level.choices)
        return [known[code] for code in self.levels or [] if code in known]

    @property
    def external_host(self):
        """The other site's name, shown beside its link ("www.onf.ca")."""
        if not self.external_url:
            return ""
        return urlsplit(self.external_url).hostname or ""

    def shown_themes(self):
        """The themes in this page's language (a translated copy may still point at the
        French ones)."""
        return [theme.localized for theme in self.themes.all()]

    @cached_property
    def theme_keys(self):
        return [theme.translation_key for theme in self.themes.all()]

    def related_activities(self):
        """Upcoming activities in this page's language sharing a theme, soonest first, a
        cancelled one left out (a teacher plans with these), and the first moment one of
        their dates starts or ends (events.models.soonest_first). Dates live on the French
        pages: select there, show the translation."""
        from events.models import EventPage, EventStatus, soonest_first, with_sources

        if not self.theme_keys:
            return [], None
        sources = (
            EventPage.objects.live()
            .public()
            .filter(themes__translation_key__in=self.theme_keys, dates__end__gt=timezone.now())
            .exclude(status=EventStatus.CANCELLED)
            .distinct()
        )
        keys = list(sources.values_list("translation_key", flat=True))
        pages = with_sources(
            EventPage.objects.live()
            .public()
            .filter(translation_key__in=keys, locale_id=self.locale_id)
        )
        return soonest_first(pages, RELATED_LIMIT)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["index"] = self.get_parent().specific
        from events.models import kept_related_activities

        context["activities"] = kept_related_activities(self, request, self.related_activities)
        return context
