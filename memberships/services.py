"""The rules of memberships: recording a paid year, renewing, cancelling, who counts as a
member (for the member price on tickets), and the renewal reminders."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from orders.outbox import queue_email
from orders.services import log

from .models import Member, MembershipPage, MembershipPeriod, one_year_from
from .signals import membership_recorded

logger = logging.getLogger(__name__)


def reminder_days():
    return int(getattr(settings, "MEMBERSHIP_REMINDER_DAYS", 30))


def renewal_for(email, today=None):
    """(current end, end after renewing) when `email` is a member whose membership has not
    run out (or one paid ahead): paying now adds a year after it, which the form says before
    taking the money. None otherwise."""
    today = today or timezone.localdate()
    member = Member.objects.filter(email=email.strip().lower()).first()
    last = member.last_period() if member else None
    if last is None or last.end < today:
        return None
    return last.end, one_year_from(last.end + timedelta(days=1))


def record_membership(line):
    """The membership's order is paid (`MembershipCategory.fulfil`, in the payment's
    transaction): find or make the member by email address, and add one year, starting the day
    after the current membership ends when it is renewed before it runs out."""
    if MembershipPeriod.objects.filter(order_line=line).exists():
        return
    order = line.order
    details = line.details or {}
    category = line.item
    email = order.buyer_email.strip().lower()
    member, created = Member.objects.select_for_update().get_or_create(
        email=email,
        defaults={
            "kind": category.kind,
            "name": order.buyer_name,
            "organisation": details.get("organisation", ""),
        },
    )
    if not created:
        # Whoever pays may type a member's address (a gift, or anyone): the year is added,
        # of the category paid for, but the member's name and organisation stay theirs
        # (staff correct them); only blanks are filled.
        member.kind = category.kind
        member.name = member.name or order.buyer_name
        member.organisation = member.organisation or details.get("organisation", "")
        member.save(update_fields=["kind", "name", "organisation"])
    today = timezone.localdate(order.paid_at) if order.paid_at else timezone.localdate()
    last = member.last_period()
    start = last.end + timedelta(days=1) if last and last.end >= today else today
    period = MembershipPeriod.objects.create(
        member=member,
        category=category,
        start=start,
        end=one_year_from(start),
        order_line=line,
        amount=line.net,
    )
    log(
        order,
        "membership_recorded",
        f"{member} {period.start.isoformat()} → {period.end.isoformat()}",
        member=member.pk,
        period=period.pk,
    )
    membership_recorded.send(sender=Member, member=member, period=period)
    return period


def membership_cancelled(line):
    """The membership was given back (refunded or its order cancelled): that year is void."""
    period = MembershipPeriod.objects.select_for_update().filter(order_line=line).first()
    if period is None or period.cancelled:
        return
    period.cancelled = True
    period.save(update_fields=["cancelled"])
    log(line.order, "membership_cancelled", f"{period.member} {period.start}–{period.end}")


def period_bought(order):
    """The year of membership `order` bought, once paid and unless cancelled; else None."""
    from .models import MembershipCategory

    if not order.sells(MembershipCategory):
        return None
    return (
        MembershipPeriod.objects.select_related("member")
        .filter(order_line__order=order, cancelled=False)
        .first()
    )


def membership_section(order):
    """The membership an order bought, on its receipt page and its confirmation email: until
    when it is valid, and the member code that gives members' prices."""
    period = period_bought(order)
    if period is None:  # not paid yet, or cancelled
        return None
    member = period.member
    return {
        "heading": _("Votre adhésion"),
        "lines": [
            # An organisation's receipt names the member: the organisation, not the person
            # who paid for it.
            *(
                [_("Membre : %(organisation)s") % {"organisation": member.organisation}]
                if member.organisation
                else []
            ),
            _("Votre adhésion est valide du %(start)s au %(end)s.")
            % {
                "start": date_format(period.start, "DATE_FORMAT"),
                "end": date_format(period.end, "DATE_FORMAT"),
            },
            _(
                "Votre code de membre : %(code)s. Saisissez-le à l'inscription à une activité "
                "pour obtenir le tarif membre."
            )
            % {"code": member.code},
        ],
    }


def membership_page_section(order):
    """The membership on the order's page, which whoever paid sees: for a year added to an
    existing member (someone may pay with another's address), neither that member's dates
    nor their code, which the confirmation sends to the member's own address."""
    period = period_bought(order)
    if period is None:
        return None
    if period.member.periods.exclude(pk=period.pk).exists():
        return {
            "heading": _("Votre adhésion"),
            "lines": [
                _(
                    "L'adhésion est prolongée d'un an. Ses dates et le code de membre sont "
                    "envoyés par courriel à l'adresse de la personne membre."
                )
            ],
        }
    return membership_section(order)


# --- who is a member ---------------------------------------------------------------------------


def member_for_code(code, today=None):
    code = (code or "").strip().upper()
    if not code or len(code) > 16:
        return None
    member = Member.objects.filter(code=code).first()
    return member if member and member.is_active(today) else None


def member_for_user(user, today=None):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    member = Member.objects.filter(user=user).first()
    if member is None and user.email:
        member = Member.objects.filter(email=user.email.strip().lower()).first()
    return member if member and member.is_active(today) else None


# --- renewal reminders ---------------------------------------------------------------------------


def periods_to_remind(today=None):
    """The last year of each member that ends within the reminder window, not yet reminded,
    with no later year already paid."""
    today = today or timezone.localdate()
    horizon = today + timedelta(days=reminder_days())
    candidates = MembershipPeriod.objects.filter(
        cancelled=False, reminder_sent_at__isnull=True, end__gte=today, end__lte=horizon
    ).select_related("member", "category")
    return [
        p
        for p in candidates
        if not p.member.periods.filter(cancelled=False, end__gt=p.end).exists()
    ]


def send_renewal_reminders(today=None, now=None):
    """Email each member whose membership ends soon, once: the period is locked and marked in
    the same transaction as the outbox row (whose key is unique besides). Returns how many."""
    sent = 0
    for candidate in periods_to_remind(today):
        with transaction.atomic():
            period = (
                MembershipPeriod.objects.select_for_update(skip_locked=True)
                .filter(pk=candidate.pk, reminder_sent_at__isnull=True)
                .select_related("member", "category")
                .first()
            )
            if period is None:
                continue
            email_reminder(period)
            period.reminder_sent_at = now or timezone.now()
            period.save(update_fields=["reminder_sent_at"])
            sent += 1
    return sent


def renewal_url(language):
    page = MembershipPage.objects.live().filter(locale__language_code=language).first()
    if page is None:
        page = MembershipPage.objects.live().first()
    if page is None:
        return settings.WAGTAILADMIN_BASE_URL + "/"
    return page.get_full_url() or settings.WAGTAILADMIN_BASE_URL + page.url


def email_reminder(period):
    member = period.member
    language = getattr(member, "language", "") or settings.LANGUAGE_CODE
    last_order = period.order_line.order if period.order_line_id else None
    if last_order is not None:
        language = last_order.language
    with translation.override(language):
        url = renewal_url(language)
    return queue_email(
        key=f"membership_reminder:{period.pk}",
        to=member.email,
        language=language,
        template="memberships/email/renewal_reminder",
        context={"member": member, "period": period, "renew_url": url},
        subject=lambda: (
            _("Votre adhésion au CÉSIQ se termine le %(date)s")
            % {"date": date_format(period.end, "DATE_FORMAT")}
        ),
        order=last_order,
    )
