"""The demo site's content: pages (``content``) and activities (``events``), used by
``seed_demo`` and by a few tests that need to know what the demo shows."""
