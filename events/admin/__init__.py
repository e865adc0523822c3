"""The activities' back-office in the Wagtail admin: dates, attendees, the door, exports, and
what events adds to orders' screens. Registered in `events/wagtail_hooks.py` (Wagtail's hooks)
and `events/registrations.py` (orders' registries).

Kept free of imports: Django's admin autodiscovery imports every app's `admin` module.
"""
