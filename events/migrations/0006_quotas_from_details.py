"""Move what decided the counting out of order lines' JSON details onto quotas.

Every date gets its quota (its places); every ticket type with a limit of its own gets one per
date; every ticket line is linked to the quotas it took, read from the `date` key it carried
(as a number or a string: both meant the same date); live waiting-list offers become holds.
The `date` and `offer` keys then leave the details, which keep only descriptive data.
"""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Quota = apps.get_model("orders", "Quota")
    QuotaHold = apps.get_model("orders", "QuotaHold")
    OrderLine = apps.get_model("orders", "OrderLine")
    ContentType = apps.get_model("contenttypes", "ContentType")
    EventDate = apps.get_model("events", "EventDate")
    TicketType = apps.get_model("events", "TicketType")
    TicketQuota = apps.get_model("events", "TicketQuota")
    WaitingListEntry = apps.get_model("events", "WaitingListEntry")

    dates = {}
    for date in EventDate.objects.select_related("page"):
        if date.quota_id is None:
            date.quota = Quota.objects.create(
                size=date.capacity, name=f"{date.page.title} — {date.start:%Y-%m-%d %H:%M}"[:300]
            )
            date.save(update_fields=["quota"])
        dates[date.pk] = date

    def ticket_quota(ticket, date):
        link = TicketQuota.objects.filter(ticket_type=ticket, date=date).first()
        if link is None:
            quota = Quota.objects.create(
                size=ticket.places_per_date, name=f"{dates[date.pk].quota.name} — {ticket.name}"
            )
            link = TicketQuota.objects.create(ticket_type=ticket, date=date, quota=quota)
        return link.quota_id

    for ticket in TicketType.objects.filter(places_per_date__isnull=False):
        for date in dates.values():
            if date.page_id == ticket.page_id:
                ticket_quota(ticket, date)

    content_type = ContentType.objects.filter(app_label="events", model="tickettype").first()
    tickets = {t.pk: t for t in TicketType.objects.all()}
    Link = OrderLine.quotas.through
    if content_type is not None:
        for line in OrderLine.objects.filter(content_type=content_type):
            details = dict(line.details or {})
            try:
                date = dates.get(int(details.get("date")))
            except (TypeError, ValueError):
                date = None
            ticket = tickets.get(line.object_id)
            if date is not None and ticket is not None:
                quota_ids = [date.quota_id]
                if ticket.places_per_date is not None:
                    quota_ids.append(ticket_quota(ticket, date))
                for quota_id in quota_ids:
                    Link.objects.get_or_create(orderline_id=line.pk, quota_id=quota_id)
            if "date" in details or "offer" in details:
                details.pop("date", None)
                details.pop("offer", None)
                line.details = details
                line.save(update_fields=["details"])

    now = timezone.now()
    for entry in WaitingListEntry.objects.filter(
        state="offered", offer_expires_at__gt=now, hold__isnull=True
    ):
        entry.hold = QuotaHold.objects.create(
            quota_id=dates[entry.date_id].quota_id,
            quantity=entry.places,
            expires_at=entry.offer_expires_at,
            reason=f"waiting list {entry.pk}",
        )
        entry.save(update_fields=["hold"])


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0005_quotas"),
        ("orders", "0003_quotas"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
