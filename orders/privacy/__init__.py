"""One person's data under Québec's Law 25: find it, export it, erase it; and the periodic purge
of the data of sales whose purpose ended (an activity that took place) a configurable number of
months ago (`OrderSettings.personal_data_retention_months`).

Orders are never deleted: the law on accounting records (and Revenu Québec) asks us to keep
amounts, taxes, dates, codes and payment ids. What identifies a person — name, email, answers
to the registration questions (which may tell health or diet), attendee names, the bodies of
the emails sent — is removed or replaced, so what stays is an anonymous sale.

Orders only knows its own part. Every app that holds personal data registers a
`PersonalDataProvider` in `orders.registry.personal_data` (events: attendees, answers, waiting
lists); the functions below ask each of them. The admin screens are in `orders/admin/privacy.py`.
"""

from .base import (
    ANONYMOUS_DOMAIN,
    ANONYMOUS_NAME,
    DEFAULT_RETENTION_MONTHS,
    ERASED_BODY,
    REDACTED,
    PersonalDataProvider,
    is_anonymised,
    months_before,
    plain,
    scrubber,
)
from .service import (
    PersonData,
    erase_person,
    export_person,
    find_person,
    purge_old_personal_data,
    retention_months,
)

__all__ = [
    "ANONYMOUS_DOMAIN",
    "ANONYMOUS_NAME",
    "DEFAULT_RETENTION_MONTHS",
    "ERASED_BODY",
    "REDACTED",
    "PersonData",
    "PersonalDataProvider",
    "erase_person",
    "export_person",
    "find_person",
    "is_anonymised",
    "months_before",
    "plain",
    "purge_old_personal_data",
    "retention_months",
    "scrubber",
]
