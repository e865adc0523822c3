"""A fake Stripe that speaks real HTTP, for the tests and the demo (never in production).

The development machines and CI cannot reach Stripe, and no ready-made stand-in fits:
stripe-mock cannot be installed there (it is on neither PyPI, npm nor Debian), and localstripe
has no Checkout Sessions and ignores idempotency keys. So the site runs its real payment code,
with the official ``stripe`` library, against this server:
``stripe.StripeClient(key, base_addresses={"api": fake.url})``.

It reproduces what the site relies on and what hurts, as Stripe behaves:

- the API (``api``): bearer-key authentication, form-encoded nested parameters checked against
  Stripe's own description of the pinned API version (``devtools/stripe_spec``: a parameter the
  version lacks is ``parameter_unknown``), Stripe's error shape, idempotent replay (the same key
  with other parameters is an ``idempotency_error``; one still in flight a 409
  ``idempotency_key_in_use``), Checkout Sessions, PaymentIntents, charges, refunds, disputes
  and events;
- what Stripe does later, on a clock tests control (``scenarios``): delayed payments that clear
  or fail days later, refunds that stay ``pending`` then succeed or fail, disputes opened, won
  or lost, lost ones appealed, inquiries closed, disputes prevented;
- webhooks (``webhooks``): events signed exactly as Stripe signs them, so
  ``stripe.Webhook.construct_event`` accepts them, sent at once, late, twice or out of order on
  request;
- its own pages (``hosted``): the checkout page (``/checkout/{id}``) and a list of sessions
  (``/``), labelled "MODE DÉMO — aucun paiement réel", whose buttons pay, decline, cancel,
  delay a payment, or (after payment) make a refund fail or open a dispute.

Standard library only (plus the JSON description), so it runs on its own:
``python -m devtools.fake_stripe --port 12111 --webhook-url
http://127.0.0.1:8000/payments/stripe/webhook/ [--state-file var/fake-stripe.json]``.
``make run`` starts it beside the site (``manage.py rundemo``) with its state kept in
``var/fake-stripe.json``; in tests everything stays in memory.
"""

from .scenarios import DAY, ScenarioError
from .server import FakeStripe, main
from .state import StateFileBusy
from .wire import API_VERSION, StripeError, decode_form, format_amount, sign_payload

__all__ = [
    "API_VERSION",
    "DAY",
    "FakeStripe",
    "ScenarioError",
    "StateFileBusy",
    "StripeError",
    "decode_form",
    "format_amount",
    "main",
    "sign_payload",
]
