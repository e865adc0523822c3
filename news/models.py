"""News and campaigns: articles editors publish under a news list, and campaigns CÉSIQ joins
(12 jours d'action contre la violence faite aux femmes, Semaine d'actions contre le racisme…)
that gather the activities and news of their themes and dates by themselves."""

import uuid

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Locale, Orderable, Page
from wagtail.search import index

from cesiq_site import pagecache
from cesiq_site.admin_forms import ThemedPageForm
from cesiq_site.routing import LocalizedRoutesMixin
from cesiq_site.validation import printable_or_empty
from home.blocks import PageBodyBlock

ARTICLES_PER_PAGE = 9
FEED_ITEMS = 20
RELATED_LIMIT = 6


def _theme_key(value):
    """The ?theme= value as a translation key, or None when it is not one."""
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


class NewsIndexPage(LocalizedRoutesMixin, RoutablePageMixin, Page):
    """ "Actualités": the articles, newest first, filterable by theme and tag without
    JavaScript, with an RSS and an Atom feed in the page's language."""

    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    search_fields = Page.search_fields + [index.SearchField("introduction")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["news.ArticlePage", "news.CampaignPage"]

    class Meta:
        verbose_name = _("liste des actualités")
        verbose_name_plural = _("listes des actualités")

    def articles(self):
        return (
            ArticlePage.objects.live()
            .public()
            .child_of(self)
            .order_by("-date", "-first_published_at")
            .select_related("image")
        )

    def campaigns(self):
        return CampaignPage.objects.live().public().child_of(self).order_by("-start_date")

    @staticmethod
    def asked_filters(request):
        """(theme translation key or None, tag slug or "") from the list's ?theme= and ?tag=."""
        # A tag that cannot be one (a control character: PostgreSQL refuses NUL) is no filter.
        return _theme_key(request.GET.get("theme")), printable_or_empty(request.GET.get("tag"), 100)

    def filtered(self, request):
        """(articles, chosen theme, chosen tag) for the list's ?theme= and ?tag=."""
        from events.models import Theme

        articles = self.articles()
        theme = tag = None
        key, slug = self.asked_filters(request)
        if key is not None:
            theme = Theme.objects.filter(translation_key=key, locale=self.locale, live=True).first()
            articles = articles.filter(themes__translation_key=key)
        if slug:
            tag = (
                ArticlePageTag.objects.filter(tag__slug=slug, content_object__in=self.articles())
                .values_list("tag__name", flat=True)
                .first()
            )
            articles = articles.filter(tags__slug=slug)
            tag = {"slug": slug, "name": tag or slug}
        return articles.distinct(), theme, tag

    def themes_in_use(self):
        from cesiq_site.collation import natural
        from events.models import Theme

        return (
            Theme.objects.filter(locale_id=self.locale_id, live=True, articles__in=self.articles())
            .distinct()
            .order_by(natural("name"))
        )

    def listing(self, request):
        """The articles of the page asked for (a list), the filters chosen, the themes in use
        and the latest campaigns: all of it saved content, with nothing that time changes."""
        from django.utils.http import urlencode

        articles, theme, tag = self.filtered(request)
        paginator = Paginator(articles, ARTICLES_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        page.object_list = list(page.object_list)
        kept = {}
        if theme is not None:
            kept["theme"] = str(theme.translation_key)
        if tag is not None:
            kept["tag"] = tag["slug"]
        return {
            "articles": page,
            "paginator": paginator,
            "chosen_theme": theme,
            "chosen_tag": tag,
            "themes": list(self.themes_in_use()),
            "query_string": urlencode(kept),
            "campaigns": list(self.campaigns()[:3]),
        }

    def get_context(self, request, *args, **kwargs):
        from cesiq_site.render_cache import shared

        context = super().get_context(request, *args, **kwargs)
        if getattr(request, "is_preview", False):
            listing = self.listing(request)
        else:
            # Kept per content generation, list, filters and page asked for
            # (cesiq_site/render_cache.py), and only read.
            key = ("news list", self.pk, *self.asked_filters(request), request.GET.get("page"))
            listing = shared(key, lambda: self.listing(request))
        pagecache.stored_only_as(request, "page", listing["articles"].number)
        if (request.GET.get("theme") and listing["chosen_theme"] is None) or (
            listing["chosen_tag"] and not listing["articles"].object_list
        ):
            pagecache.not_to_store(request)  # a theme or a tag that is none
        context.update(listing)
        context["feeds"] = self.feed_links(request)
        return context

    def feed_links(self, request):
        from django.utils.translation import gettext

        return [
            {
                "type": "application/rss+xml",
                "label": gettext("Flux RSS des actualités"),
                "url": self.url + self.reverse_subpage("rss"),
            },
            {
                "type": "application/atom+xml",
                "label": gettext("Flux Atom des actualités"),
                "url": self.url + self.reverse_subpage("atom"),
            },
        ]

    @path("rss/", name="rss")
    def rss_feed(self, request):
        from .feeds import NewsFeed

        return NewsFeed(self)(request)

    @path("atom/", name="atom")
    def atom_feed(self, request):
        from .feeds import NewsAtomFeed

        return NewsAtomFeed(self)(request)


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "news.ArticlePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ArticlePage(Page):
    base_form_class = ThemedPageForm

    date = models.DateField(_("date de publication"), default=timezone.localdate)
    author = models.CharField(
        _("auteur ou autrice"),
        max_length=150,
        blank=True,
        help_text=_("Vide : l'article est signé par le CÉSIQ."),
    )
    introduction = models.TextField(
        _("chapeau"), max_length=400, help_text=_("Deux ou trois phrases, montrées dans la liste.")
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    image_alt = models.CharField(
        _("texte de remplacement de l'image"),
        max_length=250,
        blank=True,
        help_text=_("Vide : l'image est décorative."),
    )
    themes = ParentalManyToManyField(
        "events.Theme", verbose_name=_("thèmes"), blank=True, related_name="articles"
    )
    tags = ClusterTaggableManager(through=ArticlePageTag, verbose_name=_("mots-clés"), blank=True)
    body = StreamField(PageBodyBlock(), verbose_name=_("contenu"), blank=True)
    related_activities = ParentalManyToManyField(
        "events.EventPage",
        verbose_name=_("activités liées"),
        blank=True,
        related_name="+",
    )

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("date"), FieldPanel("author")]),
        FieldPanel("introduction"),
        FieldRowPanel([FieldPanel("image"), FieldPanel("image_alt")]),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("themes"), FieldPanel("tags"), FieldPanel("related_activities")],
            heading=_("Thèmes et liens"),
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("body"),
        index.SearchField("author"),
        index.FilterField("date"),
    ]
    parent_page_types = ["news.NewsIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("article d’actualité")
        verbose_name_plural = _("articles d’actualité")

    @property
    def byline(self):
        return self.author or "CÉSIQ"

    def shown_themes(self):
        """The published themes in this page's language (a translated copy may still point at
        the French ones; a theme whose English copy is a draft shows in French)."""
        return [theme.localized for theme in self.themes.all() if theme.live]

    def shown_activities(self):
        """The related activities in this page's language, live ones only, and the first
        moment after now when one of their dates starts or ends (None: never; until then time
        alone changes nothing in what the list shows: each one's next date). Each is shown in
        the active language where its translation there is live (as `.localized` says), in
        a constant number of queries."""
        from events.models import EventPage, next_change, with_sources

        related = list(self.related_activities.all())
        if not related:
            return [], None
        active = Locale.get_active()
        translations = {
            page.translation_key: page
            for page in EventPage.objects.filter(
                translation_key__in=[
                    a.translation_key for a in related if a.locale_id != active.pk
                ],
                locale=active,
                live=True,
            )
        }
        found = []
        for activity in related:
            if activity.locale_id != active.pk:
                activity = translations.get(activity.translation_key, activity)
            if activity.live and activity.locale_id == self.locale_id:
                found.append(activity)
        found = with_sources(found)
        return found, next_change(found)

    def get_context(self, request, *args, **kwargs):
        from cesiq_site.seo import ancestors
        from events.models import kept_related_activities

        from .structured_data import article_json_ld

        context = super().get_context(request, *args, **kwargs)
        # The list's address only: the parent as read with the breadcrumbs, no query.
        context["index"] = ancestors(self)[-1]
        # Read once for the page and its structured data.
        context["themes"] = themes = self.shown_themes()
        context["tags"] = tags = list(self.tags.all())
        context["json_ld"] = article_json_ld(self, request, themes, tags)
        context["activities"] = kept_related_activities(self, request, self.shown_activities)
        return context


class CampaignPartner(Orderable):
    page = ParentalKey("news.CampaignPage", on_delete=models.CASCADE, related_name="partners")
    name = models.CharField(_("nom"), max_length=200)
    url = models.URLField(_("site web"), blank=True)

    panels = [FieldPanel("name"), FieldPanel("url")]

    class Meta(Orderable.Meta):
        ordering = ["sort_order", "pk"]  # rows added by code have no sort_order
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")


class CampaignPage(Page):
    """A campaign: its dates, partners and call to action; the activities and news of its
    themes around its dates are listed by themselves."""

    base_form_class = ThemedPageForm

    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"))
    introduction = models.TextField(_("chapeau"), max_length=400)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    themes = ParentalManyToManyField(
        "events.Theme",
        verbose_name=_("thèmes"),
        blank=True,
        related_name="campaigns",
        help_text=_("Les activités et les actualités de ces thèmes sont listées sur la page."),
    )
    body = StreamField(PageBodyBlock(), verbose_name=_("contenu"), blank=True)
    cta_label = models.CharField(_("libellé du bouton"), max_length=80, blank=True)
    cta_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page du bouton"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cta_url = models.URLField(_("ou adresse externe du bouton"), blank=True)

    content_panels = Page.content_panels + [
        FieldRowPanel([FieldPanel("start_date"), FieldPanel("end_date")]),
        FieldPanel("introduction"),
        FieldPanel("image"),
        FieldPanel("themes"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("cta_label"), FieldPanel("cta_page"), FieldPanel("cta_url")],
            heading=_("Appel à l'action"),
        ),
        InlinePanel("partners", heading=_("Partenaires"), label=_("Partenaire")),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("introduction"),
        index.SearchField("body"),
        index.FilterField("start_date"),
    ]
    parent_page_types = ["news.NewsIndexPage", "home.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")

    def clean(self):
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("La fin doit suivre le début.")})
        if self.cta_label and not (self.cta_page or self.cta_url):
            raise ValidationError(
                {"cta_page": _("Choisissez une page ou une adresse pour le bouton.")}
            )

    @cached_property
    def cta_href(self):
        """The button's address (the page's translation in the visitor's language); the
        template asks twice."""
        from home.blocks import live_url

        return live_url(self.cta_page, self.cta_url)

    @cached_property
    def theme_keys(self):
        return [t.translation_key for t in self.themes.all()]

    def related_activities(self):
        """Activities in this language sharing a theme, with a date from the campaign's start
        (or today, if later) to its end, soonest first, and the first moment one of their
        dates starts or ends (events.models.soonest_first)."""
        from datetime import datetime, time

        from events.models import EventPage, soonest_first, with_sources

        if not self.theme_keys:
            return [], None
        now = timezone.now()
        start = timezone.make_aware(datetime.combine(self.start_date, time.min))
        end = timezone.make_aware(datetime.combine(self.end_date, time.max))
        start = max(start, now)
        # Dates live on the French pages: select there, show the translation.
        sources = (
            EventPage.objects.live()
            .public()
            .filter(
                themes__translation_key__in=self.theme_keys,
                dates__end__gt=start,
                dates__start__lte=end,
            )
            .distinct()
        )
        keys = list(sources.values_list("translation_key", flat=True))
        pages = with_sources(
            EventPage.objects.live()
            .public()
            .filter(translation_key__in=keys, locale_id=self.locale_id)
        )
        return soonest_first(pages, RELATED_LIMIT)

    def related_news(self):
        """Articles in this language sharing a theme, from a month before the campaign to its
        end, newest first."""
        from datetime import timedelta

        if not self.theme_keys:
            return []
        return list(
            ArticlePage.objects.live()
            .public()
            .filter(
                locale_id=self.locale_id,  # not `locale`: that reads the Locale row first
                themes__translation_key__in=self.theme_keys,
                date__gte=self.start_date - timedelta(days=31),
                date__lte=self.end_date,
            )
            .distinct()
            .order_by("-date")[:RELATED_LIMIT]
        )

    @property
    def is_running(self):
        today = timezone.localdate()
        return self.start_date <= today <= self.end_date

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        from events.models import kept_related_activities

        context["activities"] = kept_related_activities(self, request, self.related_activities)
        context["news"] = self.related_news()
        return context
