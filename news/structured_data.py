"""schema.org NewsArticle for an article page (Google's Article rich result): headline,
image, dates, author, publisher, in the page's language."""

from datetime import datetime, time

from django.templatetags.static import static
from django.utils import timezone

from cesiq_site import seo
from cesiq_site.structured_data import dumps

HEADLINE_LENGTH = 110  # Google shows at most 110 characters


def _published(page):
    published = page.first_published_at
    if published is not None and timezone.localdate(published) == page.date:
        return timezone.localtime(published)
    return timezone.make_aware(datetime.combine(page.date, time(9)))


def article_json_ld(page, request, themes=None, tags=None):
    """`themes` and `tags`: what the page shows, when the caller has read them already."""
    from home.models import SiteSettings

    home = seo.localized_home(request)
    home_url = request.build_absolute_uri(home.get_url(request) if home else "/")
    url = request.build_absolute_uri(page.url)
    published = _published(page)
    modified = timezone.localtime(page.last_published_at) if page.last_published_at else None
    if modified is None or modified < published:
        modified = published
    publisher = {
        "@type": "Organization",
        "name": "CÉSIQ",
        "url": home_url,
        "logo": {"@type": "ImageObject", "url": request.build_absolute_uri(static("img/logo.svg"))},
    }
    if page.author:
        author = {"@type": "Person", "name": page.author}
    else:
        author = {"@type": "Organization", "name": "CÉSIQ", "url": home_url}
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": page.title[:HEADLINE_LENGTH],
        "description": seo.description(page),
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": published.isoformat(),
        "dateModified": modified.isoformat(),
        "author": [author],
        "publisher": publisher,
        "inLanguage": seo.language_of(page),
    }
    image = seo.share_image(request, page) or seo.share_image(
        request, None, SiteSettings.for_request(request)
    )
    if image:
        data["image"] = [image[0]]
    themes = page.shown_themes() if themes is None else themes
    tags = page.tags.all() if tags is None else tags
    keywords = [theme.name for theme in themes] + [t.name for t in tags]
    if keywords:
        data["keywords"] = ", ".join(keywords)
    return dumps(data)
