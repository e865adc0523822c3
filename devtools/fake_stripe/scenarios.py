"""What happens at Stripe outside the site's requests, and the Python API tests drive it with.

Real Stripe does things on its own clock: a delayed payment method (pre-authorised debit)
succeeds or fails days after the buyer left Checkout, a refund answers ``pending`` and fails a
week later, a cardholder disputes a charge, a session expires. Here they happen when a test (or
the hosted page, in the demo) says so, on a clock the test controls:

    fake.advance(3 * 24 * 3600)   # move the fake's clock; whatever falls due happens now

Every method returns the events it created (already delivered to ``webhook_url`` if there is
one, unless events are held, see ``webhooks``). Without a ``webhook_url`` (the site's test
suite), tests post them to the site themselves, in any order, any number of times.
"""

from __future__ import annotations

import copy

from . import objects
from .wire import new_id

DAY = 24 * 60 * 60


class ScenarioError(ValueError):
    """A scenario that real Stripe could not produce (paying a closed session…)."""


class ScenarioMixin:
    # -- the clock ---------------------------------------------------------------------------

    def _now(self):
        return int(self.clock()) + self._offset

    def now(self):
        """The fake's current time (Unix seconds): ``clock()`` moved by ``advance``."""
        return self._now()

    def advance(self, seconds=0):
        """Move the clock forward and make happen what falls due: delayed payments' and
        pending refunds' outcomes, session expiries, delayed deliveries. Returns the events."""
        if seconds < 0:
            raise ValueError("Stripe's clock does not go backwards.")
        with self.lock:
            self._offset += int(seconds)
            events = self._run_due_locked()
            late = self._due_delayed_locked()
            if seconds or events:  # the demo's clock ticks every few seconds: no idle writes
                self._save_locked()
        self._dispatch_events(events)
        self._deliver_now(late)
        return events

    def _schedule_locked(self, delay, **task):
        self._tasks.append({"at": self._now() + int(delay), **task})

    def _run_due_locked(self):
        """Expire overdue sessions and run the tasks whose time has come (lock held)."""
        events = self._expire_overdue_locked()
        now = self._now()
        due = sorted((t for t in self._tasks if t["at"] <= now), key=lambda t: t["at"])
        self._tasks = [t for t in self._tasks if t["at"] > now]
        for task in due:
            try:
                if task["kind"] == "async_payment":
                    session = self.sessions[task["session"]]
                    events += self._async_outcome_locked(session, task["succeed"])
                elif task["kind"] == "refund":
                    refund = self.refunds[task["refund"]]
                    events += self._settle_refund_locked(
                        refund, task["status"], task.get("failure_reason")
                    )
            except ScenarioError:  # a test settled it by hand in the meantime
                continue
        return events

    def _expire_overdue_locked(self):
        events = []
        now = self._now()
        for session in self.sessions.values():
            if session["status"] == "open" and now >= session["expires_at"]:
                events.append(self._expire_locked(session))
        return events

    def expire_overdue(self):
        """Expire open sessions whose ``expires_at`` has passed and deliver the events.

        Stripe does this on its own clock; here it also happens lazily on every request.
        """
        with self.lock:
            events = self._expire_overdue_locked()
            self._save_locked()
        self._dispatch_events(events)
        return events

    def _expire_locked(self, session):
        session.update(status="expired", url=None)
        return self._event("checkout.session.expired", session)

    # -- payments ----------------------------------------------------------------------------

    def _run(self, method, *args, **kwargs):
        """Run a ``*_locked`` scenario step under the lock, save, deliver, return the events."""
        with self.lock:
            events = method(*args, **kwargs)
            self._save_locked()
        self._dispatch_events(events)
        return events

    def _session(self, session_id):
        try:
            return self.sessions[session_id]
        except KeyError:
            raise ScenarioError(f"No such checkout.session: {session_id}") from None

    def pay(self, session_id):
        """The buyer pays by card on the hosted page: ``checkout.session.completed``, paid."""
        return self._run(lambda: self._pay_locked(self._session(session_id)))

    def pay_later(self, session_id, outcome=None, after=3 * DAY):
        """The buyer pays with a delayed method (Canadian pre-authorised debit).

        The session completes at once with ``payment_status: "unpaid"`` and its payment intent
        is ``processing``. With ``outcome`` ("succeeded" or "failed"), Stripe sends
        ``checkout.session.async_payment_succeeded`` / ``_failed`` once ``advance`` has moved
        the clock ``after`` seconds on; without, call ``settle_payment`` when the test wants.
        """
        if outcome not in (None, "succeeded", "failed"):
            raise ValueError("outcome is 'succeeded', 'failed' or None")

        def step():
            session = self._session(session_id)
            events = self._pay_later_locked(session)
            if outcome:
                self._schedule_locked(
                    after, kind="async_payment", session=session_id, succeed=outcome == "succeeded"
                )
            return events

        return self._run(step)

    def settle_payment(self, session_id, succeed=True):
        """The delayed payment of a session succeeds or fails now."""
        return self._run(lambda: self._async_outcome_locked(self._session(session_id), succeed))

    def _pay_locked(self, session):
        self._require_open(session)
        self._charge_locked(session, self._make_intent_locked(session, "processing"))
        return [self._event("checkout.session.completed", session)]

    def _pay_later_locked(self, session):
        self._require_open(session)
        self._make_intent_locked(session, "processing")
        return [self._event("checkout.session.completed", session)]

    def _require_open(self, session):
        if session["status"] != "open":
            raise ScenarioError("Cette session de paiement n’est plus ouverte.")

    def _async_outcome_locked(self, session, succeed):
        pi = self.payment_intents.get(session["payment_intent"])
        if pi is None or pi["status"] != "processing":
            raise ScenarioError("Aucun paiement différé en attente pour cette session.")
        if succeed:
            self._charge_locked(session, pi)
            return [self._event("checkout.session.async_payment_succeeded", session)]
        pi["status"] = "requires_payment_method"
        return [self._event("checkout.session.async_payment_failed", session)]

    def _make_intent_locked(self, session, status):
        metadata = (self._pi_data.get(session["id"]) or {}).get("metadata")
        pi = objects.payment_intent(session, metadata, self._now(), status)
        self.payment_intents[pi["id"]] = pi
        email = session["customer_email"] or "acheteur.demo@example.com"
        session.update(status="complete", payment_intent=pi["id"], url=None)
        session["customer_details"] = {"email": email, "name": "Acheteur démo"}
        return pi

    def _charge_locked(self, session, pi):
        charge = objects.charge(pi, self._now())
        self.charges[charge["id"]] = charge
        pi.update(status="succeeded", amount_received=pi["amount"], latest_charge=charge["id"])
        session["payment_status"] = "paid"

    # -- refunds -----------------------------------------------------------------------------

    def next_refund(
        self,
        status="pending",
        *,
        then=None,
        after=DAY,
        failure_reason="insufficient_funds",
        payment_intent=None,
    ):
        """Decide how Stripe answers the next refund created (of ``payment_intent``, or any).

        ``status`` is what the Refund API answers: "pending" or "requires_action" (or
        "succeeded", the default when nothing is planned, or "failed"). With ``then``
        ("succeeded" or "failed"), the refund settles that way once ``advance`` has moved the
        clock ``after`` seconds on; without, call ``settle_refund``. Plans are used in order.
        """
        if status not in ("pending", "requires_action", "succeeded", "failed"):
            raise ValueError(f"Unknown refund status {status!r}")
        if then not in (None, "succeeded", "failed"):
            raise ValueError("then is 'succeeded', 'failed' or None")
        if failure_reason not in objects.REFUND_FAILURE_REASONS:
            raise ValueError(f"Stripe has no refund failure reason {failure_reason!r}")
        with self.lock:
            self._refund_plans.append(
                {
                    "status": status,
                    "then": then,
                    "after": int(after),
                    "failure_reason": failure_reason,
                    "payment_intent": payment_intent,
                }
            )
            self._save_locked()

    def _plan_for_locked(self, payment_intent):
        for index, plan in enumerate(self._refund_plans):
            if plan["payment_intent"] in (None, payment_intent):
                return self._refund_plans.pop(index)
        return None

    def _refund_locked(self, charge, *, amount, reason, metadata):
        """Create a refund as the Refund API (or the Dashboard) does; returns it and events.

        Stripe counts a pending refund in the charge's ``amount_refunded`` at once (and sends
        ``charge.refunded``); if the refund fails later, the amount comes back off.
        """
        plan = self._plan_for_locked(charge["payment_intent"]) or {"status": "succeeded"}
        status = "pending" if plan["status"] == "failed" else plan["status"]
        refund = objects.refund(
            charge, amount=amount, reason=reason, metadata=metadata, now=self._now(), status=status
        )
        self.refunds[refund["id"]] = refund
        previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        events = [
            self._event("charge.refunded", charge, previous),
            self._event("refund.created", refund),
        ]
        if plan["status"] == "failed":  # fails at once, after being created
            events += self._settle_refund_locked(refund, "failed", plan["failure_reason"])
        elif plan.get("then"):
            self._schedule_locked(
                plan["after"],
                kind="refund",
                refund=refund["id"],
                status=plan["then"],
                failure_reason=plan["failure_reason"],
            )
        return refund, events

    def settle_refund(self, refund_id, status, failure_reason="insufficient_funds"):
        """A pending refund (or a succeeded one: card refunds can still fail) ends now.

        "succeeded": ``refund.updated`` and ``charge.refund.updated``. "failed": the amount
        comes off the charge's ``amount_refunded``; ``refund.failed``, ``refund.updated`` and
        ``charge.refund.updated``, the refund carrying ``failure_reason``.
        """
        if status not in ("succeeded", "failed", "canceled"):
            raise ValueError("status is 'succeeded', 'failed' or 'canceled'")

        def step():
            refund = self.refunds.get(refund_id)
            if refund is None:
                raise ScenarioError(f"No such refund: {refund_id}")
            return self._settle_refund_locked(refund, status, failure_reason)

        return self._run(step)

    def _settle_refund_locked(self, refund, status, failure_reason=None):
        if refund["status"] in ("failed", "canceled") or refund["status"] == status:
            raise ScenarioError(f"Ce remboursement est déjà « {refund['status']} ».")
        previous = {"status": refund["status"]}
        refund["status"] = status
        refund.pop("next_action", None)
        if status in ("failed", "canceled"):
            charge = self.charges[refund["charge"]]
            charge["amount_refunded"] -= refund["amount"]
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            if status == "failed":
                refund["failure_reason"] = failure_reason or "unknown"
                refund["failure_balance_transaction"] = new_id("txn")
                previous["failure_reason"] = None
        events = []
        if status == "failed":
            events.append(self._event("refund.failed", refund))
        events += [
            self._event("refund.updated", refund, previous),
            self._event("charge.refund.updated", refund, previous),
        ]
        return events

    def refund_from_dashboard(self, payment_intent, amount=None):
        """Staff refund in Stripe's Dashboard: the same refund and events, no API request."""

        def step():
            pi = self.payment_intents.get(payment_intent)
            if pi is None or not pi["latest_charge"]:
                raise ScenarioError(f"No charge to refund on {payment_intent}")
            charge = self.charges[pi["latest_charge"]]
            left = charge["amount"] - charge["amount_refunded"]
            _refund, events = self._refund_locked(
                charge, amount=amount or left, reason="requested_by_customer", metadata={}
            )
            return events

        return self._run(step)

    # -- disputes ----------------------------------------------------------------------------

    def dispute(self, payment_intent, *, amount=None, reason="fraudulent", status="needs_response"):
        """The cardholder disputes the payment (a chargeback; "warning_needs_response" for an
        inquiry, "prevented" for one stopped before the chargeback). Stripe withdraws the amount
        plus its fee: ``charge.dispute.created`` then (not for an inquiry or a prevented one)
        ``charge.dispute.funds_withdrawn``. Returns the dispute (a copy)."""
        if reason not in objects.DISPUTE_REASONS:
            raise ValueError(f"Stripe has no dispute reason {reason!r}")
        with self.lock:
            pi = self.payment_intents.get(payment_intent)
            if pi is None or not pi["latest_charge"]:
                raise ScenarioError(f"No charge to dispute on {payment_intent}")
            events = self._open_dispute_locked(pi, amount, reason, status)
            disputed = copy.deepcopy(self.disputes[events[0]["data"]["object"]["id"]])
            self._save_locked()
        self._dispatch_events(events)
        return disputed

    def _open_dispute_locked(self, pi, amount, reason, status):
        charge = self.charges[pi["latest_charge"]]
        disputed = objects.dispute(
            charge, amount=amount or charge["amount"], reason=reason, status=status, now=self._now()
        )
        self.disputes[disputed["id"]] = disputed
        charge["disputed"] = True
        events = [self._event("charge.dispute.created", disputed)]
        if status not in objects.DISPUTE_WITHOUT_CHARGEBACK:
            disputed["balance_transactions"].append(
                objects.balance_transaction(
                    -disputed["amount"], disputed["currency"], self._now(), "Chargeback"
                )
            )
            events.append(self._event("charge.dispute.funds_withdrawn", disputed))
        return events

    def update_dispute(self, dispute_id, status=None):
        """Evidence submitted (``under_review``, or ``appeal_under_review`` in an appeal), or the
        inquiry escalated: ``charge.dispute.updated``."""
        return self._run(lambda: self._update_dispute_locked(self._dispute(dispute_id), status))

    def appeal_dispute(self, dispute_id):
        """A lost dispute appealed (``appeal_needs_response``): ``charge.dispute.updated``; the
        money stays withdrawn until the appeal is decided (``close_dispute``)."""
        return self._run(lambda: self._appeal_dispute_locked(self._dispute(dispute_id)))

    def _appeal_dispute_locked(self, disputed):
        if disputed["status"] != "lost":
            raise ScenarioError("Seul un litige perdu peut être porté en appel.")
        previous = {"status": disputed["status"]}
        disputed["status"] = "appeal_needs_response"
        return [self._event("charge.dispute.updated", disputed, previous)]

    def _update_dispute_locked(self, disputed, status=None):
        if disputed["status"] in objects.DISPUTE_CLOSED:
            raise ScenarioError("Ce litige est déjà clos.")
        if status is None:
            appeal = disputed["status"].startswith("appeal_")
            status = "appeal_under_review" if appeal else "under_review"
        previous = {"status": disputed["status"]}
        disputed["status"] = status
        if status in ("under_review", "appeal_under_review"):
            previous["evidence_details"] = copy.deepcopy(disputed["evidence_details"])
            disputed["evidence_details"].update(has_evidence=True, submission_count=1)
        return [self._event("charge.dispute.updated", disputed, previous)]

    def close_dispute(self, dispute_id, outcome):
        """The bank decides: "won" (money reinstated: ``charge.dispute.funds_reinstated``) or
        "lost" (the money is gone, unless the dispute is appealed and the appeal won);
        ``charge.dispute.closed`` either way. An inquiry ends "warning_closed" (or escalates:
        ``update_dispute(…, "needs_response")``)."""
        if outcome not in ("won", "lost", "warning_closed", "prevented"):
            raise ValueError("outcome is 'won', 'lost', 'warning_closed' or 'prevented'")
        return self._run(lambda: self._close_dispute_locked(self._dispute(dispute_id), outcome))

    def _close_dispute_locked(self, disputed, outcome):
        if disputed["status"] in objects.DISPUTE_CLOSED:
            raise ScenarioError("Ce litige est déjà clos.")
        previous = {"status": disputed["status"]}
        disputed["status"] = outcome
        disputed["is_charge_refundable"] = False
        events = [self._event("charge.dispute.closed", disputed, previous)]
        if outcome == "won" and disputed["balance_transactions"]:
            disputed["balance_transactions"].append(
                objects.balance_transaction(
                    disputed["amount"], disputed["currency"], self._now(), "Dispute won"
                )
            )
            events.append(self._event("charge.dispute.funds_reinstated", disputed))
        return events

    def _dispute(self, dispute_id):
        try:
            return self.disputes[dispute_id]
        except KeyError:
            raise ScenarioError(f"No such dispute: {dispute_id}") from None
