"""The newsletter's public pages: sign up (from the footer of every page, or this page),
confirm (double opt-in), unsubscribe (one click, from every message)."""

from django.template.response import TemplateResponse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cesiq_site import ratelimit
from cesiq_site.csrf import origin_checked

from . import services
from .forms import SignupForm

CONFIRM_BUTTON_TEXT = gettext_lazy("Je confirme mon inscription à l'infolettre")


def _language():
    return (get_language() or "fr")[:2]


@origin_checked  # the footer is on cached pages and carries no token (cesiq_site/csrf.py)
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.method == "GET":
        return TemplateResponse(request, "newsletter/signup.html", {"form": SignupForm()})
    if refused := ratelimit.check(request, "posts"):
        return refused
    form = SignupForm(request.POST)
    if not form.is_valid():
        return TemplateResponse(request, "newsletter/signup.html", {"form": form}, status=400)
    if refused := ratelimit.check(request, "newsletter"):
        return refused
    services.request_subscription(
        form.cleaned_data["email"],
        _language(),
        source="footer" if request.POST.get("source") == "footer" else "page",
        ip_hash=ratelimit.client_key(request),
    )
    return TemplateResponse(
        request, "newsletter/signup_sent.html", {"email": form.cleaned_data["email"]}
    )


def _link_problem(request, reason, status=404):
    return TemplateResponse(
        request, "newsletter/link_problem.html", {"reason": reason}, status=status
    )


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    try:
        subscriber = services.find_pending(token)
    except services.LinkError as exc:
        return _link_problem(request, exc.reason, 410 if exc.reason != "unknown" else 404)
    if request.method == "GET":
        return TemplateResponse(
            request,
            "newsletter/confirm.html",
            {"subscriber": subscriber, "button": CONFIRM_BUTTON_TEXT},
        )
    try:
        services.confirm(
            token, text=str(CONFIRM_BUTTON_TEXT), ip_hash=ratelimit.client_key(request)
        )
    except services.LinkError as exc:
        return _link_problem(request, exc.reason, 410)
    return TemplateResponse(request, "newsletter/confirmed.html", {"subscriber": subscriber})


@csrf_exempt  # mail clients' one-click POST (RFC 8058) has no token; the link's token is the key
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    if request.method == "GET":
        subscriber = services.Subscriber.objects.filter(unsubscribe_token=token).first()
        if subscriber is None:
            return _link_problem(request, "unknown")
        return TemplateResponse(request, "newsletter/unsubscribe.html", {"subscriber": subscriber})
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    subscriber = services.unsubscribe(
        token,
        source="one_click" if one_click else "unsubscribe_page",
        text=_("Me désabonner de l'infolettre"),
    )
    if subscriber is None:
        return _link_problem(request, "unknown")
    return TemplateResponse(request, "newsletter/unsubscribed.html", {"subscriber": subscriber})
