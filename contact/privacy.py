"""What the contact forms hold about a person, for Law 25 (registered in
`orders.registry.personal_data` by ContactConfig.ready()): the messages they sent, found by
the address they typed, and the notifications staff received about them. Erasing deletes the
messages and empties those notifications; the purge does the same for messages older than the
retention period (`OrderSettings.personal_data_retention_months`)."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orders.models import OutboxEmail
from orders.privacy import PersonalDataProvider
from orders.privacy.provider import erase_email

from .models import ContactSubmission


def _forget(submissions, scrub):
    ids = list(submissions.values_list("pk", flat=True))
    for pk in ids:
        for email in OutboxEmail.objects.filter(key__startswith=f"contact:{pk}:"):
            erase_email(email, email.to, scrub)
    return (
        ContactSubmission.objects.filter(pk__in=ids).delete()[1].get("contact.ContactSubmission", 0)
    )


class ContactPersonalData(PersonalDataProvider):
    name = "contact"
    order = 70
    template_name = "contact/admin/privacy_held.html"

    def find(self, email, orders):
        found = ContactSubmission.objects.filter(email__iexact=email).select_related("page")
        return {"contact_messages": list(found.order_by("submit_time"))}

    def summary(self, counts):
        n = counts.get("contact_messages", 0)
        if not n:
            return []
        return [
            ngettext(
                "%(n)s message envoyé par formulaire", "%(n)s messages envoyés par formulaire", n
            )
            % {"n": n}
        ]

    def erasure(self):
        return [_("les messages envoyés par les formulaires de contact sont supprimés ;")]

    def export(self, email, orders):
        return {
            "contact_messages": [
                {
                    "form": s.page.title,
                    "submitted_at": s.submit_time,
                    "language": s.language,
                    "answers": s.form_data,
                }
                for s in self.find(email, orders)["contact_messages"]
            ]
        }

    def erase_email(self, email, scrub):
        return {
            "contact_messages": _forget(
                ContactSubmission.objects.filter(email__iexact=email), scrub
            )
        }

    def purge(self, cutoff):
        old = ContactSubmission.objects.filter(submit_time__lt=cutoff)
        return {"contact_messages": _forget(old, lambda value: value)}
