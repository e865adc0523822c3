"""The editors' screens in the admin (home/editorial.py): "Traductions à faire" in the Reports
menu and on the dashboard, the team's guide in the Help menu and on the dashboard."""

from wagtail import hooks

from . import editorial


@hooks.register("register_admin_urls")
def register_editorial_urls():
    return editorial.urlpatterns()


@hooks.register("register_reports_menu_item")
def register_translations_report():
    return editorial.translations_menu_item()


@hooks.register("register_help_menu_item")
def register_guide():
    return editorial.guide_menu_item()


@hooks.register("construct_homepage_panels")
def add_editorial_panel(request, panels):
    panels.append(editorial.EditorialPanel(request))
