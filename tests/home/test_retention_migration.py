"""The retention period of personal data moved from the site settings (home) to the order
settings, where the Law 25 purge (orders.privacy) reads it: the value an administrator chose is
carried over, and back again if the migration is reversed."""

import pytest

from tests.migrated_template import database_at, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("home", "0002_attendee_data_retention"), ("orders", "0005_personal_data_retention")]
AFTER = [("home", "0003_retention_moved_to_orders")]


def default_site(apps):
    """The default site (Wagtail's migrations make one), made with a root page if missing."""
    Site = apps.get_model("wagtailcore", "Site")
    site = Site.objects.filter(is_default_site=True).first()
    if site:
        return site
    ContentType = apps.get_model("contenttypes", "ContentType")
    Locale = apps.get_model("wagtailcore", "Locale")
    Page = apps.get_model("wagtailcore", "Page")
    locale, _created = Locale.objects.get_or_create(language_code="fr")
    root = Page.objects.filter(depth=1).first() or Page.objects.create(
        title="Racine",
        slug="root",
        path="0001",
        depth=1,
        locale=locale,
        content_type=ContentType.objects.get_for_model(Page),
    )
    return Site.objects.create(hostname="localhost", root_page=root, is_default_site=True)


@pytest.mark.slow
def test_the_chosen_retention_period_moves_to_the_order_settings():
    with database_at(BEFORE) as old:
        site = default_site(old)
        SiteSettings = old.get_model("home", "SiteSettings")
        SiteSettings.objects.update_or_create(
            site=site, defaults={"attendee_data_retention_months": 7}
        )

        new = migrate(AFTER)
        OrderSettings = new.get_model("orders", "OrderSettings")
        assert OrderSettings.objects.get().personal_data_retention_months == 7
        OrderSettings.objects.update(personal_data_retention_months=9)

        old = migrate(BEFORE)
        settings = old.get_model("home", "SiteSettings").objects.get(site_id=site.pk)
        assert settings.attendee_data_retention_months == 9
