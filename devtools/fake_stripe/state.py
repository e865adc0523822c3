"""The fake Stripe's memory on disk, for the demo: ``var/fake-stripe.json``.

Real Stripe remembers every payment for years; a fake that forgets them when ``make run`` stops
leaves the demo's paid orders unrefundable ("No such payment_intent"). With a state file, the
fake loads what it knew at start and writes it back after every change (atomically: a new file
renamed over the old one). One process at a time: a lock file beside it says who owns it.
Tests use no state file; everything stays in memory.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from pathlib import Path

# The attributes of FakeStripe that are its memory (idempotency keys are saved separately:
# their keys are tuples, and only answered ones are worth keeping).
FIELDS = (
    "sessions",
    "line_items",
    "payment_intents",
    "charges",
    "refunds",
    "disputes",
    "events",
    "_pi_data",
    "_tasks",
    "_refund_plans",
    "_offset",
)
VERSION = 1


class StateFileBusy(RuntimeError):
    """Another fake Stripe (``make run``) already uses this state file."""


class StateFile:
    def __init__(self, path):
        self.path = Path(path)
        self._lock = None

    def acquire(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path.with_name(self.path.name + ".lock"), "a")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StateFileBusy(
                f"Un autre faux Stripe utilise déjà {self.path} (make run est-il lancé ?). "
                f"Another fake Stripe is already using {self.path}."
            ) from None
        self._lock = handle

    def release(self):
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def load(self, fake):
        """Restore ``fake``'s memory; a file that cannot be read is set aside, not fatal."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION:
                raise ValueError(f"state version {data.get('version')!r}")
        except FileNotFoundError:
            return False
        except (OSError, ValueError) as exc:
            aside = self.path.with_name(self.path.name + ".unreadable")
            os.replace(self.path, aside)
            print(f"Fake Stripe: {self.path} unreadable ({exc}); moved to {aside}", flush=True)
            return False
        for field in FIELDS:
            if field in data:
                setattr(fake, field, data[field])
        fake._idempotency = {
            (api_key, key): entry for api_key, key, entry in data.get("idempotency", [])
        }
        return True

    def save(self, fake):
        data = {field: getattr(fake, field) for field in FIELDS}
        data["version"] = VERSION
        data["idempotency"] = [
            [api_key, key, entry]
            for (api_key, key), entry in fake._idempotency.items()
            if entry["response"] is not None
        ]
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".fake-stripe-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False)
        os.replace(temporary, self.path)
