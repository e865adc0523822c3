"""The order settings administrators fill in: the tax numbers printed on every receipt and
invoice in the shapes the two agencies give them, the notification addresses one by one, and a
retention period that is one (a month to ten years)."""

import pytest
from django.core.exceptions import ValidationError

from orders.models import OrderSettings

pytestmark = pytest.mark.django_db


def settings_with(**fields):
    settings = OrderSettings(taxes_enabled=True, gst_number="", qst_number="")
    for name, value in fields.items():
        setattr(settings, name, value)
    return settings


@pytest.mark.parametrize(
    ("gst", "qst"),
    [
        ("123456789 RT 0001", "1234567890 TQ 0001"),
        ("123456789RT0001", "1234567890tq0001"),
        ("123456789-RT-0001", " 1234567890 TQ0001 "),
    ],
)
def test_tax_numbers_are_taken_as_written_and_kept_in_one_shape(gst, qst):
    settings = settings_with(gst_number=gst, qst_number=qst)
    settings.full_clean()
    assert (settings.gst_number, settings.qst_number) == (
        "123456789 RT 0001",
        "1234567890 TQ 0001",
    )


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"gst_number": "abc", "qst_number": "xyz"},
            {
                "gst_number": [
                    "Indiquez le numéro comme il est inscrit, par exemple 123456789 RT 0001."
                ],
                "qst_number": [
                    "Indiquez le numéro comme il est inscrit, par exemple 1234567890 TQ 0001."
                ],
            },
        ),
        (
            {
                "gst_number": "123456789 RT 0001",
                "qst_number": "1234567890 TQ 0001",
                "staff_notification_emails": "equipe@cesiq.example, pas-un-courriel",
            },
            {
                "staff_notification_emails": [
                    "« pas-un-courriel » n'est pas une adresse de courriel."
                ]
            },
        ),
        (
            {
                "gst_number": "123456789 RT 0001",
                "qst_number": "1234567890 TQ 0001",
                "personal_data_retention_months": 500,
            },
            None,
        ),
    ],
)
def test_what_is_not_a_number_an_address_or_a_period_is_refused(fields, errors):
    settings = settings_with(**fields)
    with pytest.raises(ValidationError) as refused:
        settings.full_clean()
    if errors is not None:
        assert refused.value.message_dict == errors
    else:
        assert "personal_data_retention_months" in refused.value.message_dict
