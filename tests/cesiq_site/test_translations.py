"""English works wherever French does: every string of the English catalogue is translated."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "cesiq_site" / "locale"


def test_english_catalogue_is_complete_and_has_no_guesses():
    po = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_placeholders_survive_translation():
    import re

    po = polib.pofile(str(LOCALE / "en" / "LC_MESSAGES" / "django.po"))
    pattern = re.compile(r"%\((\w+)\)s")
    for entry in po.translated_entries():
        wanted = set(pattern.findall(entry.msgid))
        got = set(pattern.findall(entry.msgstr or entry.msgstr_plural.get(1, "")))
        assert wanted == got or not entry.msgstr and entry.msgid_plural, entry.msgid


def test_each_message_is_defined_once():
    """gettext's own tools (msgfmt, msguniq, makemessages) refuse a catalogue that defines a
    message twice; polib would keep one of the two translations without a word."""
    from collections import Counter

    for language in ("en", "fr"):
        po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
        counts = Counter((entry.msgctxt, entry.msgid) for entry in po if not entry.obsolete)
        assert [key for key, n in counts.items() if n > 1] == [], language


def test_no_template_writes_a_french_colon_outside_a_translation():
    """French puts a space before a colon, English does not: a colon written as it is after a
    translated label (« {% translate "Motif" %} : ») showed « Reason : » on English receipts.
    Such colons go through the « deux-points » message (" :" in French, ":" in English)."""
    import re

    root = LOCALE.parents[1]
    pattern = re.compile(r"%\} :[ <]")
    found = [
        f"{path.relative_to(root)}:{number}"
        for folder in (
            "cesiq_site",
            "home",
            "events",
            "shop",
            "orders",
            "search",
            "schools",
            "donations",
            "memberships",
            "network",
            "news",
            "newsletter",
            "contact",
            "resources",
            "reports",
        )
        if (root / folder).is_dir()
        for path in sorted((root / folder).rglob("*.html")) + sorted((root / folder).rglob("*.txt"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert found == []


def test_wagtails_admin_strings_read_right_in_french():
    """Wagtail's French catalogue wrote « Pages crées », « Status actuel », « Nouvel(le) » and
    « Régions » for the languages: cesiq_site/locale_admin says them right, and English is
    untouched."""
    from django.utils import translation
    from django.utils.translation import gettext, ngettext

    pages = (
        '%(total)s Page <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Pages <span class="w-sr-only">created in %(site_name)s</span>',
    )
    with translation.override("fr"):
        assert gettext("Current page status:") == "Statut actuel de la page :"
        assert gettext("Status: ") == "Statut : "
        assert gettext("New: %(model_name)s") == "Ajout : %(model_name)s"
        assert gettext("Add %(label)s") == "Ajouter : %(label)s"
        assert gettext("Locales") == "Langues"
        assert "créées dans" in ngettext(*pages, 109)
        assert "page <span" in ngettext(*pages, 0)  # French: 0 is singular
        assert "a été créée dans cette langue" in gettext(
            "The page '%(page_title)s' was successfully created in %(locales)s"
        )
    with translation.override("en"):
        assert gettext("Current page status:") == "Current page status:"
