"""Events and their delivery to the site's webhook, as Stripe sends them, and as it misbehaves.

Stripe promises at-least-once delivery, in no particular order, possibly late. A test can make
the fake do each of those on purpose:

    fake.hold_events()          # from now on events are recorded, not sent: see fake.held
    fake.release([2, 0, 0])     # send held events in this order (indices or ids; repeats =
                                # duplicates); fake.release() sends the rest, oldest first
    fake.hold_events(False)     # back to sending at once
    fake.delay_events(3600)     # later events go out once advance() has moved an hour on
    fake.duplicate_events(2)    # every later event is sent twice in a row
    fake.deliver(event, times=2)  # send any event (a dict or an id) now, signed afresh

Events are always recorded in ``fake.events`` in the order they happened, whatever is sent.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from . import objects
from .wire import sign_payload

WEBHOOK_TIMEOUT = 10
_WEBHOOK_UA = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Stripe does not follow redirects from a webhook endpoint: a 3xx is a failed delivery."""

    def redirect_request(self, *args, **kwargs):
        return None


# No proxies: the webhook endpoint is local, and an http_proxy variable must not capture it.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


class WebhookMixin:
    def _event(self, type, obj, previous=None):
        """Record an event (caller holds the lock) with a snapshot of ``obj``.

        An event caused by an API request names it (``request.id``, ``idempotency_key``), as
        Stripe's do; one Stripe raised on its own (a payment clearing) has ``request.id`` null.
        """
        event = objects.event(
            type,
            obj,
            previous=previous,
            api_version=self.api_version,
            now=self._now(),
            request=getattr(self._local, "request", None),
        )
        self.events.append(event)
        return event

    def last_event(self, type):
        """The most recent event of this type (a dict), or None."""
        with self.lock:
            return next((e for e in reversed(self.events) if e["type"] == type), None)

    # -- sending -----------------------------------------------------------------------------

    def _deliver(self, event):
        """POST one signed event to ``webhook_url``; record the attempt. Never call with the lock.

        Like Stripe, redirects are not followed and any non-2xx status is a failure; unlike
        Stripe, nothing is retried by itself (tests call ``resend`` or ``deliver``).
        """
        url, secret = self.webhook_url, self.webhook_secret
        if not url:
            return None
        payload = json.dumps(event, indent=2).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": _WEBHOOK_UA}
        if secret:
            headers["Stripe-Signature"] = sign_payload(payload, secret)
        record = {"event_id": event["id"], "type": event["type"], "url": url}
        record.update(status=None, error=None)
        if urlsplit(url).scheme not in ("http", "https"):
            record["error"] = "webhook_url must be http(s)"
        else:
            # The scheme is checked just above, so no file:// or custom scheme can be opened.
            request = urllib.request.Request(url, payload, headers, method="POST")  # noqa: S310
            try:
                with _OPENER.open(request, timeout=WEBHOOK_TIMEOUT) as response:
                    record["status"] = response.status
            except urllib.error.HTTPError as exc:
                record["status"] = exc.code
            except OSError as exc:  # refused, timeout, DNS…: recorded as Stripe's dashboard does
                record["error"] = f"{type(exc).__name__}: {exc}"
        with self.lock:
            self.deliveries.append(record)
        return record

    def _dispatch_events(self, events):
        """Send new events as the delivery settings say (held, delayed, duplicated, or now)."""
        for event in events:
            with self.lock:
                if self._holding:
                    self.held.append(event)
                    continue
                if self._delay:
                    self._delayed.append({"due": self._now() + self._delay, "event": event})
                    continue
                copies = self._copies
            for _ in range(copies):
                self._deliver(event)

    def _deliver_now(self, events):
        return [self._deliver(event) for event in events]

    def _due_delayed_locked(self):
        now = self._now()
        due = [d for d in self._delayed if d["due"] <= now]
        self._delayed = [d for d in self._delayed if d["due"] > now]
        return [d["event"] for d in sorted(due, key=lambda d: d["due"])]

    # -- the test API ------------------------------------------------------------------------

    def hold_events(self, hold=True):
        """Record events without sending them (``held``) until ``release``; False resumes."""
        with self.lock:
            self._holding = bool(hold)

    def release(self, order=None):
        """Send held events: all, oldest first, or those in ``order`` (indices into ``held``
        or event ids; the same one twice is sent twice). Sent events leave ``held``. Returns
        the delivery records. Does not stop holding (``hold_events(False)`` does)."""
        with self.lock:
            held = list(self.held)
            if order is None:
                chosen = held
            else:
                by_id = {event["id"]: event for event in held}
                chosen = [held[key] if isinstance(key, int) else by_id[key] for key in order]
            sent = {id(event) for event in chosen}
            self.held = [event for event in held if id(event) not in sent]
        return self._deliver_now(chosen)

    def delay_events(self, seconds):
        """Send later events only once the clock has moved ``seconds`` past their creation
        (see ``advance``); 0 sends them at once again."""
        with self.lock:
            self._delay = int(seconds)

    def duplicate_events(self, times=2):
        """Send every later event ``times`` times in a row (Stripe delivers at least once)."""
        with self.lock:
            self._copies = max(1, int(times))

    def deliver(self, event, times=1):
        """Send an event (a dict, or the id of a recorded one) now, ``times`` times."""
        if isinstance(event, str):
            with self.lock:
                found = next((e for e in self.events if e["id"] == event), None)
            if found is None:
                raise KeyError(event)
            event = found
        return [self._deliver(event) for _ in range(times)]

    def resend(self, event_id):
        """Deliver an existing event again (same id, fresh signature), as Stripe's retries do."""
        return self.deliver(event_id)[0]

    def wait_for_webhooks(self, timeout=WEBHOOK_TIMEOUT + 5):
        """Wait until events triggered by API calls have been sent; False on timeout.

        Those go out just after the API response (see ``server._Handler``), so a test that
        refunds or expires through the API calls this before looking at its webhook endpoint.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _delivered_later(self, count):
        with self._idle:
            self._pending -= count
            self._idle.notify_all()
