"""Invoice numbers and the invoice PDF.

Numbers are `F-<year>-<0001>`, gapless within a year: the year's counter row is locked
(`select_for_update`) in the transaction that creates the invoice, so two invoices issued at
the same moment queue on it, and an invoice whose transaction rolls back gives its number
back with it. Revenu Québec and the CRA ask for invoices numbered in an unbroken sequence.

The PDF is drawn with reportlab in the school's language, from what the order froze (lines,
taxes, tax numbers) and the organisation's name and address (home.SiteSettings). It is kept on
the invoice exactly as sent.
"""

import io
from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orders.money import format_cad

from .models import InvoiceCounter

PAYMENT_TERMS_DAYS = 30


def next_number(year):
    """Take the next number of `year` (call inside the transaction creating the invoice)."""
    # Make sure the year's row exists without racing on its creation (ON CONFLICT DO NOTHING),
    # then lock it: everyone taking a number this year queues here.
    InvoiceCounter.objects.bulk_create([InvoiceCounter(year=year)], ignore_conflicts=True)
    counter = InvoiceCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"F-{year}-{counter.last_number:04d}"


def due_date_for(issued_at, days=PAYMENT_TERMS_DAYS):
    return timezone.localdate(issued_at) + timedelta(days=days)


def organisation():
    """The organisation's name and address lines, from the default site's settings."""
    from wagtail.models import Site

    from home.models import SiteSettings

    site = Site.objects.filter(is_default_site=True).first()
    data = SiteSettings.for_site(site) if site else SiteSettings()
    address = [line.strip() for line in (data.street_address or "").splitlines() if line.strip()]
    city = " ".join(p for p in [data.address_locality, "(Québec)", data.postal_code] if p)
    contact = " · ".join(p for p in [data.email, data.phone] if p)
    return {"name": data.organisation_name, "lines": [*address, city], "contact": contact}


def _money(amount, language):
    return format_cad(amount, language)


def render_pdf(invoice):
    """The invoice as PDF bytes, in the school's language."""
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from cesiq_site.pdf_fonts import draw_string, registered

    REGULAR, BOLD, _italic = registered()
    booking, order = invoice.booking, invoice.order
    language = invoice.billed_language
    org = organisation()
    buffer = io.BytesIO()
    with translation.override(language):
        title = _("Facture %(number)s") % {"number": invoice.number}
        pdf = canvas.Canvas(
            buffer, pagesize=LETTER, pageCompression=0, invariant=1, initialFontName=REGULAR
        )
        pdf.setTitle(title)
        pdf.setAuthor(org["name"])
        pdf.setSubject(title)
        width, height = LETTER
        left, right = 20 * mm, width - 20 * mm
        y = height - 22 * mm

        def text(x, value, size=10, bold=False, align="left"):
            value = str(value).replace("\u202f", " ")
            draw_string(pdf, x, y, value, BOLD if bold else REGULAR, size, align=align)

        text(left, org["name"], 12, bold=True)
        text(right, _("FACTURE"), 16, bold=True, align="right")
        for line in [*org["lines"], org["contact"]]:
            if line:
                y -= 5 * mm
                text(left, line, 9)
        y -= 10 * mm
        facts = [
            (_("Numéro de facture"), invoice.number),
            (_("Date"), date_format(timezone.localtime(invoice.issued_at), "DATE_FORMAT")),
            (_("Échéance"), date_format(invoice.due_date, "DATE_FORMAT")),
            (_("Commande"), order.code),
        ]
        if booking is not None:
            facts.append((_("Animation"), booking.reference))
        if invoice.purchase_order_number:
            facts.append((_("Bon de commande"), invoice.purchase_order_number))
        billed = [
            invoice.billed_school,
            invoice.billed_school_board,
            invoice.billed_contact,
            invoice.email,
        ]
        top = y
        text(left, _("Facturé à"), 10, bold=True)
        for line in billed:
            if line:
                y -= 5 * mm
                text(left, line, 10)
        bottom = y
        y = top
        for label, value in facts:
            text(right - 60 * mm, f"{label} :", 9, bold=True)
            text(right, value, 9, align="right")
            y -= 5 * mm
        y = min(bottom, y) - 10 * mm

        # Lines
        text(left, _("Description"), 9, bold=True)
        text(right - 45 * mm, _("Qté"), 9, bold=True, align="right")
        text(right, _("Montant"), 9, bold=True, align="right")
        y -= 2 * mm
        pdf.line(left, y, right, y)
        for line in order.lines.all():
            y -= 6 * mm
            text(left, line.description[:95], 9)
            text(right - 45 * mm, line.quantity, 9, align="right")
            text(right, _money(line.net, language), 9, align="right")
        y -= 3 * mm
        pdf.line(left, y, right, y)
        totals = [(_("Sous-total"), order.subtotal - order.discount_amount)]
        if order.taxable:
            totals += [
                (_("TPS (5 %%) n° %(number)s") % {"number": order.gst_number}, order.gst),
                (_("TVQ (9,975 %%) n° %(number)s") % {"number": order.qst_number}, order.qst),
            ]
        totals.append((_("Total à payer"), order.total))
        for label, amount in totals:
            y -= 6 * mm
            bold = amount is order.total
            text(right - 45 * mm, label, 9, bold=bold, align="right")
            text(right, _money(amount, language), 9, bold=bold, align="right")
        if not order.taxable:
            y -= 8 * mm
            text(
                left,
                _("Aucune taxe n'est perçue sur cette animation.")
                if booking is not None
                else _("Aucune taxe n'est perçue sur cette facture."),
                9,
            )

        y -= 12 * mm
        text(left, _("Modalités de paiement"), 10, bold=True)
        terms = [
            _("Payable dans les %(days)s jours, au plus tard le %(date)s.")
            % {
                "days": invoice.payment_terms_days,
                "date": date_format(invoice.due_date, "DATE_FORMAT"),
            },
            _("Par chèque à l'ordre de %(name)s, ou par virement bancaire.")
            % {"name": org["name"]},
            _("Indiquez le numéro de facture %(number)s avec votre paiement.")
            % {"number": invoice.number},
            _("Ou par carte de crédit en ligne :"),
            settings.WAGTAILADMIN_BASE_URL + order.get_absolute_url(),
        ]
        for line in terms:
            y -= 5 * mm
            text(left, line, 9)
        pdf.showPage()
        pdf.save()
    return buffer.getvalue()
