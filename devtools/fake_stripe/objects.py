"""Stripe's objects as the API renders them, with the fields Stripe sends (see
``devtools/stripe_spec/stripe-api-subset.json``; the contract test checks these shapes)."""

from __future__ import annotations

import copy

from .wire import new_id

#: Dispute statuses after which Stripe no longer moves the money (the case is over; a lost
#: one may still be appealed).
DISPUTE_CLOSED = {"won", "lost", "warning_closed", "prevented"}
#: Statuses of a dispute that took no money: an inquiry, or one stopped before the chargeback.
DISPUTE_WITHOUT_CHARGEBACK = {
    "warning_needs_response",
    "warning_under_review",
    "warning_closed",
    "prevented",
}
#: Reasons a refund fails, as Stripe documents them (refund.failure_reason).
REFUND_FAILURE_REASONS = {
    "charge_for_pending_refund_disputed",
    "declined",
    "expired_or_canceled_card",
    "insufficient_funds",
    "lost_or_stolen_card",
    "merchant_request",
    "unknown",
}
DISPUTE_REASONS = {
    "bank_cannot_process",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
}


def checkout_session(*, session_id, params, line_items, now, expires_at, url, methods):
    total = sum(item["amount_total"] for item in line_items)
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": total,
        "amount_total": total,
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "created": now,
        "currency": line_items[0]["currency"],
        "customer": None,
        "customer_details": None,
        "customer_email": params.get("customer_email"),
        "expires_at": expires_at,
        "livemode": False,
        "locale": params.get("locale"),
        "metadata": params.get("metadata") or {},
        "mode": "payment",
        "payment_intent": None,
        "payment_method_types": methods,
        "payment_status": "unpaid",
        "status": "open",
        "success_url": params["success_url"],
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "url": url,
    }


def line_item(*, name, currency, unit_amount, quantity):
    amount = unit_amount * quantity
    return {
        "id": new_id("li"),
        "object": "item",
        "amount_discount": 0,
        "amount_subtotal": amount,
        "amount_tax": 0,
        "amount_total": amount,
        "currency": currency,
        "description": name,
        "price": {
            "id": new_id("price"),
            "object": "price",
            "currency": currency,
            "product": new_id("prod"),
            "type": "one_time",
            "unit_amount": unit_amount,
        },
        "quantity": quantity,
    }


def payment_intent(session, metadata, now, status):
    return {
        "id": new_id("pi"),
        "object": "payment_intent",
        "amount": session["amount_total"],
        "amount_received": 0,
        "created": now,
        "currency": session["currency"],
        "latest_charge": None,
        "livemode": False,
        "metadata": copy.deepcopy(metadata or {}),
        "status": status,
    }


def charge(intent, now):
    return {
        "id": new_id("ch"),
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": intent["amount"],
        "amount_refunded": 0,
        "balance_transaction": new_id("txn"),
        "captured": True,
        "created": now,
        "currency": intent["currency"],
        "disputed": False,
        "livemode": False,
        "metadata": copy.deepcopy(intent["metadata"]),
        "paid": True,
        "payment_intent": intent["id"],
        "refunded": False,
        "status": "succeeded",
    }


def refund(charge, *, amount, reason, metadata, now, status):
    obj = {
        "id": new_id("re"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": new_id("txn"),
        "charge": charge["id"],
        "created": now,
        "currency": charge["currency"],
        "destination_details": {"card": {"type": "refund"}, "type": "card"},
        "metadata": metadata,
        "payment_intent": charge["payment_intent"],
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": status,
        "transfer_reversal": None,
    }
    if status == "requires_action":
        obj["next_action"] = {
            "type": "display_details",
            "display_details": {
                "email_sent": {"email_sent_at": now, "email_sent_to": "acheteur.demo@example.com"},
                "expires_at": now + 45 * 24 * 3600,
            },
        }
    return obj


def dispute(charge, *, amount, reason, status, now):
    return {
        "id": new_id("dp"),
        "object": "dispute",
        "amount": amount,
        "balance_transactions": [],
        "charge": charge["id"],
        "created": now,
        "currency": charge["currency"],
        "evidence": {"customer_email_address": None, "uncategorized_text": None},
        "evidence_details": {
            "due_by": now + 7 * 24 * 3600,
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": status.startswith("warning_"),
        "livemode": False,
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "reason": reason,
        "status": status,
    }


def balance_transaction(amount, currency, now, description):
    """A balance transaction as a dispute embeds it: the money withdrawn (with Stripe's dispute
    fee, 15 $ in Canada) or reinstated."""
    fee = 1500 if amount < 0 else 0
    return {
        "id": new_id("txn"),
        "object": "balance_transaction",
        "amount": amount,
        "created": now,
        "currency": currency,
        "description": description,
        "fee": fee,
        "net": amount - fee,
        "reporting_category": "dispute" if amount < 0 else "dispute_reversal",
        "status": "available",
        "type": "adjustment",
    }


def event(type, obj, *, previous, api_version, now, request=None):
    data = {"object": copy.deepcopy(obj)}
    if previous is not None:
        data["previous_attributes"] = copy.deepcopy(previous)
    return {
        "id": new_id("evt"),
        "object": "event",
        "api_version": api_version,
        "created": now,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": request or {"id": None, "idempotency_key": None},
        "type": type,
    }
