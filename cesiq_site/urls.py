import re

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cesiq_site import sitemap, views
from orders import views as orders_views
from search import views as search_views

# Language-neutral addresses: machines (health checks, webhooks) and the admin.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("payments/stripe/webhook/", orders_views.stripe_webhook, name="stripe_webhook"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's own document view, kept out of shared caches (views.serve_document).
    re_path(r"^documents/(\d+)/(.*)$", views.serve_document, name="wagtaildocs_serve"),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap.sitemap, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
    urlpatterns += [
        path("__errors__/404/", views.preview_404),
        path("__errors__/500/", views.preview_500),
    ]
else:
    # Uploaded images, when they are on this machine's disk (views.serve_image_file).
    urlpatterns += [
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.strip('/'))}/"
            r"(?P<path>(?:original_images|images)/[^/]+)$",
            views.serve_image_file,
        )
    ]

# French at "/", English at "/en/": the default language has no prefix.
urlpatterns += i18n_patterns(
    path(_("recherche/"), search_views.search, name="search"),
    path("", include("orders.urls")),
    path("", include("events.urls")),
    path("", include("shop.urls")),
    path("", include("newsletter.urls")),
    path("", include("schools.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

handler404 = "cesiq_site.views.page_not_found"
handler500 = "cesiq_site.views.server_error"
