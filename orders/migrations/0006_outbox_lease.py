from django.db import migrations, models


class Migration(migrations.Migration):
    """Outbox rows are claimed with a lease before sending and carry a stable Message-ID."""

    dependencies = [
        ("orders", "0005_personal_data_retention"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxemail",
            name="message_id",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="claim_token",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
