import time

import pytest

from cesiq_site import antispam


class Clock:
    """The spam time trap's clock: forms are shown at one moment, sent a few seconds later."""

    def __init__(self, start):
        self.now = start

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fixed = Clock(float(int(time.time())))
    monkeypatch.setattr(antispam, "now", fixed)
    return fixed


@pytest.fixture
def shown(clock):
    """The hidden fields of a form as it was shown 10 seconds ago (a person typing)."""

    def fields(form_class, **kwargs):
        form = form_class(**kwargs)
        data = {
            antispam.HONEYPOT_FIELD: "",
            antispam.TIME_FIELD: form[antispam.TIME_FIELD].value(),
        }
        clock.advance(10)
        return data

    return fields
