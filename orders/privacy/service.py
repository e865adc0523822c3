"""Find, export and erase one person's data, and purge what is past its retention period, by
asking every registered provider (`orders.registry.personal_data`) for its part."""

from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import registry
from ..models import Order, OrderSettings
from ..services import log
from .base import DEFAULT_RETENTION_MONTHS, months_before, normalise, plain, scrubber


def providers():
    return list(registry.personal_data)


@dataclass
class Held:
    """One provider's part of what is held about a person."""

    provider: object
    rows: dict
    counts: dict

    @property
    def template_name(self):
        return self.provider.template_name

    @property
    def summary(self):
        return self.provider.summary(self.counts)


@dataclass
class PersonData:
    email: str
    orders: list = field(default_factory=list)
    parts: list = field(default_factory=list)

    @property
    def rows(self):
        """Every provider's rows by kind: `rows["orders"]`, `rows["waiting_list"]`…"""
        return {key: value for part in self.parts for key, value in part.rows.items()}

    @property
    def counts(self):
        return {key: value for part in self.parts for key, value in part.counts.items()}

    @property
    def summary(self):
        return [phrase for part in self.parts for phrase in part.summary]

    @property
    def erasure(self):
        return [phrase for part in self.parts for phrase in part.provider.erasure()]

    @property
    def still_running(self):
        return [phrase for part in self.parts for phrase in part.provider.still_running(part.rows)]

    @property
    def is_empty(self):
        return not any(self.counts.values())


def _orders_of(email):
    return list(
        Order.objects.filter(buyer_email__iexact=email).prefetch_related(
            "lines", "payments", "refunds", "log_entries", "emails"
        )
    )


def find_person(email):
    """Everything the site holds about the person who uses `email` (case does not matter)."""
    email = normalise(email)
    if not email:
        return PersonData(email="")
    orders = _orders_of(email)
    parts = []
    for provider in providers():
        rows = provider.find(email, orders)
        parts.append(Held(provider=provider, rows=rows, counts=provider.counts(rows)))
    return PersonData(email=email, orders=orders, parts=parts)


def export_person(email):
    """A JSON-serialisable copy of everything held, to hand to the person who asks for it."""
    found = find_person(email)
    data = {"email": found.email, "exported_at": timezone.now(), "counts": found.counts}
    if found.email:
        for provider in providers():
            data.update(provider.export(found.email, found.orders))
    return plain(data)


def _words(email, orders):
    words = {email} if email else set()
    for provider in providers():
        words |= provider.names(email, orders)
    return words


def _erase_orders(orders, scrub):
    counts = Counter()
    for provider in providers():
        counts.update(provider.erase_orders(orders, scrub))
    return counts


def erase_person(email, *, user):
    """Erase one person's data at their request. Orders stay, anonymised, for accounting; each
    gets an audit entry (without personal data) saying who erased it and when."""
    email = normalise(email)
    counts = Counter(orders=0)
    if not email:
        return counts
    with transaction.atomic():
        orders = list(Order.objects.select_for_update().filter(buyer_email__iexact=email))
        scrub = scrubber(_words(email, orders))
        for order in orders:
            counts.update(_erase_orders([order], scrub))
            log(
                order,
                "personal_data_erased",
                _("Renseignements personnels effacés (Loi 25)"),
                user=user,
            )
            counts["orders"] += 1
        for provider in providers():
            counts.update(provider.erase_email(email, scrub))
    return counts


def retention_months():
    return OrderSettings.load().personal_data_retention_months or DEFAULT_RETENTION_MONTHS


def purge_old_personal_data(now=None):
    """Destroy the personal data of sales whose purpose ended more than the retention period
    ago (for activities: names, answers, waiting lists, and the buyers' names and emails; the
    money stays). Safe to run any number of times: what is already clean is left as is and not
    counted."""
    now = now or timezone.now()
    cutoff = months_before(now, retention_months())
    counts = Counter(orders=0)
    order_ids = set()
    for provider in providers():
        order_ids |= set(provider.finished_orders(cutoff))
    with transaction.atomic():
        for order in Order.objects.select_for_update().filter(pk__in=order_ids).order_by("pk"):
            changed = _erase_orders([order], scrubber(_words(None, [order])))
            if not any(changed.values()):
                continue
            counts.update(changed)
            log(order, "personal_data_purged", _("Renseignements personnels purgés (Loi 25)"))
            counts["orders"] += 1
        for provider in providers():
            counts.update(provider.purge(cutoff))
    return counts
