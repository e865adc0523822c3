"""Dates get a status of their own (scheduled, cancelled, postponed), an iCalendar SEQUENCE and,
when moved, the start they had before.

Dates cancelled before this (by the staff action, which then only set their places to 0) are
found from the order log that action wrote, and marked cancelled."""

from django.db import migrations, models


def mark_dates_cancelled_before(apps, schema_editor):
    EventDate = apps.get_model("events", "EventDate")
    OrderLogEntry = apps.get_model("orders", "OrderLogEntry")
    cancelled = set()
    for data in OrderLogEntry.objects.filter(action="date_cancelled").values_list(
        "data", flat=True
    ):
        if isinstance(data, dict) and isinstance(data.get("date"), int):
            cancelled.add(data["date"])
    EventDate.objects.filter(pk__in=cancelled, capacity=0).update(
        status="cancelled", sequence=1
    )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0006_quotas_from_details"),
        ("orders", "0003_quotas"),
    ]

    operations = [
        migrations.AddField(
            model_name="eventdate",
            name="previous_start",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="début initial"
            ),
        ),
        migrations.AddField(
            model_name="eventdate",
            name="sequence",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="eventdate",
            name="status",
            field=models.CharField(
                choices=[
                    ("scheduled", "Prévue"),
                    ("cancelled", "Annulée"),
                    ("postponed", "Reportée"),
                ],
                default="scheduled",
                editable=False,
                max_length=10,
                verbose_name="statut",
            ),
        ),
        migrations.RunPython(mark_dates_cancelled_before, migrations.RunPython.noop),
    ]
