"""What donations hold about a person, for Law 25 (registered in
`orders.registry.personal_data`): each gift (name, postal address, dedication) and its official
receipts.

A charity must keep a copy of each official receipt for two years after the end of the calendar
year of the gift (Income Tax Regulations s. 5800 and the CRA's "Books and records"): erasing a
person removes their name and address from gifts whose receipts are past that time, and from
every gift without a receipt; receipts still under that obligation are kept as issued, and the
screen says so. The amounts stay for the accounting."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orders.privacy import PersonalDataProvider
from orders.privacy.base import ANONYMOUS_NAME, REDACTED

from .models import Donation

RECEIPT_KEEP_YEARS = 2
# What a gift's order line keeps about the donor (donations/forms.py, orders/gift.py).
LINE_PERSONAL_KEYS = {"donor_name", "street_address", "city", "postal_code", "tribute_name"}


def keep_until_year(donation):
    """The last year a receipt of this gift must still be kept, or None (no receipt)."""
    if not donation.receipts.exists():
        return None
    return timezone.localtime(donation.received_at).year + RECEIPT_KEEP_YEARS


class DonationsPersonalData(PersonalDataProvider):
    name = "donations"
    order = 70
    template_name = "donations/admin/privacy_held.html"

    def _donations(self, email, orders):
        return (
            Donation.objects.filter(Q(order__in=orders) | Q(donor_email__iexact=email))
            .prefetch_related("receipts")
            .order_by("received_at")
        )

    def find(self, email, orders):
        return {"donations": list(self._donations(email, orders))}

    def summary(self, counts):
        if not counts["donations"]:
            return []
        return [
            ngettext("%(n)s don", "%(n)s dons", counts["donations"]) % {"n": counts["donations"]}
        ]

    def erasure(self):
        return [
            _(
                "les dons restent pour la comptabilité ; le nom, l'adresse et la dédicace en "
                "sont effacés, sauf sur les reçus officiels que l'organisme doit conserver deux "
                "ans après l'année du don (Agence du revenu du Canada) ;"
            )
        ]

    def export(self, email, orders):
        return {
            "donations": [
                {
                    "order": d.order.code,
                    "received_at": d.received_at,
                    "amount": d.amount,
                    "advantage": d.advantage,
                    "donor_name": d.donor_name,
                    "address": d.address_lines,
                    "tribute": d.tribute,
                    "tribute_name": d.tribute_name,
                    "receipts": [
                        {"number": r.number, "status": r.status, "issued_at": r.issued_at}
                        for r in d.receipts.all()
                    ],
                }
                for d in self._donations(email, orders)
            ]
        }

    def names(self, email, orders):
        found = set()
        for d in self._donations(email, orders):
            found |= {d.donor_name, d.tribute_name}
        return {n for n in found if n}

    def finished_orders(self, cutoff):
        """Orders whose gifts are past their purpose (received before `cutoff`, the retention
        period) and past what the CRA asks to keep: a receipted gift's name and address stay
        until the end of the second year after the year of the gift (the copy of the receipt
        must be kept as issued), then go with the rest; the amounts, dates and serial numbers
        stay for the accounting. A gift still under that obligation is left for a later run
        (the purge runs every day)."""
        from datetime import datetime

        from django.db.models import Exists, OuterRef

        from .models import Receipt

        this_year = timezone.localdate().year
        receipts_over = timezone.make_aware(datetime(this_year - RECEIPT_KEEP_YEARS, 1, 1))
        receipted = Exists(Receipt.objects.filter(donation=OuterRef("pk")))
        return (
            Donation.objects.filter(received_at__lt=cutoff)
            .exclude(donor_name=ANONYMOUS_NAME)
            .filter(~receipted | Q(received_at__lt=receipts_over))
            .values_list("order_id", flat=True)
        )

    def erase_orders(self, orders, scrub):
        """Erased with the order, unless the CRA still needs the receipt as issued."""
        this_year = timezone.localdate().year
        changed = kept = 0
        for donation in Donation.objects.filter(order__in=orders).prefetch_related("receipts"):
            until = keep_until_year(donation)
            if until is not None and until >= this_year:
                kept += 1
                continue
            for receipt in donation.receipts.all():
                data = dict(receipt.data)
                data.update(donor_name=REDACTED, donor_address=[], tribute_name="")
                receipt.data = data
                receipt.pdf = None
                receipt.save(update_fields=["data", "pdf"])
            donation.donor_name = ANONYMOUS_NAME
            donation.donor_email = donation.order.buyer_email
            donation.street_address = donation.city = donation.postal_code = ""
            donation.tribute_name = ""
            donation.save()
            # The order's line keeps what the form asked (the receipt was made from it).
            line = donation.order_line
            line.details = {
                key: value
                for key, value in (line.details or {}).items()
                if key not in LINE_PERSONAL_KEYS
            }
            line.save(update_fields=["details"])
            changed += 1
        return {"donations": changed, "receipts_kept": kept}
