"""Official donation receipts (CRA) and the thank-you that replaces them for an organisation
that is not a registered charity.

The rules, from the Canada Revenue Agency's "Issuing complete and accurate donation receipts":

- a receipt carries the mandatory mentions (a statement that it is an official receipt for
  income tax purposes; the charity's name and address as registered; its registration number;
  a unique serial number; the place of issue; the date the gift was received; the date issued
  and the year of the gift; the donor's name and address; the amount; the eligible amount and
  the value of any advantage; the signature of an authorized individual; the name and website
  of the CRA);
- serial numbers are unique: here they come from one counter row, locked with
  `select_for_update`, in the transaction that records the gift, so they never repeat and never
  skip (a rolled-back gift gives its number back with everything else);
- a copy is kept: every mention is frozen in `Receipt.data` when it is issued and the PDF is
  made from that alone, deterministically, and stored;
- a receipt is never altered: a correction voids it ("ANNULÉ" kept on file) and issues a new
  one with a new serial number that names the receipt it replaces;
- a gift given back (refunded, or its order cancelled) has its receipt voided.
"""

import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orders.models import OrderState
from orders.money import format_cad
from orders.outbox import queue_email
from orders.services import log

from .models import (
    CharitySettings,
    Donation,
    DonationPage,
    Receipt,
    ReceiptCounter,
    format_serial,
)

logger = logging.getLogger(__name__)

CRA_NAME_FR = "Agence du revenu du Canada"
CRA_NAME_EN = "Canada Revenue Agency"
CRA_WEBSITE = "www.canada.ca/charities-giving"
# An advantage above this share of the gift means there is generally no gift to receipt.
ADVANTAGE_LIMIT = Decimal("0.80")


class ReceiptError(Exception):
    """A request staff must correct (translated)."""


# --- recording a gift ---------------------------------------------------------------------------


def record_gift(line):
    """The gift's order is paid (`DonationPage.fulfil`, in the payment's transaction): record
    the donation and, for a registered charity, issue its receipt. Once per line."""
    existing = Donation.objects.filter(order_line=line).first()
    if existing is not None:
        return existing
    order = line.order
    details = line.details or {}
    donation = Donation.objects.create(
        order_line=line,
        order=order,
        amount=line.net,
        received_at=order.paid_at or timezone.now(),
        donor_name=details.get("donor_name") or order.buyer_name,
        donor_email=order.buyer_email,
        street_address=details.get("street_address", ""),
        city=details.get("city", ""),
        province=details.get("province", ""),
        postal_code=details.get("postal_code", ""),
        tribute=details.get("tribute", ""),
        tribute_name=details.get("tribute_name", ""),
        language=order.language,
    )
    charity = CharitySettings.load()
    if charity.issues_receipts:
        receipt = issue_receipt(donation, charity=charity)
        log(order, "donation_receipt_issued", receipt.number, receipt=receipt.pk)
    return donation


def next_serial():
    """Take the next serial number. The counter row stays locked until the caller's
    transaction ends: a second gift waits for it, and a rollback gives the number back."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_serial() must run inside the transaction that issues the receipt")
    ReceiptCounter.objects.get_or_create(name="official")
    counter = ReceiptCounter.objects.select_for_update().get(name="official")
    serial = counter.next_number
    counter.next_number = serial + 1
    counter.save(update_fields=["next_number"])
    return serial


def issue_receipt(donation, *, charity=None, replaces=None, now=None):
    charity = charity or CharitySettings.load()
    if not charity.issues_receipts:
        raise ReceiptError(
            _("L'organisme n'est pas inscrit comme organisme de bienfaisance enregistré.")
        )
    now = now or timezone.now()
    serial = next_serial()
    receipt = Receipt.objects.create(
        donation=donation,
        serial=serial,
        issued_at=now,
        replaces=replaces,
        data=snapshot(donation, charity, serial, now, replaces),
    )
    return receipt


def snapshot(donation, charity, serial, issued_at, replaces=None):
    """Every mention of the receipt, as text and numbers frozen now."""
    received = timezone.localtime(donation.received_at).date()
    language = donation.language if donation.language in ("fr", "en") else "fr"
    return {
        "language": language,
        "serial": format_serial(serial),
        "charity_name": charity.legal_name,
        "charity_address": charity.address,
        "registration_number": charity.registration_number,
        "place_of_issue": charity.place_of_issue,
        "date_received": received.isoformat(),
        "date_issued": timezone.localtime(issued_at).date().isoformat(),
        "year": received.year,
        "donor_name": donation.donor_name,
        "donor_address": donation.address_lines,
        "amount": str(donation.amount),
        "advantage": str(donation.advantage),
        "eligible_amount": str(donation.eligible_amount),
        "signer_name": charity.signer_name,
        "signer_title": (
            charity.signer_title_en
            if language == "en" and charity.signer_title_en.strip()
            else charity.signer_title
        ),
        "replaces": replaces.number if replaces else "",
        "tribute": donation.tribute,
        "tribute_name": donation.tribute_name,
    }


def receipt_pdf(receipt):
    """The receipt's PDF, made once from its frozen data and kept."""
    if receipt.pdf:
        return bytes(receipt.pdf)
    from .pdf import render_receipt

    content = render_receipt(receipt.data, void=False)
    Receipt.objects.filter(pk=receipt.pk, pdf__isnull=True).update(pdf=content)
    receipt.pdf = content
    return content


def void_copy_pdf(receipt):
    """The kept copy as staff see it once voided: the same receipt, marked "ANNULÉ"."""
    from .pdf import render_receipt

    return render_receipt(receipt.data, void=receipt.status == Receipt.Status.VOID)


def receipt_filename(receipt):
    """In the language the receipt is written in: recu-R-000001.pdf, receipt-R-000001.pdf."""
    french = str(receipt.data.get("language") or "fr").startswith("fr")
    return f"{'recu' if french else 'receipt'}-{receipt.number}.pdf"


# --- corrections, refunds -----------------------------------------------------------------------


@transaction.atomic
def void_and_replace(
    receipt, *, reason, user=None, donor_name=None, address=None, advantage=None, amount=None
):
    """Correct a receipt: void it and issue a new one (new serial) naming it, sent to the donor.

    Only what a correction can change: the donor's name and address, the amount received (a
    typing error of staff), the value of an advantage."""
    reason = str(reason or "").strip()
    if not reason:
        raise ReceiptError(_("Indiquez le motif de la correction."))
    receipt = Receipt.objects.select_for_update().select_related("donation").get(pk=receipt.pk)
    if receipt.status != Receipt.Status.ISSUED:
        raise ReceiptError(_("Ce reçu est déjà annulé."))
    donation = Donation.objects.select_for_update().get(pk=receipt.donation_id)
    if donation.refunded:
        raise ReceiptError(_("Ce don a été remboursé : il ne peut plus avoir de reçu."))
    if donor_name is not None:
        donation.donor_name = donor_name.strip()
    if address:
        for key in ("street_address", "city", "province", "postal_code"):
            if key in address:
                setattr(donation, key, str(address[key]).strip())
    if amount is not None:
        donation.amount = Decimal(amount)
    if advantage is not None:
        donation.advantage = Decimal(advantage)
    if donation.amount <= 0:
        raise ReceiptError(_("Le montant du don doit être positif."))
    if donation.advantage < 0:
        raise ReceiptError(_("La valeur de l'avantage ne peut pas être négative."))
    if donation.advantage > donation.amount * ADVANTAGE_LIMIT:
        # The CRA's de minimis threshold: beyond it there is generally no gift, so no
        # official receipt (CRA, « Donations and split receipting »).
        raise ReceiptError(
            _(
                "L'avantage dépasse 80 %% du don (%(limit)s) : selon l'Agence du revenu du "
                "Canada, il n'y a alors généralement pas de don, et aucun reçu officiel ne peut "
                "être délivré."
            )
            % {"limit": format_cad(donation.amount * ADVANTAGE_LIMIT, translation.get_language())}
        )
    donation.save()
    _void(receipt, reason=reason, user=user)
    replacement = issue_receipt(donation, replaces=receipt)
    log(
        donation.order,
        "donation_receipt_replaced",
        _("%(old)s annulé et remplacé par %(new)s : %(reason)s")
        % {"old": receipt.number, "new": replacement.number, "reason": reason},
        user=user,
        receipt=replacement.pk,
        replaces=receipt.pk,
    )
    receipt_id = replacement.pk
    transaction.on_commit(lambda: send_receipt(receipt_id), robust=True)
    return replacement


def _void(receipt, *, reason, user=None):
    receipt.status = Receipt.Status.VOID
    receipt.voided_at = timezone.now()
    receipt.void_reason = str(reason)[:300]
    receipt.voided_by = user
    receipt.save(update_fields=["status", "voided_at", "void_reason", "voided_by"])


def gift_cancelled(line, *, reason, user=None):
    """The gift was given back (refunded or cancelled): void its receipt, keep the copy."""
    donation = Donation.objects.select_for_update().filter(order_line=line).first()
    if donation is None or donation.refunded:
        return
    donation.refunded = True
    donation.save(update_fields=["refunded"])
    for receipt in donation.receipts.select_for_update().filter(status=Receipt.Status.ISSUED):
        _void(receipt, reason=reason, user=user)
        log(
            donation.order,
            "donation_receipt_voided",
            f"{receipt.number} — {reason}",
            receipt=receipt.pk,
        )


def order_refunded(order):
    """Everything the order received went back (a refund settled): its gifts are refunded."""
    for donation in Donation.objects.filter(order=order, refunded=False).select_related(
        "order_line"
    ):
        gift_cancelled(donation.order_line, reason=_("Don remboursé"))


def order_partly_refunded(order):
    """Part of a gift-only order was given back: its receipt is voided and replaced by one for
    what the donor still gave. (In an order with other lines, a refund that names no line says
    nothing of the gift: staff correct the receipt themselves if needed.)"""
    donations = list(Donation.objects.filter(order=order, refunded=False))
    if len(donations) != 1 or order.lines.count() != 1:
        return
    donation = donations[0]
    kept = order.balance
    receipt = donation.current_receipt
    if receipt is None or kept >= donation.amount:
        return
    void_and_replace(receipt, reason=_("Don remboursé en partie"), amount=kept)


# --- emails ----------------------------------------------------------------------------------


def donation_section(order):
    """The gift an order made, on its receipt page (its confirmation email says it in the
    gift's own part): the dedication, and the official receipt for income tax, sent by email
    as a PDF, or when it will be."""
    if not order.sells(DonationPage):
        return None
    donations = list(Donation.objects.filter(order=order).prefetch_related("receipts"))
    lines = []
    for donation in donations:
        if donation.tribute and donation.tribute_name:
            lines.append(f"{donation.get_tribute_display()} {donation.tribute_name}")
        receipt = donation.current_receipt
        if receipt is not None:
            lines.append(
                _(
                    "Reçu officiel aux fins de l'impôt n° %(number)s (montant admissible : "
                    "%(amount)s), envoyé en PDF à %(email)s."
                )
                % {
                    "number": receipt.number,
                    "amount": format_cad(
                        donation.eligible_amount, translation.get_language() or "fr"
                    ),
                    "email": donation.donor_email,
                }
            )
    if (
        not donations
        and order.paid_at is None
        and order.state == OrderState.PENDING  # not a cancelled or expired gift
        and CharitySettings.load().issues_receipts
    ):
        lines.append(
            _(
                "Votre reçu officiel aux fins de l'impôt vous sera envoyé par courriel dès le "
                "paiement reçu."
            )
        )
    return {"heading": _("Votre don"), "lines": lines} if lines else None


def confirmation_extras(line, language):
    """What the order's confirmation carries for a gift: the receipt as a PDF, or the
    thank-you that says it is not a tax receipt."""
    donation = Donation.objects.filter(order_line=line).first()
    if donation is None:
        return None
    receipt = donation.current_receipt
    page = line.item
    with translation.override(language):
        if page is not None:
            # The gift page's own thank-you in the buyer's language (the line names the
            # French page).
            page = page.localized.specific
        context = {
            "donation": donation,
            "receipt": receipt,
            "thank_you": getattr(page, "thank_you", "") if page is not None else "",
            "amount": format_cad(donation.amount, language),
        }
        text = render_to_string("donations/email/gift.txt", context)
        html = render_to_string("donations/email/gift.html", context)
    attachments = []
    if receipt is not None:
        attachments.append(
            (receipt_filename(receipt), receipt_pdf(receipt), "application/pdf", None)
        )
    return {"html": html, "text": text, "attachments": attachments}


def send_receipt(receipt_id):
    """Email a (replacement) receipt to its donor, once: the outbox key is the serial."""
    receipt = Receipt.objects.select_related("donation", "donation__order").get(pk=receipt_id)
    donation = receipt.donation
    language = receipt.data.get("language", "fr")
    with transaction.atomic():
        return queue_email(
            key=f"donation_receipt:{receipt.number}",
            to=donation.donor_email,
            language=language,
            template="donations/email/receipt",
            context={
                "donation": donation,
                "receipt": receipt,
                "site_url": settings.WAGTAILADMIN_BASE_URL,
            },
            subject=lambda: (
                _("Reçu officiel de don %(number)s (remplace %(old)s)")
                % {"number": receipt.number, "old": receipt.data.get("replaces")}
                if receipt.data.get("replaces")
                else _("Reçu officiel de don %(number)s") % {"number": receipt.number}
            ),
            order=donation.order,
            attachments=[
                (receipt_filename(receipt), receipt_pdf(receipt), "application/pdf", None)
            ],
        )


# --- yearly summary ---------------------------------------------------------------------------


def yearly_gifts(email, year):
    return list(
        Donation.objects.filter(
            donor_email__iexact=email.strip(), received_at__year=year, refunded=False
        )
        .prefetch_related("receipts")
        .order_by("received_at")
    )


def yearly_summary_pdf(email, year):
    """A donor's gifts of one year on one page, with the receipt of each. It is a summary of
    receipts already issued, not a new official receipt (that would receipt the gifts twice)."""
    from .pdf import render_summary

    gifts = yearly_gifts(email, year)
    if not gifts:
        raise ReceiptError(
            _("Aucun don de %(email)s en %(year)s.") % {"email": email, "year": year}
        )
    charity = CharitySettings.load()
    language = gifts[-1].language if gifts[-1].language in ("fr", "en") else "fr"
    rows = []
    for gift in gifts:
        current = next((r for r in gift.receipts.all() if r.status == Receipt.Status.ISSUED), None)
        rows.append(
            {
                "date": timezone.localtime(gift.received_at).date().isoformat(),
                "amount": str(gift.amount),
                "eligible_amount": str(gift.eligible_amount),
                "receipt": current.number if current else "",
            }
        )
    data = {
        "language": language,
        "year": year,
        "charity_name": charity.legal_name,
        "charity_address": charity.address,
        "registration_number": charity.registration_number if charity.issues_receipts else "",
        "donor_name": gifts[-1].donor_name,
        "donor_address": gifts[-1].address_lines,
        "rows": rows,
        "total": str(sum((g.amount for g in gifts), Decimal("0.00"))),
        "total_eligible": str(sum((g.eligible_amount for g in gifts), Decimal("0.00"))),
        "date_issued": timezone.localdate().isoformat(),
    }
    return render_summary(data), data


def send_yearly_summary(email, year, *, user=None):
    content, data = yearly_summary_pdf(email, year)
    gifts = yearly_gifts(email, year)
    donation = gifts[-1]
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    with transaction.atomic():
        queued = queue_email(
            key=f"donation_summary:{email.lower()}:{year}:{stamp}",
            to=donation.donor_email,
            language=data["language"],
            template="donations/email/summary",
            context={
                "year": year,
                "donation": donation,
                "site_url": settings.WAGTAILADMIN_BASE_URL,
            },
            subject=lambda: _("Sommaire de vos dons %(year)s") % {"year": year},
            order=donation.order,
            attachments=[(f"dons-{year}.pdf", content, "application/pdf", None)],
        )
        log(donation.order, "donation_summary_sent", f"{year}", user=user)
    return queued
