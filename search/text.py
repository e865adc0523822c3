"""Text helpers shared by the search fallback and the result excerpts: accent folding that keeps
every character in place (so a match found in the folded text can be cut from the original),
a light French stemmer for highlighting and for SQLite, and the highlighted excerpt."""

import re
import unicodedata
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import mark_safe

# Words too common to be worth matching or highlighting (French first, a few English ones).
STOP_WORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "en",
        "et",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "ou",
        "par",
        "pour",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "un",
        "une",
        "l",
        "d",
        "the",
        "of",
        "and",
        "or",
        "to",
        "in",
        "for",
        "on",
        "an",
    ]
)

# Endings taken off a folded word (longest first), keeping at least four letters, so that
# "femmes", "femme" and "feminin" do not all collapse but "climatique" finds "climat" and
# "equitables" finds "equitable".
_SUFFIXES = (
    "issements",
    "issement",
    "ations",
    "ation",
    "ements",
    "ement",
    "iques",
    "ique",
    "euses",
    "euse",
    "eurs",
    "eur",
    "ives",
    "ive",
    "es",
    "s",
    "x",
    "e",
)
MIN_STEM = 4


@lru_cache(maxsize=4096)
def _fold_char(char):
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return (base.lower()[:1] or char.lower()[:1]) or char


def fold(text):
    """Lower-case, accents removed, one character for one character ("Équité" → "equite")."""
    if not text:
        return ""
    return "".join(_fold_char(c) for c in str(text))


def stem(word):
    """A light French stem of a folded word, good enough for "starts with" matching."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


def terms(query):
    """The query's significant words, folded and stemmed, in order, without duplicates."""
    found = []
    for word in re.findall(r"\w+", fold(query)):
        if len(word) < 2 or word in STOP_WORDS:
            continue
        stemmed = stem(word)
        if stemmed not in found:
            found.append(stemmed)
    return found


def _pattern(stems):
    if not stems:
        return None
    alternatives = "|".join(re.escape(s) for s in sorted(stems, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\w*")


def excerpt(texts, query, length=220):
    """The first of `texts` that contains a query word, cut around the first match, escaped,
    with the matched words in <mark>. Falls back to the start of the first non-empty text."""
    pattern = _pattern(terms(query))
    candidates = [" ".join(str(t).split()) for t in texts if t and str(t).strip()]
    if not candidates:
        return ""
    chosen, first = candidates[0], None
    if pattern is not None:
        for text in candidates:
            found = pattern.search(fold(text))
            if found:
                chosen, first = text, found.start()
                break
    start = 0
    if first is not None and first > length // 3:
        start = chosen.rfind(" ", 0, first - length // 3) + 1
    end = start + length
    if end < len(chosen):
        cut = chosen.rfind(" ", start, end)
        end = cut if cut > start else end
    window = chosen[start:end]
    pieces = ["…" if start else ""]
    position = 0
    if pattern is not None:
        for match in pattern.finditer(fold(window)):
            pieces.append(escape(window[position : match.start()]))
            pieces.append(f"<mark>{escape(window[match.start() : match.end()])}</mark>")
            position = match.end()
    pieces.append(escape(window[position:]))
    if end < len(chosen):
        pieces.append("…")
    return mark_safe("".join(pieces))  # noqa: S308 — every piece of text is escaped above
