"""The contact form's emails, through the outbox: a confirmation to the person, in their
language, and a notification to each recipient, in French. Visitors' words are escaped in the
HTML parts by the templates and never put in a header, but for the validated email address
as the staff notification's Reply-To.

The confirmation says the message arrived and repeats none of it: the address it goes to is
whatever was typed, unverified, and a confirmation that echoed the message would let anyone
send their own words, from the site's address, to anyone."""

from django.urls import reverse
from django.utils.translation import gettext as _

from orders.outbox import queue_email


def answers(page, submission):
    """(label, value) pairs in the form's order, as the person typed them."""
    data = submission.get_data()
    rows = []
    for field in page.get_form_fields():
        value = data.get(field.clean_name)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append((field.label, "" if value is None else value))
    return rows


def queue_for(page, submission):
    from newsletter.services import sender, site_url

    context = {
        "page": page,
        "answers": answers(page, submission),
        "sender": sender(),
        "site_url": site_url(),
        "submissions_url": site_url() + reverse("wagtailforms:list_submissions", args=[page.pk]),
    }
    if submission.email:
        queue_email(
            key=f"contact:{submission.pk}:confirmation",
            to=submission.email,
            language=submission.language or "fr",
            template="contact/email/confirmation",
            subject=lambda: _("Nous avons bien reçu votre message"),
            context=context,
        )
    for address in [a.strip() for a in page.to_address.split(",") if a.strip()]:
        queue_email(
            key=f"contact:{submission.pk}:staff:{address.lower()}",
            to=address,
            language="fr",
            template="contact/email/staff",
            subject=lambda: _("Nouveau message : %(title)s") % {"title": page.title},
            context={**context, "submission": submission},
            # « Répondre » writes to the person (an address the form validated: no line
            # breaks can reach the header).
            headers={"Reply-To": submission.email} if submission.email else None,
        )
