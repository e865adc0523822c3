"""The fake's own web pages: the hosted checkout page (``/checkout/{id}``) and, at ``/``, a
list of sessions. Every page says "MODE DÉMO — aucun paiement réel", in French with English.

Besides paying, declining or cancelling, the checkout page of a paid session lets a demo user
make happen what real Stripe does later (a refund that stays pending then fails, a dispute, a
delayed payment that clears or not). Those outcomes exist only here, never on the site.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote

from .objects import DISPUTE_CLOSED
from .scenarios import ScenarioError
from .wire import format_amount

#: In the demo a "later" outcome comes after this many seconds (``rundemo`` runs the clock).
DEMO_DELAY = 60

_ACTIONS = {
    "pay": "_page_pay",
    "pay-later": "_page_pay_later",
    "decline": "_page_decline",
    "cancel": "_page_cancel",
    "async-succeed": "_page_async_succeed",
    "async-fail": "_page_async_fail",
    "refund-plan-fail": "_page_refund_plan_fail",
    "refund-plan-succeed": "_page_refund_plan_succeed",
    "refund-succeed": "_page_refund_succeed",
    "refund-fail": "_page_refund_fail",
    "dispute": "_page_dispute",
    "dispute-review": "_page_dispute_review",
    "dispute-won": "_page_dispute_won",
    "dispute-lost": "_page_dispute_lost",
    "dispute-appeal": "_page_dispute_appeal",
}

REFUND_STATUS = {
    "pending": ("en attente", "pending"),
    "requires_action": ("action requise", "requires action"),
    "succeeded": ("réussi", "succeeded"),
    "failed": ("échoué", "failed"),
    "canceled": ("annulé", "canceled"),
}
DISPUTE_STATUS = {
    "warning_needs_response": ("demande de renseignements", "inquiry"),
    "warning_under_review": ("demande en examen", "inquiry under review"),
    "warning_closed": ("demande close", "inquiry closed"),
    "needs_response": ("réponse attendue", "needs response"),
    "under_review": ("en examen", "under review"),
    "won": ("gagné", "won"),
    "lost": ("perdu : l’argent est retiré", "lost: the money is gone"),
    "appeal_needs_response": ("en appel : réponse attendue", "appeal: needs response"),
    "appeal_under_review": ("en appel : en examen", "appeal under review"),
    "prevented": ("évité avant la rétrofacturation", "prevented"),
}


class HostedPageMixin:
    def handle_checkout(self, method, session_id, action, body=""):
        """Answer the hosted page: ``(status, html or None, redirect or None, events)``.

        Webhooks are delivered by the caller *before* the buyer is redirected, so the site's
        success page usually finds the order paid; the site must not rely on that, since Stripe
        does not promise it.
        """
        with self.lock:
            events = self._run_due_locked()
            if events:
                self._save_locked()
            session = self.sessions.get(session_id)
            if session is None:
                page = _page(_DEMO_TITLE, _error("Session de paiement introuvable."))
                return 404, page, None, events
            if method == "GET" and action == "":
                return 200, self._render(session), None, events
            if method != "POST" or action not in _ACTIONS:
                return 405, self._render(session, error="Action inconnue."), None, events
            form = dict(parse_qsl(body))
            try:
                status, message, redirect, new = getattr(self, _ACTIONS[action])(session, form)
            except ScenarioError as exc:
                return 409, self._render(session, error=str(exc)), None, events
            self._save_locked()
            if redirect:
                return status, None, redirect, events + new
            if status >= 400:
                return status, self._render(session, error=message), None, events + new
            return status, self._render(session, notice=message), None, events + new

    def handle_index(self):
        """``GET /``: the sessions this fake knows, newest first, each linking to its page."""
        with self.lock:
            sessions = sorted(self.sessions.values(), key=lambda s: s["created"], reverse=True)
            rows = "".join(_session_row(s) for s in sessions[:100])
        table = (
            '<table>\n<caption>Sessions de paiement <span lang="en">(checkout sessions)'
            '</span></caption>\n<thead><tr><th scope="col">Session</th><th scope="col">Créée '
            '(UTC)</th><th scope="col" class="n">Montant</th><th scope="col">État</th></tr>'
            f"</thead>\n<tbody>\n{rows}</tbody>\n</table>\n"
            if rows
            else '<p>Aucune session pour le moment. <span lang="en">No session yet.</span></p>\n'
        )
        intro = (
            "<p>Le faux Stripe du site de démonstration. Ouvrez une session payée pour simuler "
            "ce que Stripe fait plus tard : remboursement en attente puis échoué, litige, "
            'paiement différé. <span lang="en">The demo site\'s fake Stripe. Open a paid '
            "session to simulate what Stripe does later: a pending then failed refund, a "
            "dispute, a delayed payment.</span></p>\n"
        )
        return _page("Faux Stripe", intro + table)

    # -- rendering ---------------------------------------------------------------------------

    def _render(self, session, *, error=None, notice=None):
        english = _english(session)
        parts = []
        if error:
            parts.append(_error(error))
        if notice:
            parts.append(f'<p class="notice" role="status">{notice}</p>\n')
        parts.append(_items_table(session, self.line_items[session["id"]]))
        buyers = len(parts)  # what the buyer reads; the demo's own simulations follow
        pi = self.payment_intents.get(session["payment_intent"])
        button = _buttons_for(session["id"])
        if session["status"] == "open":
            # The buyer's page, in the language the site asked for (`locale`), as Stripe's is.
            parts += [
                "<p>Choose the outcome to simulate.</p>\n"
                if english
                else '<p>Choisissez le résultat à simuler. <span lang="en">Choose the outcome '
                "to simulate.</span></p>\n",
                '<div class="actions">\n',
                button("pay", "Pay" if english else "Payer", primary=True),
                button("decline", "Decline the card" if english else "Refuser la carte"),
                button(
                    "pay-later",
                    "Delayed payment (pre-authorized debit)"
                    if english
                    else "Paiement différé (débit préautorisé)",
                ),
                button("cancel", "Cancel" if english else "Annuler"),
                "</div>\n",
            ]
            return _page(_title(session), "".join(parts), english=english)
        elif session["status"] == "expired":
            parts.append(
                '<p class="notice" role="status">Cette session de paiement a expiré. Retournez sur '
                'le site pour recommencer. <span lang="en">This checkout session has expired.'
                "</span></p>\n"
            )
        elif pi is not None and pi["status"] == "processing":
            parts += [
                '<p class="notice" role="status">Paiement différé en attente de confirmation. '
                '<span lang="en">Delayed payment pending.</span></p>\n<div class="actions">\n',
                button("async-succeed", "Confirmer le paiement différé", primary=True),
                button("async-fail", "Faire échouer le paiement différé"),
                "</div>\n",
            ]
        else:
            paid = session["payment_status"] == "paid"
            outcome, in_english = ("a réussi", "succeeded") if paid else ("a échoué", "failed")
            parts.append(
                f'<p class="notice" role="status">Ce paiement est terminé : il {outcome}. '
                f'<span lang="en">This payment is over: it {in_english}.</span></p>\n'
            )
        if pi is not None and pi["latest_charge"]:
            parts.append(self._after_payment(session, pi, button))
        if english:  # what follows the payment is the demo's own, in French with English
            parts = parts[:buyers] + [f'<div lang="fr">{"".join(parts[buyers:])}</div>\n']
        return _page(_title(session), "".join(parts), english=english)

    def _after_payment(self, session, pi, button):
        """What Stripe does after a payment, to simulate: refunds' outcomes and a dispute."""
        charge = self.charges[pi["latest_charge"]]
        currency = charge["currency"]
        parts = [
            '<h2>Après le paiement <span lang="en">(after the payment)</span></h2>\n',
            '<p>Simulations du faux Stripe, pour la démonstration seulement. <span lang="en">'
            "Fake Stripe simulations, for the demo only.</span></p>\n",
            '<h3>Remboursements <span lang="en">(refunds)</span></h3>\n',
        ]
        refunds = [r for r in self.refunds.values() if r["charge"] == charge["id"]]
        if refunds:
            parts.append("<ul>\n")
            for refund in refunds:
                french, english = REFUND_STATUS.get(refund["status"], (refund["status"],) * 2)
                reason = refund.get("failure_reason")
                parts.append(
                    f"<li>{format_amount(refund['amount'], currency)} : {html.escape(french)} "
                    f'<span lang="en">({html.escape(english)})</span>'
                    + (f" — {html.escape(reason)}" if reason else "")
                )
                if refund["status"] in ("pending", "requires_action"):
                    field = {"refund": refund["id"]}
                    parts += [
                        '<div class="actions">\n',
                        button("refund-succeed", "Le remboursement réussit", fields=field),
                        button("refund-fail", "Le remboursement échoue", fields=field),
                        "</div>\n",
                    ]
                parts.append("</li>\n")
            parts.append("</ul>\n")
        else:
            parts.append('<p>Aucun remboursement. <span lang="en">No refund.</span></p>\n')
        plans = [p for p in self._refund_plans if p["payment_intent"] == pi["id"]]
        if plans:
            then = "échouera" if plans[0]["then"] == "failed" else "réussira"
            parts.append(
                f'<p class="notice">Le prochain remboursement restera en attente, puis {then} '
                f'{DEMO_DELAY} secondes plus tard. <span lang="en">The next refund will stay '
                "pending, then settle.</span></p>\n"
            )
        elif charge["amount_refunded"] < charge["amount"]:
            parts += [
                "<p>Décidez comment Stripe répondra au prochain remboursement demandé depuis "
                'l’administration du site. <span lang="en">Decide how Stripe answers the next '
                "refund asked from the site's admin.</span></p>\n",
                '<div class="actions">\n',
                button("refund-plan-fail", "En attente, puis échec"),
                button("refund-plan-succeed", "En attente, puis réussite"),
                "</div>\n",
            ]
        parts.append('<h3>Litige <span lang="en">(dispute)</span></h3>\n')
        disputes = [d for d in self.disputes.values() if d["charge"] == charge["id"]]
        if not disputes:
            parts += [
                '<p>Aucun litige. <span lang="en">No dispute.</span></p>\n<div class="actions">\n',
                button("dispute", "Le titulaire de la carte conteste le paiement"),
                "</div>\n",
            ]
        for dispute in disputes:
            french, english = DISPUTE_STATUS.get(dispute["status"], (dispute["status"],) * 2)
            parts.append(
                f"<p>Litige de {format_amount(dispute['amount'], currency)} "
                f"({html.escape(dispute['reason'])}) : {html.escape(french)} "
                f'<span lang="en">(dispute: {html.escape(english)})</span></p>\n'
            )
            if dispute["status"] == "lost":
                parts += [
                    '<div class="actions">\n',
                    button("dispute-appeal", "Le litige est porté en appel"),
                    "</div>\n",
                ]
            elif dispute["status"] not in DISPUTE_CLOSED and not dispute["status"].startswith(
                "warning_"
            ):
                parts.append('<div class="actions">\n')
                if dispute["status"].endswith("needs_response"):
                    parts.append(button("dispute-review", "Preuves envoyées"))
                parts += [
                    button("dispute-won", "Litige gagné"),
                    button("dispute-lost", "Litige perdu"),
                    "</div>\n",
                ]
        return "".join(parts)

    # -- actions (lock held): (status, notice, redirect, events) -----------------------------

    def _page_pay(self, session, form):
        return 303, None, self._success_url(session), self._pay_locked(session)

    def _page_pay_later(self, session, form):
        return 303, None, self._success_url(session), self._pay_later_locked(session)

    def _page_decline(self, session, form):
        self._require_open(session)
        declined = "Your card was declined." if _english(session) else "Votre carte a été refusée."
        return 402, declined, None, []

    def _page_cancel(self, session, form):
        self._require_open(session)
        return 303, None, session["cancel_url"] or f"{self.url}/checkout/{session['id']}", []

    def _page_async_succeed(self, session, form):
        return 200, None, None, self._async_outcome_locked(session, True)

    def _page_async_fail(self, session, form):
        return 200, None, None, self._async_outcome_locked(session, False)

    def _refund_plan(self, session, then):
        self._refund_plans.append(
            {
                "status": "pending",
                "then": then,
                "after": DEMO_DELAY,
                "failure_reason": "insufficient_funds",
                "payment_intent": session["payment_intent"],
            }
        )
        notice = (
            "C’est noté : demandez maintenant le remboursement depuis l’administration du site. "
            '<span lang="en">Noted: now ask for the refund from the site\'s admin.</span>'
        )
        return 200, notice, None, []

    def _page_refund_plan_fail(self, session, form):
        return self._refund_plan(session, "failed")

    def _page_refund_plan_succeed(self, session, form):
        return self._refund_plan(session, "succeeded")

    def _session_refund(self, session, form):
        refund = self.refunds.get(form.get("refund", ""))
        if refund is None or refund["payment_intent"] != session["payment_intent"]:
            raise ScenarioError("Remboursement introuvable pour cette session.")
        return refund

    def _page_refund_succeed(self, session, form):
        refund = self._session_refund(session, form)
        return 200, None, None, self._settle_refund_locked(refund, "succeeded")

    def _page_refund_fail(self, session, form):
        refund = self._session_refund(session, form)
        return 200, None, None, self._settle_refund_locked(refund, "failed", "insufficient_funds")

    def _session_dispute(self, session):
        pi = self.payment_intents.get(session["payment_intent"])
        disputes = [d for d in self.disputes.values() if pi and d["charge"] == pi["latest_charge"]]
        if not disputes:
            raise ScenarioError("Aucun litige pour ce paiement.")
        return disputes[-1]

    def _page_dispute(self, session, form):
        pi = self.payment_intents.get(session["payment_intent"])
        if pi is None or not pi["latest_charge"]:
            raise ScenarioError("Aucun paiement à contester.")
        if any(d["charge"] == pi["latest_charge"] for d in self.disputes.values()):
            raise ScenarioError("Ce paiement est déjà contesté.")
        return 200, None, None, self._open_dispute_locked(pi, None, "fraudulent", "needs_response")

    def _page_dispute_review(self, session, form):
        return 200, None, None, self._update_dispute_locked(self._session_dispute(session))

    def _page_dispute_won(self, session, form):
        return 200, None, None, self._close_dispute_locked(self._session_dispute(session), "won")

    def _page_dispute_lost(self, session, form):
        return 200, None, None, self._close_dispute_locked(self._session_dispute(session), "lost")

    def _page_dispute_appeal(self, session, form):
        return 200, None, None, self._appeal_dispute_locked(self._session_dispute(session))

    def _success_url(self, session):
        return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])


_STYLE = """
body{font:1.125rem/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#f6f6f6}
main{max-width:40rem;margin:0 auto;padding:1rem}
.demo{background:#ffd400;border:4px solid #1a1a1a;padding:1rem;font-size:1.4rem;text-align:center}
.error{background:#fde8e8;border-left:6px solid #b00020;padding:.75rem;color:#7a0016}
.notice{background:#e8f0fe;border-left:6px solid #1a4fa0;padding:.75rem}
table{width:100%;border-collapse:collapse;background:#fff}
th,td{padding:.5rem;border-bottom:1px solid #ccc;text-align:left}
td.n,th.n{text-align:right}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}
button{font:inherit;padding:.6rem 1.2rem;border:2px solid #1a1a1a;border-radius:.3rem;
background:#fff;cursor:pointer}
button.primary{background:#1a4fa0;border-color:#1a4fa0;color:#fff}
button:focus-visible,a:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px;
box-shadow:0 0 0 2px #fff}
"""

_DEMO_TITLE = "Paiement simulé"


def _english(session):
    """Whether the site asked for this session's page in English (`locale`: "en")."""
    return str(session.get("locale") or "").lower().startswith("en")


def _title(session):
    return "Simulated payment" if _english(session) else _DEMO_TITLE


def _page(title, body, *, english=False):
    """A page of the fake: plain, accessible HTML, no scripts or external assets."""
    banner = (
        '<p class="demo" role="note"><strong>DEMO MODE — no real payment</strong><br>'
        '<span lang="fr">MODE DÉMO — aucun paiement réel</span></p>\n'
        if english
        else '<p class="demo" role="note"><strong>MODE DÉMO — aucun paiement réel</strong><br>'
        '<span lang="en">DEMO MODE — no real payment</span></p>\n'
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{"en" if english else "fr"}">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)} ({'DEMO MODE' if english else 'MODE DÉMO'})</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n{banner}"
        f"<h1>{html.escape(title)}</h1>\n{body}</main>\n</body>\n</html>\n"
    )


def _error(message):
    return f'<p class="error" role="alert">{html.escape(message)}</p>\n'


def _items_table(session, items):
    currency = session["currency"]
    english = _english(session)
    words = (
        ("Your order", "Item", "Quantity", "Amount")
        if english
        else ("Votre commande", "Article", "Quantité", "Montant")
    )
    rows = "".join(
        f'<tr><td>{html.escape(item["description"])}</td><td class="n">{item["quantity"]}</td>'
        f'<td class="n">{format_amount(item["amount_total"], currency, english)}</td></tr>\n'
        for item in items
    )
    total = format_amount(session["amount_total"], currency, english)
    return (
        f'<table>\n<caption>{words[0]}</caption>\n<thead><tr><th scope="col">{words[1]}</th>'
        f'<th scope="col" class="n">{words[2]}</th><th scope="col" class="n">{words[3]}</th>'
        "</tr></thead>"
        f'\n<tbody>\n{rows}</tbody>\n<tfoot><tr><th scope="row" colspan="2">Total</th>'
        f'<td class="n"><strong>{total}</strong></td></tr></tfoot>\n</table>\n'
    )


def _buttons_for(session_id):
    base = f"/checkout/{quote(session_id)}"

    def button(action, label, primary=False, fields=None):
        css = ' class="primary"' if primary else ""
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in (fields or {}).items()
        )
        return (
            f'<form method="post" action="{base}/{action}">{hidden}'
            f'<button type="submit"{css}>{html.escape(label)}</button></form>\n'
        )

    return button


def _session_row(session):
    created = datetime.fromtimestamp(session["created"], UTC).strftime("%Y-%m-%d %H:%M")
    state = session["status"] + (
        f" / {session['payment_status']}" if session["status"] == "complete" else ""
    )
    link = f'<a href="/checkout/{quote(session["id"])}">{html.escape(session["id"])}</a>'
    amount = format_amount(session["amount_total"], session["currency"])
    return (
        f'<tr><td>{link}</td><td>{created}</td><td class="n">{amount}</td>'
        f"<td>{html.escape(state)}</td></tr>\n"
    )
