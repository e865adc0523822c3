"""The fake Stripe server: its state, its lifecycle, and the HTTP front that dispatches to the
API (``api``), the hosted pages (``hosted``) and, after each answer, the webhooks
(``webhooks``). What happens at Stripe between requests is in ``scenarios``."""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import secrets
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlsplit

from .api import ApiMixin
from .hosted import HostedPageMixin
from .scenarios import ScenarioMixin
from .state import StateFile
from .webhooks import WebhookMixin
from .wire import API_VERSION, unrecognized


class FakeStripe(ApiMixin, HostedPageMixin, WebhookMixin, ScenarioMixin):
    """The fake Stripe server and its state.

    ``start()`` serves on a daemon thread; state is guarded by ``lock``, which is never held
    while a webhook is delivered (the site's handler may call back into this server). Tests
    read ``events`` (every event created), ``deliveries`` (every delivery attempt) and
    ``requests`` (every API request, with its decoded parameters), and drive what Stripe does
    on its own through the methods of ``scenarios`` and ``webhooks``.

    ``clock`` is a callable giving Unix seconds (``time.time`` by default, replaceable);
    ``advance(seconds)`` moves the fake's time on from it. With ``state_file``, the state is
    loaded at ``start()`` and saved after each change (the demo); without, it lives in memory.
    """

    def __init__(
        self,
        host="127.0.0.1",
        port=0,
        webhook_url=None,
        webhook_secret=None,
        api_key_prefix="sk_test_",
        *,
        state_file=None,
        clock=None,
    ):
        self.host, self.port = host, port
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self.api_key_prefix = api_key_prefix
        self.api_version = API_VERSION
        self.clock = clock or time.time
        self.verbose = False
        self.latency = 0.0  # seconds each idempotent request takes (to test keys in flight)
        self.lock = threading.Lock()
        self._idle = threading.Condition(self.lock)
        self._local = threading.local()  # the API request being answered, for its events
        self._pending = 0  # events answered for but not yet delivered
        # Stripe's objects, by id.
        self.sessions: dict[str, dict] = {}
        self.line_items: dict[str, list] = {}
        self.payment_intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.disputes: dict[str, dict] = {}
        self.events: list[dict] = []
        self._pi_data: dict[str, dict] = {}  # session id → payment_intent_data
        self._idempotency: dict[tuple, dict] = {}
        self._tasks: list[dict] = []  # what Stripe will do later (see scenarios.advance)
        self._refund_plans: list[dict] = []  # how the next refunds will go (next_refund)
        self._offset = 0  # seconds added to clock() by advance()
        # What went over the wire.
        self.deliveries: list[dict] = []
        self.requests: collections.deque = collections.deque(maxlen=10_000)
        self.connections = 0  # TCP connections accepted (a client that keeps one open: 1)
        self._open = set()  # the sockets of those still open (closed by stop(), as Stripe would)
        # How events are sent (see webhooks).
        self._holding = False
        self.held: list[dict] = []
        self._delay = 0
        self._delayed: list[dict] = []
        self._copies = 1
        self.state = StateFile(state_file) if state_file else None
        self._server = None
        self._thread = None
        self._ticker = None
        self._stopping = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, tick=None):
        """Serve on a daemon thread. With ``tick`` (seconds), also let Stripe's own clock run:
        every ``tick`` seconds what falls due happens (the demo's delayed outcomes)."""
        if self.state is not None:
            self.state.acquire()
            self.state.load(self)
        try:
            self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        except OSError:
            if self.state is not None:
                self.state.release()
            raise
        self._server.fake = self
        # A short poll interval makes stop() quick, which matters with a server per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-stripe", daemon=True
        )
        self._thread.start()
        if tick:
            self._stopping.clear()
            self._ticker = threading.Thread(
                target=self._tick, args=(tick,), name="fake-stripe-clock", daemon=True
            )
            self._ticker.start()
        return self

    def _tick(self, interval):
        while not self._stopping.wait(interval):
            self.advance(0)

    def stop(self):
        self._stopping.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            # A server that goes away closes its kept-alive connections too: without this,
            # their handler threads would go on answering for a stopped fake.
            with self.lock:
                still_open, self._open = list(self._open), set()
            for sock in still_open:
                with contextlib.suppress(OSError):  # closed by the client meanwhile
                    sock.shutdown(socket.SHUT_RDWR)
            self._thread.join()
            self._server = self._thread = None
        if self.state is not None:
            with self.lock:
                self._save_locked()
            self.state.release()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def url(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.server_port}"

    @property
    def api_base(self):
        return self.url

    def _save_locked(self):
        if self.state is not None:
            self.state.save(self)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the library's HTTP client expects
    server_version = "FakeStripe/1.0"

    def setup(self):
        super().setup()
        with self.server.fake.lock:
            self.server.fake.connections += 1
            self.server.fake._open.add(self.connection)

    def finish(self):
        with self.server.fake.lock:
            self.server.fake._open.discard(self.connection)
        super().finish()

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def log_message(self, format, *args):
        if self.server.fake.verbose:
            super().log_message(format, *args)

    def _dispatch(self, method):
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        url = urlsplit(self.path)
        try:
            if url.path.startswith("/checkout/"):
                session_id, _, action = url.path[len("/checkout/") :].partition("/")
                status, page, redirect, events = fake.handle_checkout(
                    method, session_id, action, body
                )
                fake._dispatch_events(events)  # before the buyer comes back to the site
                if redirect:
                    location = quote(redirect, safe=":/?#[]@!$&'()*+,;=%~")
                    self._send(303, b"", "text/plain", {"Location": location})
                else:
                    self._send(status, page.encode(), "text/html; charset=utf-8")
                return
            if url.path == "/" and method == "GET":
                self._send(200, fake.handle_index().encode(), "text/html; charset=utf-8")
                return
            if url.path.startswith("/v1/"):
                status, result, extra, events = fake.handle_api(
                    method, url.path, url.query, body, self.headers
                )
            else:
                error = unrecognized(method, url.path)
                status, result, extra, events = error.status, error.body, {}, []
        except Exception as exc:  # a bug here must come back as Stripe's 500, not a hang
            status, extra, events = 500, {}, []
            result = {"error": {"type": "api_error", "message": f"Fake Stripe bug: {exc!r}"}}
        extra.setdefault("Request-Id", "req_" + secrets.token_hex(7))
        extra["Stripe-Version"] = fake.api_version
        # API-triggered events go out after the response, as with Stripe: the caller may
        # still hold a database transaction that the webhook handler would wait for.
        try:
            self._send(status, json.dumps(result, indent=2).encode(), "application/json", extra)
            fake._dispatch_events(events)
        finally:
            fake._delivered_later(len(events))

    def _send(self, status, payload, content_type, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()


def main(argv=None):
    """Serve until interrupted: ``python -m devtools.fake_stripe --port 12111 --webhook-url …``."""
    parser = argparse.ArgumentParser(
        prog="python -m devtools.fake_stripe",
        description="A fake Stripe for development and tests (MODE DÉMO — aucun paiement réel).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument(
        "--webhook-url",
        default=os.environ.get("FAKE_STRIPE_WEBHOOK_URL"),
        help="where events go, e.g. http://127.0.0.1:8000/payments/stripe/webhook/",
    )
    parser.add_argument(
        "--webhook-secret",
        default=os.environ.get("STRIPE_WEBHOOK_SECRET"),
        help="signing secret (default: $STRIPE_WEBHOOK_SECRET, which keeps it out of `ps`)",
    )
    parser.add_argument("--api-key-prefix", default="sk_test_")
    parser.add_argument("--state-file", type=Path, help="keep the state in this JSON file")
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)
    fake = FakeStripe(
        args.host,
        args.port,
        args.webhook_url,
        args.webhook_secret,
        args.api_key_prefix,
        state_file=args.state_file,
    )
    fake.verbose = not args.quiet
    fake.start(tick=2)
    print(f"Fake Stripe on {fake.url} (webhooks → {fake.webhook_url or 'none'})", flush=True)
    try:
        fake._thread.join()
    except KeyboardInterrupt:
        fake.stop()
