"""A translation's own dates, tickets and questions, copied by « Traduire » before it left them
out, are removed: the site sells and asks its source's (EventPage.source), and these rows
showed each date twice among the upcoming dates and the shop's pickups at activities. A row
anything still refers to stays (the shop moves its pickups at a copied date to the source's
date first: shop 0006). Their places (quotas) stay too: order lines may name them."""

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
    sources = EventPage.objects.filter(locale=default).values("translation_key")
    copies = EventPage.objects.exclude(locale=default).filter(translation_key__in=sources)
    for model in (Question, TicketType, EventDate):
        for row in model.objects.filter(page__in=copies):
            try:
                with transaction.atomic():
                    row.delete()
            except ProtectedError:
                continue


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0015_prices_not_negative"),
        ("orders", "0017_order_submission"),
    ]

    operations = [migrations.RunPython(remove_copies, migrations.RunPython.noop)]
