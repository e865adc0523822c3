"""PDFs of receipts and yearly summaries, drawn with reportlab from frozen data only, so that
the same data always gives the same file (`invariant`: no creation date or random id)."""

import io
from datetime import date
from decimal import Decimal

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import cm
from reportlab.pdfgen import canvas

from cesiq_site.pdf_fonts import BOLD, ITALIC, REGULAR, draw_string, registered, string_width
from orders.money import format_cad

from .receipts import CRA_NAME_EN, CRA_NAME_FR, CRA_WEBSITE


def _money(value, language):
    return format_cad(Decimal(value), language).replace("\u00a0", " ")


def _wrapped(text, font, size, width):
    """`text` in lines no wider than `width`, broken between words (a word longer than the
    width stands alone on its line)."""
    lines = []
    for word in str(text).split():
        if lines and string_width(f"{lines[-1]} {word}", font, size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _date(iso):
    return date_format(date.fromisoformat(iso), "DATE_FORMAT")


class _Page:
    def __init__(self, title):
        registered()
        self.buffer = io.BytesIO()
        self.canvas = canvas.Canvas(
            self.buffer, pagesize=LETTER, invariant=1, pageCompression=0, initialFontName=REGULAR
        )
        self.canvas.setTitle(title)
        self.canvas.setAuthor("CÉSIQ")
        self.y = LETTER[1] - 2 * cm

    def line(self, text, size=10, bold=False, gap=0.5):
        draw_string(self.canvas, 2 * cm, self.y, text, BOLD if bold else REGULAR, size)
        self.y -= gap * cm + size * 0.35

    def pair(self, label, value, size=10):
        """A label and its value in the column at 9,5 cm; a label too long for the 7 cm
        before it goes on over the next lines (« Eligible amount of the gift for tax
        purposes » ran into its amount)."""
        lines = _wrapped(label, REGULAR, size, 7 * cm)
        draw_string(self.canvas, 9.5 * cm, self.y, value, BOLD, size)
        for number, text in enumerate(lines):
            if number:
                self.y -= size * 1.2
            draw_string(self.canvas, 2 * cm, self.y, text, REGULAR, size)
        self.y -= 0.5 * cm + size * 0.35

    def space(self, height=0.4):
        self.y -= height * cm

    def finish(self):
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def render_receipt(data, *, void=False):
    language = data.get("language", "fr")
    with translation.override(language):
        page = _Page(_("Reçu officiel de don %(number)s") % {"number": data["serial"]})
        page.line(data["charity_name"], size=14, bold=True)
        for part in str(data["charity_address"]).splitlines():
            page.line(part, gap=0.2)
        page.line(
            _("Numéro d'enregistrement d'organisme de bienfaisance : %(number)s")
            % {"number": data["registration_number"]}
        )
        page.space()
        page.line(_("Reçu officiel aux fins de l'impôt sur le revenu"), size=13, bold=True)
        if void:
            page.line(_("ANNULÉ — ce reçu n'est plus valide"), size=13, bold=True)
        if data.get("replaces"):
            page.line(
                _("Ce reçu annule et remplace le reçu n° %(number)s.")
                % {"number": data["replaces"]}
            )
        page.space()
        page.pair(_("Numéro de série du reçu"), data["serial"])
        page.pair(_("Lieu de délivrance"), data["place_of_issue"])
        page.pair(_("Date de réception du don"), _date(data["date_received"]))
        page.pair(_("Date de délivrance du reçu"), _date(data["date_issued"]))
        page.pair(_("Année du don"), data["year"])
        page.space()
        page.pair(_("Donateur ou donatrice"), data["donor_name"])
        for part in data["donor_address"]:
            page.pair("", part)
        page.space()
        page.pair(_("Montant du don"), _money(data["amount"], language))
        page.pair(_("Valeur de l'avantage"), _money(data["advantage"], language))
        page.pair(
            _("Montant admissible du don aux fins de l'impôt"),
            _money(data["eligible_amount"], language),
        )
        if data.get("tribute_name"):
            label = _("En mémoire de") if data.get("tribute") == "memory" else _("En l'honneur de")
            page.pair(label, data["tribute_name"])
        page.space(1.2)
        draw_string(page.canvas, 2 * cm, page.y, data["signer_name"], ITALIC, 16)
        page.y -= 0.3 * cm
        page.canvas.line(2 * cm, page.y, 9 * cm, page.y)
        page.y -= 0.5 * cm
        page.line(
            _("Signature de la personne autorisée : %(name)s, %(title)s")
            % {"name": data["signer_name"], "title": data["signer_title"]}
        )
        page.space()
        cra = CRA_NAME_FR if language == "fr" else CRA_NAME_EN
        page.line(
            _("Pour en savoir plus sur les dons : %(agency)s, %(website)s")
            % {"agency": cra, "website": CRA_WEBSITE}
        )
        if language == "fr":
            # The CRA's name and website as the CRA writes them in English too.
            page.line(f"{CRA_NAME_EN} — {CRA_WEBSITE}")
        return page.finish()


def render_summary(data):
    language = data.get("language", "fr")
    with translation.override(language):
        page = _Page(_("Sommaire de vos dons %(year)s") % {"year": data["year"]})
        page.line(data["charity_name"], size=14, bold=True)
        for part in str(data["charity_address"]).splitlines():
            page.line(part, gap=0.2)
        if data["registration_number"]:
            page.line(
                _("Numéro d'enregistrement d'organisme de bienfaisance : %(number)s")
                % {"number": data["registration_number"]}
            )
        page.space()
        page.line(_("Sommaire de vos dons %(year)s") % {"year": data["year"]}, size=13, bold=True)
        page.line(
            _(
                "Ce sommaire n'est pas un reçu officiel : il récapitule les reçus déjà "
                "délivrés pour chaque don."
            )
        )
        page.space()
        page.line(data["donor_name"], bold=True)
        for part in data["donor_address"]:
            page.line(part, gap=0.2)
        page.space()
        for row in data["rows"]:
            receipt = row["receipt"] or _("sans reçu officiel")
            page.pair(f"{_date(row['date'])} — {receipt}", _money(row["amount"], language))
        page.space()
        page.pair(_("Total des dons"), _money(data["total"], language))
        page.pair(_("Total admissible"), _money(data["total_eligible"], language))
        page.pair(_("Date"), _date(data["date_issued"]))
        return page.finish()
