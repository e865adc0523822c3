"""The funders' report in the admin's Reports menu (reports/views.py)."""

from wagtail import hooks

from . import views


@hooks.register("register_admin_urls")
def register_report_urls():
    return views.urlpatterns()


@hooks.register("register_reports_menu_item")
def register_funders_report():
    return views.menu_item()
