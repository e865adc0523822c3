"""System checks that stop an unsafe production configuration before it serves anyone."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def payments_are_real_in_production(app_configs, **kwargs):
    if settings.DEBUG or settings.TESTING:
        return []
    errors = []
    if settings.DEMO_PAYMENTS:
        errors.append(
            Error(
                "Demo payments are on while DEBUG is off.",
                hint="Unset CESIQ_DEMO_PAYMENTS in production.",
                id="cesiq.E001",
            )
        )
    if settings.STRIPE_API_BASE:
        errors.append(
            Error(
                "STRIPE_API_BASE points the Stripe library away from Stripe while DEBUG is off.",
                hint="Unset STRIPE_API_BASE in production; it is for the fake Stripe only.",
                id="cesiq.E002",
            )
        )
    return errors
