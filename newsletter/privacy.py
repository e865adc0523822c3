"""What the newsletter holds about a person, for Law 25 (registered in
`orders.registry.personal_data` by NewsletterConfig.ready()): the subscription and its consents,
found by the email address. Erasing removes both. The purge removes requests never confirmed
and subscriptions withdrawn before the retention period; confirmed subscriptions stay while
their consent lasts."""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orders.privacy import PersonalDataProvider

from .models import Subscriber


class NewsletterPersonalData(PersonalDataProvider):
    name = "newsletter"
    order = 80
    template_name = "newsletter/admin/privacy_held.html"

    def find(self, email, orders):
        found = Subscriber.objects.filter(email__iexact=email).prefetch_related("consents")
        return {"newsletter": list(found)}

    def summary(self, counts):
        n = counts.get("newsletter", 0)
        if not n:
            return []  # most people never subscribed: say nothing rather than "0"
        return [
            ngettext("%(n)s inscription à l'infolettre", "%(n)s inscriptions à l'infolettre", n)
            % {"n": n}
        ]

    def erasure(self):
        return [_("l'inscription à l'infolettre et ses consentements sont supprimés ;")]

    def export(self, email, orders):
        return {
            "newsletter": [
                {
                    "email": s.email,
                    "language": s.language,
                    "status": s.status,
                    "source": s.source,
                    "requested_at": s.requested_at,
                    "confirmed_at": s.confirmed_at,
                    "unsubscribed_at": s.unsubscribed_at,
                    "consents": [
                        {
                            "action": c.action,
                            "at": c.at,
                            "source": c.source,
                            "text": c.text,
                            "language": c.language,
                        }
                        for c in s.consents.all()
                    ],
                }
                for s in Subscriber.objects.filter(email__iexact=email).prefetch_related("consents")
            ]
        }

    def erase_email(self, email, scrub):
        deleted = Subscriber.objects.filter(email__iexact=email).delete()[1]
        return {"newsletter": deleted.get("newsletter.Subscriber", 0)}

    def purge(self, cutoff):
        old = Subscriber.objects.filter(
            Q(status=Subscriber.Status.PENDING, requested_at__lt=cutoff)
            | Q(status=Subscriber.Status.UNSUBSCRIBED, unsubscribed_at__lt=cutoff)
        )
        deleted = old.delete()[1]
        return {"newsletter": deleted.get("newsletter.Subscriber", 0)}
