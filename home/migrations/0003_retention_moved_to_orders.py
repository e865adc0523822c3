"""The retention period of personal data moves from the site settings to the order settings,
where `orders.privacy` (which purges every app's data) reads it without importing `home`.

The value of the default site is carried over; going back copies it the other way."""

from django.db import migrations, models


def default_site_settings(apps):
    Site = apps.get_model("wagtailcore", "Site")
    SiteSettings = apps.get_model("home", "SiteSettings")
    site = Site.objects.filter(is_default_site=True).first()
    return SiteSettings.objects.filter(site=site).first() if site else None


def to_orders(apps, schema_editor):
    site_settings = default_site_settings(apps)
    if site_settings is None:
        return
    OrderSettings = apps.get_model("orders", "OrderSettings")
    order_settings = OrderSettings.objects.order_by("pk").first() or OrderSettings()
    order_settings.personal_data_retention_months = site_settings.attendee_data_retention_months
    order_settings.save()


def to_home(apps, schema_editor):
    site_settings = default_site_settings(apps)
    OrderSettings = apps.get_model("orders", "OrderSettings")
    order_settings = OrderSettings.objects.order_by("pk").first()
    if site_settings is None or order_settings is None:
        return
    site_settings.attendee_data_retention_months = order_settings.personal_data_retention_months
    site_settings.save(update_fields=["attendee_data_retention_months"])


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_attendee_data_retention"),
        ("orders", "0005_personal_data_retention"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunPython(to_orders, to_home),
        migrations.RemoveField(model_name="sitesettings", name="attendee_data_retention_months"),
    ]
