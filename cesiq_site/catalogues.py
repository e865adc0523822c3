"""Compile the .po catalogues to .mo with polib, so that `make run` and the Docker image need
no GNU gettext. (Django's own `compilemessages` shells out to msgfmt.)

French is the source language, so its catalogue is mostly empty, and gettext then picks a
plural by English's rule (n == 1): « 0 résultats ». The French .mo is therefore given every
plural message of the other catalogues, untranslated, so that French's own rule (n > 1)
chooses: « 0 résultat », « 1 résultat », « 2 résultats ».

No Django here: `make run` and `make test` run this module directly
(`python -m cesiq_site.catalogues`), without starting Django and its apps for it (a second or
more before every run); `manage.py compile_translations` does the same for the settings'
LOCALE_PATHS.
"""

import sys
from pathlib import Path

import polib

SOURCE_LANGUAGE = "fr"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
# The settings' LOCALE_PATHS: the project's catalogues, and better French for some of Wagtail's.
LOCALE_DIRS = [LOCALE_DIR, LOCALE_DIR.parent / "locale_admin"]


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


def compile_catalogues(locale_dirs):
    """Compile each catalogue whose .mo is older than its .po (the source language's: than any
    .po); returns the .po files compiled."""
    compiled = []
    for locale_dir in map(Path, locale_dirs):
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
            compiled.append(po_path)
    return compiled


if __name__ == "__main__":
    root = LOCALE_DIR.parent.parent
    for po_path in compile_catalogues(sys.argv[1:] or LOCALE_DIRS):
        print(f"compiled {po_path.resolve().relative_to(root)}")
