"""{% latest_news %}: the newest articles of the current language, for the home page."""

from django import template
from wagtail.models import Locale

register = template.Library()


@register.simple_tag
def latest_news(count=3):
    from news.models import ArticlePage, NewsIndexPage

    try:
        locale = Locale.get_active()
    except Locale.DoesNotExist:
        return {}
    articles = list(
        ArticlePage.objects.live()
        .public()
        .filter(locale=locale)
        .order_by("-date", "-first_published_at")
        .select_related("image")[:count]
    )
    index = NewsIndexPage.objects.live().public().filter(locale=locale).first()
    return {"articles": articles, "index": index}
