"""The fonts of the PDFs the site makes (official donation receipts, school invoices).

DejaVu Sans, shipped in cesiq_site/fonts/ (its licence beside it) and embedded in each PDF
(only the characters used): reportlab's built-in Helvetica knows Latin-1 only, and drew
« Nguyễn Thị Łucja » as « Nguy■n Th■ ■ucja » on a legal receipt. DejaVu has the Latin,
Vietnamese, Greek and Cyrillic alphabets (not Chinese nor emoji). Plain ASCII stays readable
as such in the file.
"""

from functools import cache
from pathlib import Path

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD, ITALIC = "CesiqSans", "CesiqSans-Bold", "CesiqSans-Oblique"
FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", ITALIC: "DejaVuSans-Oblique.ttf"}


@cache
def registered():
    """Register the fonts with reportlab (once a process) and return their names."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, filename in FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONTS / filename)))
    return REGULAR, BOLD, ITALIC
