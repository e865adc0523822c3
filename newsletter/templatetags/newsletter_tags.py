from django import template

register = template.Library()


@register.inclusion_tag("newsletter/_footer_form.html")
def newsletter_signup():
    """The footer's sign-up form, on every page. It carries no CSRF token (the pages are
    cached); the view checks the request's origin (cesiq_site/csrf.py)."""
    from newsletter.forms import SignupForm

    return {"form": SignupForm(auto_id="newsletter-%s")}
