"""The fonts of the PDFs the site makes (official donation receipts, school invoices), and the
drawing of text with them.

DejaVu Sans, shipped in cesiq_site/fonts/ (its licence beside it) and embedded in each PDF
(only the characters used): reportlab's built-in Helvetica knows Latin-1 only, and drew
« Nguyễn Thị Łucja » as « Nguy■n Th■ ■ucja » on a legal receipt. DejaVu has the Latin,
Vietnamese, Greek and Cyrillic alphabets, not Chinese, Japanese nor Korean: a donor who writes
her name « 王芳 » got « ■■ » on her receipt. Droid Sans Fallback (Apache 2.0, from Debian's
fonts-droid-fallback; 3.4 MB, of which a PDF embeds only the characters it uses) draws those,
in one weight: `draw_string` draws each run of a text with the first font that has its
characters. reportlab does not shape scripts written right to left (Arabic, Hebrew) nor join
Arabic letters; emoji are drawn as empty boxes, as before. Plain ASCII stays readable as such
in the file.
"""

from functools import cache
from pathlib import Path

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD, ITALIC = "CesiqSans", "CesiqSans-Bold", "CesiqSans-Oblique"
FALLBACK = "CesiqFallback"
FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", ITALIC: "DejaVuSans-Oblique.ttf"}
FALLBACK_FILE = "DroidSansFallback.ttf"


def _register(name, filename):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(name, str(FONTS / filename)))


@cache
def registered():
    """Register the DejaVu faces with reportlab (once a process) and return their names
    (regular, bold, oblique)."""
    for name, filename in FILES.items():
        _register(name, filename)
    return REGULAR, BOLD, ITALIC


@cache
def fallback():
    """Register the fallback font (once a process, the first time a text needs it) and return
    its name."""
    _register(FALLBACK, FALLBACK_FILE)
    return FALLBACK


@cache
def _glyphs(font):
    """The characters `font` draws."""
    from reportlab.pdfbase import pdfmetrics

    fallback() if font == FALLBACK else registered()
    return pdfmetrics.getFont(font).face.charToGlyph


def runs(text, font):
    """[(font, part), …]: `text` cut where the font that draws it changes: `font` wherever it
    has the character (and for a character no font has), the fallback elsewhere."""
    text, own = str(text), _glyphs(font)
    if all(ord(char) in own for char in text):
        return [(font, text)] if text else []
    fallback = _glyphs(FALLBACK)
    parts = []
    for char in text:
        code = ord(char)
        chosen = FALLBACK if code not in own and code in fallback else font
        if parts and parts[-1][0] == chosen:
            parts[-1][1] += char
        else:
            parts.append([chosen, char])
    return [(chosen, part) for chosen, part in parts]


def string_width(text, font, size):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return sum(stringWidth(part, chosen, size) for chosen, part in runs(text, font))


def draw_string(canvas, x, y, text, font, size, align="left"):
    """Draw `text` at (x, y) in `font` (a DejaVu face), falling back for the characters it
    lacks; `align="right"` ends it at x."""
    if align == "right":
        x -= string_width(text, font, size)
    for chosen, part in runs(text, font):
        canvas.setFont(chosen, size)
        canvas.drawString(x, y, part)
        x += canvas.stringWidth(part, chosen, size)
    canvas.setFont(font, size)
