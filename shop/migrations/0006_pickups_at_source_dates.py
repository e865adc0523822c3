"""Orders picked up at a translation's copied date (offered among the pickups before « Traduire »
left dates out of translations) move to the source's date at the same time, so that
events 0016 can remove the copies."""

from django.db import migrations


def move_pickups(apps, schema_editor):
    Fulfilment = apps.get_model("shop", "Fulfilment")
    EventDate = apps.get_model("events", "EventDate")
    EventPage = apps.get_model("events", "EventPage")
    Locale = apps.get_model("wagtailcore", "Locale")
    from django.conf import settings

    default = Locale.objects.filter(language_code=settings.LANGUAGE_CODE).first()
    if default is None:
        return
    sources = {
        page.translation_key: page.pk for page in EventPage.objects.filter(locale=default)
    }
    copied = EventDate.objects.exclude(page__locale=default).filter(
        page__translation_key__in=sources, pk__in=Fulfilment.objects.values("pickup_date")
    )
    for date in copied.select_related("page"):
        same = EventDate.objects.filter(
            page_id=sources[date.page.translation_key], start=date.start
        ).first()
        if same is not None:
            Fulfilment.objects.filter(pickup_date=date).update(pickup_date=same)


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0005_variants_in_a_stable_order"),
        ("events", "0015_prices_not_negative"),
    ]
    run_before = [("events", "0016_translations_sell_their_source")]

    operations = [migrations.RunPython(move_pickups, migrations.RunPython.noop)]
