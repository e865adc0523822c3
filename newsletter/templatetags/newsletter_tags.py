from django import template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def newsletter_signup():
    """The footer's sign-up form, on every page. It carries no CSRF token (the pages are
    cached); the view checks the request's origin (cesiq_site/csrf.py).

    Rendered once per language and content generation (cesiq_site/render_cache.py): the
    only part that differs between two pages is the time trap's signed moment, written
    afresh into the kept HTML for each page."""
    from cesiq_site.antispam import TIME_FIELD, stamp
    from cesiq_site.render_cache import shared
    from newsletter.forms import SignupForm

    def render():
        form = SignupForm(auto_id="newsletter-%s")
        shown = form.fields[TIME_FIELD].initial
        return shown, render_to_string("newsletter/_footer_form.html", {"form": form})

    shown, html = shared(("newsletter signup", translation.get_language()), render)
    # The kept HTML is our own template's; the stamp is a signed "moment:signature".
    return mark_safe(html.replace(shown, stamp(SignupForm.spam_purpose)))  # noqa: S308
