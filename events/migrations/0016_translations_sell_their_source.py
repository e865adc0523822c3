"""A translation's own dates, tickets and questions, copied by « Traduire » before it left them
out, are removed: the site sells and asks its source's (EventPage.source), and these rows
showed each date twice among the upcoming dates and the shop's pickups at activities. A shop
order picked up at a copied date moves to its source's date at the same time; a row anything
else still refers to stays. Their places (quotas) stay too: order lines may name them."""

from django.db import migrations, transaction
from django.db.models import ProtectedError


def remove_copies(apps, schema_editor):
    EventPage = apps.get_model("events", "EventPage")
    EventDate = apps.get_model("events", "EventDate")
    TicketType = apps.get_model("events", "TicketType")
    Question = apps.get_model("events", "Question")
    Locale = apps.get_model("wagtailcore", "Locale")
    from django.conf import settings

    default = Locale.objects.filter(language_code=settings.LANGUAGE_CODE).first()
    if default is None:
        return
    sources = {
        page.translation_key: page.pk for page in EventPage.objects.filter(locale=default)
    }
    copies = EventPage.objects.exclude(locale=default).filter(translation_key__in=sources)
    try:
        Fulfilment = apps.get_model("shop", "Fulfilment")
    except LookupError:
        Fulfilment = None
    for copy in copies:
        if Fulfilment is not None:
            for date in EventDate.objects.filter(page=copy):
                same = EventDate.objects.filter(
                    page_id=sources[copy.translation_key], start=date.start
                ).first()
                if same is not None:
                    Fulfilment.objects.filter(pickup_date=date).update(pickup_date=same)
        for model in (Question, TicketType, EventDate):
            for row in model.objects.filter(page=copy):
                try:
                    with transaction.atomic():
                        row.delete()
                except ProtectedError:
                    continue


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0015_prices_not_negative"),
        ("orders", "0017_order_submission"),
        ("shop", "0005_variants_in_a_stable_order"),
    ]

    operations = [migrations.RunPython(remove_copies, migrations.RunPython.noop)]
