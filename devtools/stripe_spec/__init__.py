"""The part of Stripe's published API description the site's contract test needs."""
