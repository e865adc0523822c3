"""Compile the .po catalogues to .mo with polib, so that `make run` and the Docker image need
no GNU gettext. (Django's own `compilemessages` shells out to msgfmt.)

French is the source language, so its catalogue is mostly empty, and gettext then picks a
plural by English's rule (n == 1): « 0 résultats ». The French .mo is therefore given every
plural message of the other catalogues, untranslated, so that French's own rule (n > 1)
chooses: « 0 résultat », « 1 résultat », « 2 résultats »."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand

SOURCE_LANGUAGE = "fr"


def with_source_plurals(catalogue, others):
    """`catalogue` (the source language's) plus each plural message it lacks, as itself."""
    have = {(e.msgid, e.msgid_plural) for e in catalogue if e.msgid_plural and e.translated()}
    for other in others:
        for entry in other:
            key = (entry.msgid, entry.msgid_plural)
            if not entry.msgid_plural or key in have or entry.obsolete:
                continue
            have.add(key)
            existing = catalogue.find(entry.msgid)
            if existing is not None:
                catalogue.remove(existing)
            catalogue.append(
                polib.POEntry(
                    msgid=entry.msgid,
                    msgid_plural=entry.msgid_plural,
                    msgstr_plural={0: entry.msgid, 1: entry.msgid_plural},
                )
            )
    return catalogue


class Command(BaseCommand):
    help = "Compile les catalogues de traduction (.po → .mo) sans GNU gettext."
    # It reads files only: the system checks (models, URLs, Wagtail's) would add seconds to
    # every `make run` and `make test` for nothing.
    requires_system_checks = []

    def handle(self, *args, **options):
        count = 0
        for locale_dir in map(Path, settings.LOCALE_PATHS):
            po_paths = sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))
            newest = max((p.stat().st_mtime for p in po_paths), default=0)
            for po_path in po_paths:
                is_source = po_path.parts[-3] == SOURCE_LANGUAGE
                mo_path = po_path.with_suffix(".mo")
                # The source catalogue borrows from the others: rebuilt when any changes.
                changed = newest if is_source else po_path.stat().st_mtime
                if mo_path.exists() and mo_path.stat().st_mtime >= changed:
                    continue
                catalogue = polib.pofile(str(po_path))
                if is_source:
                    others = [polib.pofile(str(p)) for p in po_paths if p != po_path]
                    catalogue = with_source_plurals(catalogue, others)
                catalogue.save_as_mofile(str(mo_path))
                count += 1
                self.stdout.write(f"compiled {po_path.relative_to(settings.BASE_DIR)}")
        self.stdout.write(self.style.SUCCESS(f"{count} catalogue(s) compiled."))
