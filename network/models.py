"""The member network: the organisations CÉSIQ gathers (AQOCI members, Amnistie internationale,
CAPMO, RÉPAC…), edited as translatable snippets with drafts, revisions, locking, moderation and
previews, and the directory page that lists the live ones of its language, filterable by theme
and region without JavaScript, with a page per organisation (`/reseau/<slug>/`).

An organisation may be linked to an organisational member (`memberships.Member`): it is shown
only while that membership is active. Paying an organisational membership puts the member in
the directory by itself (network/services.py)."""

import uuid

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.models import (
    DraftStateMixin,
    Locale,
    LockableMixin,
    Page,
    PreviewableMixin,
    RevisionMixin,
    TranslatableMixin,
    WorkflowMixin,
)
from wagtail.search import index

from cesiq_site.admin_forms import ThemedSnippetForm
from cesiq_site.routing import LocalizedRoutesMixin


class Region(models.TextChoices):
    """Québec's administrative regions, with the network's own reach beyond them."""

    BAS_SAINT_LAURENT = "bas-saint-laurent", _("Bas-Saint-Laurent")
    SAGUENAY = "saguenay-lac-saint-jean", _("Saguenay–Lac-Saint-Jean")
    CAPITALE_NATIONALE = "capitale-nationale", _("Capitale-Nationale")
    MAURICIE = "mauricie", _("Mauricie")
    ESTRIE = "estrie", _("Estrie")
    MONTREAL = "montreal", _("Montréal")
    OUTAOUAIS = "outaouais", _("Outaouais")
    ABITIBI = "abitibi-temiscamingue", _("Abitibi-Témiscamingue")
    COTE_NORD = "cote-nord", _("Côte-Nord")
    NORD_DU_QUEBEC = "nord-du-quebec", _("Nord-du-Québec")
    GASPESIE = "gaspesie-iles-de-la-madeleine", _("Gaspésie–Îles-de-la-Madeleine")
    CHAUDIERE_APPALACHES = "chaudiere-appalaches", _("Chaudière-Appalaches")
    LAVAL = "laval", _("Laval")
    LANAUDIERE = "lanaudiere", _("Lanaudière")
    LAURENTIDES = "laurentides", _("Laurentides")
    MONTEREGIE = "monteregie", _("Montérégie")
    CENTRE_DU_QUEBEC = "centre-du-quebec", _("Centre-du-Québec")
    NATIONAL = "national", _("Ensemble du Québec")
    OUTSIDE = "hors-quebec", _("Hors Québec")


class MemberOrganisation(
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    PreviewableMixin,
    TranslatableMixin,
    index.Indexed,
    ClusterableModel,
):
    """An organisation of the network, as the directory shows it."""

    base_form_class = ThemedSnippetForm

    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(
        _("identifiant"),
        max_length=80,
        allow_unicode=False,
        help_text=_("Son adresse dans le répertoire (/reseau/identifiant/), la même en anglais."),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mission = models.TextField(
        _("mission"),
        max_length=600,
        blank=True,
        help_text=_("Deux ou trois phrases, montrées dans la liste."),
    )
    website = models.URLField(_("site web"), blank=True)
    themes = ParentalManyToManyField(
        "events.Theme", verbose_name=_("thèmes"), blank=True, related_name="organisations"
    )
    # Blank for an entry a paid membership listed by itself (network/services.py): the
    # membership form does not ask, and the directory says nothing rather than a wrong region.
    region = models.CharField(
        _("région"),
        max_length=40,
        choices=Region.choices,
        default=Region.CAPITALE_NATIONALE,
        blank=True,
    )
    member = models.ForeignKey(
        "memberships.Member",
        verbose_name=_("membre"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="network_entries",
        help_text=_("Une organisation membre n'est affichée que tant que son adhésion est active."),
    )

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="member_organisation")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="member_organisation",
        for_concrete_model=False,
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug")]),
        FieldPanel("mission"),
        FieldRowPanel([FieldPanel("website"), FieldPanel("region")]),
        FieldPanel("logo"),
        FieldPanel("themes"),
        MultiFieldPanel([FieldPanel("member")], heading=_("Adhésion")),
    ]
    search_fields = [
        index.SearchField("name", boost=3),
        index.AutocompleteField("name"),
        index.SearchField("mission"),
        index.FilterField("live"),
        index.FilterField("locale_id"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("organisation du réseau")
        verbose_name_plural = _("organisations du réseau")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "locale"], name="network_unique_slug_per_locale"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def revisions(self):
        return self._revisions

    def directory(self):
        """The directory page of this organisation's language (else the French one)."""
        pages = NetworkDirectoryPage.objects.live()
        return pages.filter(locale_id=self.locale_id).first() or pages.first()

    def get_url(self, directory=None):
        directory = directory or self.directory()
        if directory is None:
            return None
        return directory.url + directory.reverse_subpage("organisation", args=[self.slug])

    @property
    def url(self):
        return self.get_url()

    def get_preview_template(self, request, mode_name):
        return "network/organisation.html"

    def get_preview_context(self, request, mode_name):
        context = super().get_preview_context(request, mode_name)
        directory = self.directory()
        context.update({"page": directory, "organisation": self, "preview": True})
        if directory is not None:
            context["organisation_themes"] = directory.shown_themes(self)
        return context


def shown(queryset, today=None):
    """Live organisations, and of those linked to a member, only the active members'. The link
    may be on any of an organisation's copies (usually the French one): it holds for all."""
    from memberships.models import MembershipPeriod

    today = today or timezone.localdate()
    active = MembershipPeriod.objects.filter(
        member=OuterRef("member"), cancelled=False, start__lte=today, end__gte=today
    )
    lapsed = (
        MemberOrganisation.objects.filter(member__isnull=False)
        .exclude(Exists(active))
        .values("translation_key")
    )
    return queryset.filter(live=True).exclude(translation_key__in=lapsed)


def visible_in(locale, today=None):
    """The organisations shown in `locale`: its own live copies, and the French ones that
    have no live copy in it yet (an organisation that just joined, a translation to come)."""
    default = Locale.get_default()
    everyone = shown(MemberOrganisation.objects.all(), today)
    if locale.pk == default.pk:
        return everyone.filter(locale=locale)
    translated = MemberOrganisation.objects.filter(locale=locale, live=True).values(
        "translation_key"
    )
    return everyone.filter(
        Q(locale=locale) | Q(locale=default) & ~Q(translation_key__in=translated)
    )


def folded(value):
    """`value` for sorting in French: « Écoute » with the E's, not after the Z's."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", str(value).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _key(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def back_query(request):
    """The directory's filters a visitor came from, checked, for the links back to it."""
    from django.utils.http import urlencode

    kept = {}
    theme = _key(request.GET.get("theme"))
    if theme is not None:
        kept["theme"] = str(theme)
    region = request.GET.get("region") or ""
    if region in Region.values:
        kept["region"] = region
    return urlencode(kept)


class NetworkDirectoryPage(LocalizedRoutesMixin, RoutablePageMixin, Page):
    """ "Le réseau": the organisations of the network, alphabetical, filterable by theme and
    region with a plain form, each with its own page."""

    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    search_fields = Page.search_fields + [index.SearchField("introduction")]
    parent_page_types = ["home.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("répertoire du réseau")
        verbose_name_plural = _("répertoires du réseau")

    def organisations(self, today=None):
        from cesiq_site.request_memo import locale_of

        found = (
            visible_in(locale_of(self), today)
            .select_related("logo", "locale")
            .prefetch_related("themes")
        )
        return sorted(found, key=lambda organisation: folded(organisation.name))

    def theme_names(self):
        """{theme translation key: its name in this page's language (else French)}."""
        from events.models import Theme

        default = Locale.get_default()
        themes = Theme.objects.filter(locale_id__in={default.pk, self.locale_id})
        names = {}
        # French first, then this page's language over it (one query).
        for theme in sorted(themes, key=lambda theme: theme.locale_id == self.locale_id):
            names[theme.translation_key] = theme.name
        return names

    def shown_themes(self, organisation, names=None):
        names = names if names is not None else self.theme_names()
        return sorted(
            {names.get(t.translation_key, t.name) for t in organisation.themes.all()},
            key=folded,
        )

    def sitemap_subpages(self):
        """Each organisation's page, for sitemap.xml (cesiq_site/sitemap.py)."""
        return [
            (f"{organisation.slug}/", organisation.translation_key, organisation.last_published_at)
            for organisation in self.organisations()
        ]

    def get_context(self, request, *args, **kwargs):
        from .directory import directory_context

        context = super().get_context(request, *args, **kwargs)
        context.update(directory_context(self, request))
        return context

    @path("<slug:slug>/", name="organisation")
    def organisation_view(self, request, slug):
        from django.http import Http404
        from django.template.response import TemplateResponse

        from cesiq_site import seo

        organisation = (
            visible_in(self.locale).filter(slug=slug).select_related("logo", "locale").first()
        )
        if organisation is None:
            raise Http404
        context = Page.get_context(self, request)
        context.update(
            {
                "organisation": organisation,
                "organisation_themes": self.shown_themes(organisation),
                "seo_title": organisation.name,
                "seo_description": seo.one_line(organisation.mission),
                "back_query": back_query(request),
            }
        )
        return TemplateResponse(request, "network/organisation.html", context)
