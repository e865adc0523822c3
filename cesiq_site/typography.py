"""Québec French typography (Office québécois de la langue française), applied to French text
as it leaves the site: pages, emails and the editors' rich text as rendered.

- a non-breaking space (U+00A0) before « : » and « » », and after « « »;
- a narrow non-breaking space (U+202F) before « ; », « ? » and « ! », as the OQLF allows;
- no line break between a number and its unit or « $ » (« 12,50 $ », « 5 % », « 3 h »);
- times as « 18 h » and « 18 h 30 », never « 18 h 00 » (Django's formats cannot drop the
  minutes only when they are zero, so it is done here, once for every date and time shown).
- the first day of a month as « 1er janvier », never « 1 janvier » (Django's « j » has no
  ordinal in French either).

Source strings keep plain spaces: translators and editors type what they know, and the rule
lives in one place. Only spaces already there are changed (« Bonjour! » stays as typed), and
markup is left alone: tags and their attributes, <script>, <style>, <pre>, <code>, <textarea>.
"""

import re

NBSP = "\u00a0"
NNBSP = "\u202f"
_SPACES = "[ \u00a0\u202f]"

# After a word, or at the start of a text node (« <strong>Date</strong> : … »).
_BEFORE_COLON = re.compile(rf"(?:(?<=\S)|^){_SPACES}+(?=[:»])")
_BEFORE_OTHERS = re.compile(rf"(?:(?<=\S)|^){_SPACES}+(?=[;?!])")
_AFTER_GUILLEMET = re.compile(rf"«{_SPACES}+")
_ZERO_MINUTES = re.compile(rf"\b(\d{{1,2}}){_SPACES}h{_SPACES}00\b")
_HOUR_MINUTES = re.compile(rf"\b(\d{{1,2}}){_SPACES}h(?:{_SPACES}(\d\d)\b)?(?![\w])")
_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
_FIRST_OF_MONTH = re.compile(rf"(?<![\d,.])1{_SPACES}(?=(?:{_MONTHS})\b)")
_NUMBER_UNIT = re.compile(rf"(\d){_SPACES}(?=(?:\$|%|km\b|kg\b|g\b|mL\b|ml\b|L\b|min\b))")

# Elements whose text is not prose (or is the visitor's own input, sent back as typed).
_RAW = ("script", "style", "pre", "code", "textarea")
_TOKENS = re.compile(
    r"(<!--.*?-->|<(" + "|".join(_RAW) + r")\b[^>]*>.*?</\2\s*>|<[^>]*>)",
    re.DOTALL | re.IGNORECASE,
)


# Every rule needs a digit or one of these signs: a text without any (most text nodes of a
# page: the blanks between tags) is left as it is without running the rules.
_TOUCHED = re.compile(r"[\d:;?!«»]")


# The rules on numbers all need a digit followed by a space. Python's regular expressions
# scan quickly for a first character class, not for a pattern that starts with a word
# boundary (about 30 µs for a 150-character node each): each rule only runs when the text
# has what it needs, which this and plain `in` tests tell far faster.
_DIGIT_SPACE = re.compile(rf"\d{_SPACES}")
_DIGIT_HOUR = re.compile(rf"\d{_SPACES}h")


def french_text(text):
    """The rules on plain text (a subject, a plain-text email, one HTML text node)."""
    if not text or not _TOUCHED.search(text):
        return text
    if _DIGIT_SPACE.search(text):
        if _DIGIT_HOUR.search(text):
            text = _ZERO_MINUTES.sub(r"\1 h", text)
            text = _HOUR_MINUTES.sub(
                lambda m: f"{m[1]}{NBSP}h" + (f"{NBSP}{m[2]}" if m[2] else ""), text
            )
        text = _NUMBER_UNIT.sub(rf"\1{NBSP}", text)
        if "1" in text:
            text = _FIRST_OF_MONTH.sub(f"1er{NBSP}", text)
    if ":" in text or "»" in text:
        text = _BEFORE_COLON.sub(NBSP, text)
    if ";" in text or "?" in text or "!" in text:
        text = _BEFORE_OTHERS.sub(NNBSP, text)
    if "«" in text:
        text = _AFTER_GUILLEMET.sub("«" + NBSP, text)
    return text


# Comments and the elements left alone, whole (a handful per page)...
_SKIPPED = re.compile(
    r"(<!--.*?-->|<(" + "|".join(_RAW) + r")\b[^>]*>.*?</\2\s*>)",
    re.DOTALL | re.IGNORECASE,
)
# ...and between them, each text node (from a ">" or the start to a "<" or the end) that has
# something to change: the hundreds of tags and blank nodes of a page are skipped by the
# regular expression engine rather than visited one by one in Python.
_TEXT_NODE = re.compile(r"(?<![^>])[^<]*?[\d:;?!«»][^<]*")


def _french_node(match):
    return french_text(match[0])


def french_html(html):
    """The rules on the text of an HTML document or fragment, markup untouched."""
    if not html:
        return html
    parts = _SKIPPED.split(html)
    out = []
    # re.split with two groups yields: text, skipped, inner-group, text, skipped, inner-group…
    for index in range(0, len(parts), 3):
        out.append(_TEXT_NODE.sub(_french_node, parts[index]))
        if index + 1 < len(parts):
            out.append(parts[index + 1])
    return "".join(out)


# The OQLF's abbreviations of the months (Django's French "M" gives « Jui » for June and July).
OQLF_MONTHS = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juill.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]


def month_abbr(value):
    """A month's short name in the active language: « juill. » in French, "Jul" in English."""
    from django.utils import translation
    from django.utils.formats import date_format

    if (translation.get_language() or "fr").startswith("fr"):
        return OQLF_MONTHS[value.month - 1]
    return date_format(value, "M")
