"""Routed sub-pages (Wagtail's RoutablePageMixin) named in the page's language.

A route is declared once per language on the same view: its French path under its name
(`@path("inscription/", name="register")`) and its English path under the name with the
language after two underscores (`@path("register/", name="register__en")`). Both paths answer
on every page, so old links keep working; links are made in the page's own language.
"""

from django.urls import NoReverseMatch


def base_route_name(name):
    return name.split("__", 1)[0]


class LocalizedRoutesMixin:
    def reverse_subpage(self, name, args=None, kwargs=None):
        from cesiq_site.request_memo import language_code

        language = (language_code(self) or "")[:2]
        name = base_route_name(name)
        try:
            return super().reverse_subpage(f"{name}__{language}", args, kwargs)
        except NoReverseMatch:
            return super().reverse_subpage(name, args, kwargs)

    def translate_subpage(self, subpath, other):
        """`subpath` of this page ("inscription/") as the same sub-page of `other`, its
        translation ("register/"); None when it is not one of this page's routes."""
        from django.urls import Resolver404

        try:
            match = self.resolve_subpage("/" + subpath)
        except Resolver404:
            return None
        if not match.url_name:
            return None
        return other.reverse_subpage(match.url_name, match.args, match.kwargs)
