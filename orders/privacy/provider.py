"""What orders itself holds about a person: the orders (buyer, notes, log, refunds' reasons) and
the emails sent. Orders stay, for accounting: amounts, taxes, dates, codes and payment ids are
kept; the buyer is replaced by an anonymous one and the bodies of the emails are removed."""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import OutboxEmail
from .base import (
    ANONYMOUS_DOMAIN,
    ANONYMOUS_NAME,
    ERASED_BODY,
    PersonalDataProvider,
    anonymous_email,
    is_anonymised,
)


class OrdersPersonalData(PersonalDataProvider):
    name = "orders"
    order = 0
    template_name = "orders/admin/privacy/_orders.html"

    def find(self, email, orders):
        emails = OutboxEmail.objects.filter(Q(to__iexact=email) | Q(order__in=orders))
        return {
            "orders": list(orders),
            "emails": list(emails.select_related("order").distinct().order_by("created_at", "pk")),
        }

    def counts(self, rows):
        return {
            "orders": len(rows["orders"]),
            "lines": sum(len(order.lines.all()) for order in rows["orders"]),
            "emails": len(rows["emails"]),
        }

    def summary(self, counts):
        return [
            ngettext("%(n)s commande", "%(n)s commandes", counts["orders"])
            % {"n": counts["orders"]},
            ngettext("%(n)s courriel envoyé", "%(n)s courriels envoyés", counts["emails"])
            % {"n": counts["emails"]},
        ]

    def erasure(self):
        return [
            _(
                "les commandes restent pour la comptabilité (codes, montants, taxes, "
                "paiements), mais le nom et le courriel y sont remplacés ;"
            ),
            _("le contenu des courriels envoyés est supprimé ;"),
        ]

    def export(self, email, orders):
        rows = self.find(email, orders)
        return {
            "orders": [export_order(order) for order in rows["orders"]],
            "emails": [
                {
                    "to": email_.to,
                    "subject": email_.subject,
                    "language": email_.language,
                    "state": email_.state,
                    "created_at": email_.created_at,
                    "sent_at": email_.sent_at,
                    "order": email_.order.code if email_.order else None,
                    "body_text": email_.body_text,
                }
                for email_ in rows["emails"]
            ],
        }

    def names(self, email, orders):
        return {order.buyer_name for order in orders if not is_anonymised(order)} | {
            order.buyer_email for order in orders if not is_anonymised(order)
        }

    def erase_orders(self, orders, scrub):
        counts = {"buyers": 0, "emails": 0, "log_entries": 0}
        for order in orders:
            for key, value in anonymise_order(order, scrub).items():
                counts[key] += value
        return counts

    def erase_email(self, email, scrub):
        # Emails not tied to an order (a waiting list's, for instance).
        erased = 0
        for email_ in OutboxEmail.objects.filter(to__iexact=email):
            erased += erase_email(email_, f"anonyme@{ANONYMOUS_DOMAIN}", scrub)
        return {"emails": erased}


def export_order(order):
    return {
        "code": order.code,
        "kind": order.kind,
        "state": order.state,
        "buyer_name": order.buyer_name,
        "buyer_email": order.buyer_email,
        "language": order.language,
        "created_at": order.created_at,
        "paid_at": order.paid_at,
        "cancelled_at": order.cancelled_at,
        "subtotal": order.subtotal,
        "discount_amount": order.discount_amount,
        "gst": order.gst,
        "qst": order.qst,
        "total": order.total,
        "currency": order.currency,
        "internal_note": order.internal_note,
        "lines": [
            {
                "description": line.description,
                "unit_price": line.unit_price,
                "quantity": line.quantity,
                "discount": line.discount,
                "tax_category": line.tax_category,
                "confirmed": line.fulfilled,
            }
            for line in order.lines.all()
        ],
        "payments": [
            {
                "provider": payment.provider,
                "state": payment.state,
                "amount": payment.amount,
                "currency": payment.currency,
                "created_at": payment.created_at,
                "paid_at": payment.paid_at,
                "stripe_payment_intent_id": payment.stripe_payment_intent_id,
            }
            for payment in order.payments.all()
        ],
        "refunds": [
            {
                "amount": refund.amount,
                "reason": refund.reason,
                "source": refund.source,
                "state": refund.state,
                "created_at": refund.created_at,
            }
            for refund in order.refunds.all()
        ],
        "log": [
            {"action": entry.action, "message": entry.message, "at": entry.created_at}
            for entry in order.log_entries.all()
        ],
    }


def anonymise_order(order, scrub):
    """Replace the buyer and scrub the free text of one order and of what hangs off it in
    orders (log, refunds' reasons, emails); keep the money, the dates, the code and the payment
    ids. Returns counts of what changed."""
    counts = {"buyers": 0, "emails": 0, "log_entries": 0}
    values = {
        "buyer_name": ANONYMOUS_NAME,
        "buyer_email": anonymous_email(order),
        "internal_note": scrub(order.internal_note),
        "attention": scrub(order.attention),
    }
    changed = [name for name, value in values.items() if getattr(order, name) != value]
    if changed:
        for name in changed:
            setattr(order, name, values[name])
        order.save(update_fields=changed)
        counts["buyers"] = 1
    for entry in order.log_entries.all():
        message, data = scrub(entry.message), scrub(entry.data)
        if (message, data) != (entry.message, entry.data):
            entry.message, entry.data = message, data
            entry.save(update_fields=["message", "data"])
            counts["log_entries"] += 1
    for refund in order.refunds.all():
        reason = scrub(refund.reason)
        if reason != refund.reason:
            refund.reason = reason
            refund.save(update_fields=["reason"])
    for email in OutboxEmail.objects.filter(order=order):
        counts["emails"] += erase_email(email, order.buyer_email, scrub)
    return counts


def erase_email(email, to, scrub):
    """Keep that an email was sent, to an address that no longer says who; drop its content."""
    if email.body_text == ERASED_BODY and email.to == to:
        return 0
    email.to = to
    email.subject = scrub(email.subject)
    email.body_text = ERASED_BODY
    email.body_html = ""
    email.attachments = []
    fields = ["to", "subject", "body_text", "body_html", "attachments"]
    if email.state == OutboxEmail.State.PENDING:
        # Never send an erased email to nobody.
        email.state = OutboxEmail.State.FAILED
        email.last_error = ERASED_BODY
        fields += ["state", "last_error"]
    email.save(update_fields=fields)
    return 1
