"""`manage.py compile_translations`: the .po catalogues of LOCALE_PATHS compiled to .mo with
polib (cesiq_site/catalogues.py, which `make` runs directly)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from cesiq_site.catalogues import compile_catalogues


class Command(BaseCommand):
    help = "Compile les catalogues de traduction (.po → .mo) sans GNU gettext."
    # It reads files only: the system checks (models, URLs, Wagtail's) would add seconds to
    # every `make run` and `make test` for nothing.
    requires_system_checks = []

    def handle(self, *args, **options):
        compiled = compile_catalogues(settings.LOCALE_PATHS)
        for po_path in compiled:
            self.stdout.write(f"compiled {Path(po_path).relative_to(settings.BASE_DIR)}")
        self.stdout.write(self.style.SUCCESS(f"{len(compiled)} catalogue(s) compiled."))
