"""Development and test tools: the fake Stripe, the demo data and its commands.

Nothing here runs in production. The package is a Django app (label ``devtools``) that only
``cesiq_site.settings.dev`` and ``cesiq_site.settings.test`` install; the production settings do
not, and the Docker image leaves the directory out, so ``seed_demo`` (which creates
``admin`` / ``changeme``) and ``rundemo`` do not exist there.
"""
