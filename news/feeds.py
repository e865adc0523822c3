"""RSS 2.0 and Atom feeds of a news list, in the list's language (Django's syndication).

Each feed is a route of the NewsIndexPage (`rss/`, `atom/`), so it is served, cached and
invalidated like the page itself (cesiq_site/pagecache.py)."""

from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from .models import FEED_ITEMS


class NewsFeed(Feed):
    feed_type = Rss201rev2Feed

    def __init__(self, index):
        super().__init__()
        self.index = index
        # The channel's <language> (RSS) and xml:lang (Atom): the page's, not the request's.
        self.language = {"fr": "fr-CA", "en": "en-CA"}.get(
            index.locale.language_code, index.locale.language_code
        )

    def __call__(self, request, *args, **kwargs):
        self.request = request
        with translation.override(self.index.locale.language_code):
            return super().__call__(request, *args, **kwargs)

    def title(self):
        return f"CÉSIQ — {self.index.title}"

    def link(self):
        return self.index.url

    def feed_url(self):
        return self.request.path

    def description(self):
        return self.index.introduction or self.index.title

    def items(self):
        return list(self.index.articles()[:FEED_ITEMS])

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.introduction

    def item_link(self, item):
        return item.url

    def item_guid(self, item):
        # Stable whatever the address becomes (a slug edited, a page moved).
        return f"urn:uuid:{item.translation_key}:{item.locale.language_code}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        published = item.first_published_at
        if published is not None and timezone.localdate(published) == item.date:
            return published
        return timezone.make_aware(datetime.combine(item.date, time(9)))

    def item_updateddate(self, item):
        return item.last_published_at or self.item_pubdate(item)

    def item_author_name(self, item):
        return item.byline

    def item_categories(self, item):
        return [theme.name for theme in item.shown_themes()] + [tag.name for tag in item.tags.all()]


class NewsAtomFeed(NewsFeed):
    feed_type = Atom1Feed

    def subtitle(self):
        return self.description()
