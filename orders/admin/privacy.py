"""Law 25 in the Wagtail admin: "Renseignements personnels", in the Settings menu.

Staff find what the site holds about one person by email, download it as JSON (the right of
access) or erase it (the right to erasure: orders stay, anonymised, for accounting). Erasing
asks for the email to be typed again. What each app holds comes from its provider
(`orders.privacy`), so these screens see every app without importing any.

Who may use it: superusers and members of the "Administration" group. Not the ticketing team,
although it holds `orders.change_order` and `events.view_attendee`: erasing is answering a
formal request to the organisation's privacy officer, not day-to-day ticketing.
"""

import json

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .. import privacy

PRIVACY_GROUP = "Administration"


def can_handle_personal_data(user):
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.groups.filter(name=PRIVACY_GROUP).exists()


class PrivacyOfficerOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can_handle_personal_data(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SearchForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Courriel de la personne"),
        help_text=gettext_lazy("Sans distinction de majuscules et minuscules."),
    )


class EraseForm(forms.Form):
    email = forms.EmailField(widget=forms.HiddenInput)
    confirmation = forms.CharField(
        label=gettext_lazy("Retapez le courriel pour confirmer"),
        help_text=gettext_lazy("L'effacement est définitif."),
        required=False,
    )

    def clean(self):
        data = super().clean()
        typed = (data.get("confirmation") or "").strip().lower()
        if data.get("email") and typed != data["email"].strip().lower():
            raise forms.ValidationError(
                _("Le courriel retapé ne correspond pas : rien n'a été effacé.")
            )
        return data


def search_url(email=""):
    url = reverse("privacy:search")
    return f"{url}?{urlencode({'email': email})}" if email else url


class PrivacySearchView(PrivacyOfficerOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "orders/admin/privacy/search.html"
    header_icon = "user"
    page_title = gettext_lazy("Renseignements personnels")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = SearchForm(self.request.GET or None)
        found = None
        if form.is_valid():
            found = privacy.find_person(form.cleaned_data["email"])
        context.update(form=form, found=found)
        return context


class PrivacyExportView(PrivacyOfficerOnlyMixin, View):
    """The JSON file, sent by POST so the email stays out of URLs and access logs."""

    def post(self, request):
        form = SearchForm(request.POST)
        if not form.is_valid():
            return redirect(search_url())
        email = form.cleaned_data["email"]
        data = privacy.export_person(email)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="renseignements-{stamp}.json"'
        return response


class PrivacyEraseView(PrivacyOfficerOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "orders/admin/privacy/erase.html"
    header_icon = "warning"
    page_title = gettext_lazy("Effacer les renseignements personnels")

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": search_url(), "label": _("Renseignements personnels")},
            {"url": "", "label": _("Effacer")},
        ]

    def get(self, request, *args, **kwargs):
        search = SearchForm(request.GET)
        if not search.is_valid():
            return redirect(search_url())
        email = search.cleaned_data["email"]
        form = EraseForm(initial={"email": email})
        return self.render_to_response(self.get_context_data(form=form, email=email))

    def post(self, request, *args, **kwargs):
        form = EraseForm(request.POST)
        if not form.is_valid():
            email = request.POST.get("email", "")
            return self.render_to_response(self.get_context_data(form=form, email=email))
        email = form.cleaned_data["email"]
        found = privacy.find_person(email)
        privacy.erase_person(email, user=request.user)
        messages.success(
            request,
            _("Renseignements effacés : %(what)s.") % {"what": ", ".join(found.summary)},
        )
        return redirect(search_url(email))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["found"] = privacy.find_person(context["email"])
        context["cancel_url"] = search_url(context["email"])
        return context


def urlpatterns():
    patterns = [
        path("", PrivacySearchView.as_view(), name="search"),
        path("exporter/", PrivacyExportView.as_view(), name="export"),
        path("effacer/", PrivacyEraseView.as_view(), name="erase"),
    ]
    return [path("renseignements-personnels/", include((patterns, "privacy")))]


class PrivacyMenuItem(MenuItem):
    def is_shown(self, request):
        return can_handle_personal_data(request.user)


def menu_item():
    return PrivacyMenuItem(
        gettext_lazy("Renseignements personnels"),
        reverse("privacy:search"),
        icon_name="user",
        order=900,
    )
