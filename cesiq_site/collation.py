"""Names and titles in the order a reader expects: « Décroissance » before « Droits des
femmes », « Écharpe » among the E's, not after « Thé vert ».

PostgreSQL's databases here sort in byte order (the C collation: every accented letter after
« z »). `natural("name")` orders by ICU's root collation instead, `und-x-icu`, which every
PostgreSQL built with ICU has (Debian's and the official images are). SQLite (`make run`) has
no such collation: this module gives each SQLite connection one of the same name, comparing
the texts without accents or case first, then as written, so that both databases agree.
"""

import unicodedata

from django.db.models import F
from django.db.models.functions import Collate

COLLATION = "und-x-icu"


def natural(field):
    """An ordering expression: `.order_by(natural("name"))`, `natural("title").desc()`."""
    return Collate(F(field), COLLATION)


def sort_key(text):
    """The same order in Python, for a list already read: the letters first, then their
    accents, then their case, small letters first (ICU's three levels)."""
    text = text or ""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    # Ligatures sort as their letters (« Œuvre » between « Oeuf » and « Ombre »).
    letters = letters.replace("œ", "oe").replace("æ", "ae")
    return (letters, text.casefold(), text.swapcase())


def _compare(a, b):
    left, right = sort_key(a), sort_key(b)
    return (left > right) - (left < right)


def add_to_sqlite(sender, connection, **kwargs):
    """`connection_created`: give a new SQLite connection the collation PostgreSQL has."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(COLLATION, _compare)
