"""Contract test against Stripe's real test mode: the fake must not drift from Stripe.

Runs only when STRIPE_TEST_SECRET_KEY (an sk_test_ key) is set and Stripe can be reached;
skipped otherwise, including in CI, which has no internet.
"""

import os
import time

import pytest
import stripe

KEY = os.environ.get("STRIPE_TEST_SECRET_KEY", "")

pytestmark = pytest.mark.skipif(
    not KEY.startswith("sk_test_"), reason="STRIPE_TEST_SECRET_KEY (sk_test_…) is not set"
)


@pytest.fixture
def real_stripe():
    return stripe.StripeClient(KEY)


def test_checkout_session_shape_matches_the_fake(real_stripe):
    from devtools.fake_stripe import FakeStripe

    params = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "cad",
                    "unit_amount": 2500,
                    "product_data": {"name": "Atelier"},
                },
                "quantity": 2,
            },
        ],
        "customer_email": "contract@example.org",
        "locale": "fr-CA",
        "metadata": {"order": "CONTRACT"},
        "payment_intent_data": {"metadata": {"order": "CONTRACT"}},
        "expires_at": int(time.time()) + 3600,
        "success_url": "https://example.org/ok",
        "cancel_url": "https://example.org/cancel",
    }
    real = real_stripe.v1.checkout.sessions.create(params=params)
    with FakeStripe() as fake:
        local = stripe.StripeClient("sk_test_x", base_addresses={"api": fake.url})
        faked = local.v1.checkout.sessions.create(params=params)
    for field in [
        "object",
        "status",
        "payment_status",
        "amount_total",
        "currency",
        "customer_email",
        "metadata",
        "expires_at",
        "mode",
    ]:
        assert faked[field] == real[field], field
    real_stripe.v1.checkout.sessions.expire(real.id)
