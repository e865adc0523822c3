"""What an app tells orders about the personal data it holds, and the tools they share."""

import calendar
import re
from datetime import date, datetime
from decimal import Decimal

ANONYMOUS_NAME = "Personne anonymisée"
# ".invalid" is reserved (RFC 2606): an address there can never be delivered.
ANONYMOUS_DOMAIN = "cesiq.invalid"
REDACTED = "[effacé]"
ERASED_BODY = "[Contenu effacé — renseignements personnels (Loi 25)]"
DEFAULT_RETENTION_MONTHS = 24


class PersonalDataProvider:
    """One app's part of a person's data, registered in `orders.registry.personal_data`.

    A person is known by an email address and by the orders placed with it. Each method gets
    both: what hangs off those orders (attendees, answers) and what is found by the address
    alone (a waiting-list entry). Orders themselves are never deleted (accounting): their
    buyer is replaced by an anonymous one, by orders' own provider.
    """

    name = ""  # unique, e.g. "events"
    order = 100  # where its part comes on the screen and in the export
    template_name = ""  # its part of the admin screen; gets `part` (a `Held`) in its context

    def find(self, email, orders):
        """What is held, as named lists of rows for the screen: {"waiting_list": [...]}."""
        return {}

    def counts(self, rows):
        """How many of each kind were found (by default, the length of each list)."""
        return {key: len(value) for key, value in rows.items()}

    def summary(self, counts):
        """Translated phrases for the counts that concern this provider ("2 participant·es")."""
        return []

    def erasure(self):
        """What erasing does to this provider's data, as phrases for the confirmation page."""
        return []

    def still_running(self, rows):
        """Phrases for what is not over yet in `rows` (tickets for dates to come, goods not
        yet sent): erased, the person is no longer told of a change to it. Said on the
        confirmation page, before anything is erased."""
        return []

    def export(self, email, orders):
        """A JSON-ready dict (see `plain`) of everything held, merged into the person's file:
        use keys of your own."""
        return {}

    def names(self, email, orders):
        """Words that identify people in what this app holds about them (names): they are
        scrubbed from free text everywhere (log messages, email subjects) when erasing."""
        return set()

    def erase_orders(self, orders, scrub):
        """Remove what identifies people from the data hanging off `orders`, with `scrub`
        for free text. Returns counts of rows changed; changing nothing returns zeros."""
        return {}

    def erase_email(self, email, scrub):
        """Remove what is held under `email` apart from any order. Returns counts."""
        return {}

    def finished_orders(self, cutoff):
        """Ids of orders whose purpose was over before `cutoff` (every activity date they were
        for has ended): their buyer's data goes. Return [] for none."""
        return []

    def purge(self, cutoff):
        """Remove personal data kept apart from orders whose purpose was over before `cutoff`
        (a waiting list of a past date). Safe to run again. Returns counts."""
        return {}


def normalise(email):
    return (email or "").strip()


def anonymous_email(order):
    return f"anonyme+{order.code.lower()}@{ANONYMOUS_DOMAIN}"


def is_anonymised(order):
    return order.buyer_email.endswith("@" + ANONYMOUS_DOMAIN)


def plain(value):
    """JSON-ready: Decimal as a string (never a float), datetimes in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def scrubber(words):
    """Replace each of `words` (names, emails) in a text, whatever the case. Words of fewer than
    three letters are left alone: they would hit unrelated text."""
    words = sorted({w.strip() for w in words if w and len(w.strip()) >= 3}, key=len, reverse=True)
    if not words:
        return lambda text: text
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)

    def scrub(value):
        if isinstance(value, str):
            return pattern.sub(REDACTED, value)
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    return scrub


def months_before(moment, months):
    year, month = divmod(moment.month - 1 - months, 12)
    year += moment.year
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
