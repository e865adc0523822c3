"""What memberships hold about a person, for Law 25 (registered in
`orders.registry.personal_data`): the member (name, organisation, address, code) and the years
paid. Erasing anonymises the member and gives them a new code; the years and amounts stay for
the accounting and the network's membership counts."""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orders.privacy import PersonalDataProvider
from orders.privacy.base import ANONYMOUS_DOMAIN, ANONYMOUS_NAME

from .models import Member, new_member_code


class MembershipsPersonalData(PersonalDataProvider):
    name = "memberships"
    order = 80
    template_name = "memberships/admin/privacy_held.html"

    def _members(self, email, orders):
        return (
            Member.objects.filter(Q(email__iexact=email) | Q(periods__order_line__order__in=orders))
            .distinct()
            .prefetch_related("periods__category")
        )

    def find(self, email, orders):
        return {"members": list(self._members(email, orders))}

    def summary(self, counts):
        if not counts["members"]:
            return []
        return [
            ngettext("%(n)s fiche de membre", "%(n)s fiches de membre", counts["members"])
            % {"n": counts["members"]}
        ]

    def erasure(self):
        return [
            _(
                "la fiche de membre est anonymisée (nom, organisation, courriel, code) ; les "
                "années d'adhésion et leurs montants restent ;"
            )
        ]

    def export(self, email, orders):
        return {
            "members": [
                {
                    "name": m.name,
                    "organisation": m.organisation,
                    "email": m.email,
                    "kind": m.kind,
                    "code": m.code,
                    "since": m.created_at,
                    "periods": [
                        {
                            "category": p.category.name,
                            "start": p.start,
                            "end": p.end,
                            "amount": p.amount,
                            "cancelled": p.cancelled,
                        }
                        for p in m.periods.all()
                    ],
                }
                for m in self._members(email, orders)
            ]
        }

    def names(self, email, orders):
        found = set()
        for m in self._members(email, orders):
            found |= {m.name, m.organisation}
        return {n for n in found if n}

    def _anonymise(self, members):
        changed = 0
        for member in members:
            member.name = ANONYMOUS_NAME
            member.organisation = ""
            member.email = f"membre+{member.pk}@{ANONYMOUS_DOMAIN}"
            member.code = new_member_code()
            member.user = None
            member.save()
            changed += 1
        return changed

    def erase_orders(self, orders, scrub):
        members = Member.objects.filter(periods__order_line__order__in=orders).distinct()
        return {"members": self._anonymise(list(members))}

    def erase_email(self, email, scrub):
        return {"members": self._anonymise(list(Member.objects.filter(email__iexact=email)))}
