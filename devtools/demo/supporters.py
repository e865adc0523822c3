"""Demo donations and memberships for `seed_demo`: the "Faire un don" page in French and
English, the charity settings that make its receipts official (with a demo registration
number), membership categories, the membership page and one member. Running it again changes
nothing."""

from decimal import Decimal

DONATION_FR = {
    "title": "Faire un don",
    "slug": "faire-un-don",
    "introduction": "Votre don finance les ateliers d'éducation à la solidarité internationale "
    "offerts aux écoles et aux groupes de la région de Québec.",
    "thank_you": "Merci de soutenir l'éducation à la citoyenneté mondiale !",
}
DONATION_EN = {
    "title": "Give",
    "slug": "give",
    "introduction": "Your gift funds the global-citizenship workshops offered to schools and "
    "groups in the Québec City region.",
    "thank_you": "Thank you for supporting global-citizenship education!",
}
CHARITY = {
    "registered_charity": True,
    "legal_name": "Carrefour d'éducation à la solidarité internationale de Québec",
    # The footer's (devtools/demo/content.py SITE_SETTINGS): one address for the donor.
    "address": "125, rue de la Solidarité\nQuébec (Québec) G1K 3A1",
    # A demo number in the CRA's shape, not CÉSIQ's.
    "registration_number": "123456789 RR0001",
    "signer_name": "Claire Tremblay",
    "signer_title": "Trésorière",
    "signer_title_en": "Treasurer",
    "place_of_issue": "Québec",
}


CATEGORIES = [
    # (name, English name, kind, yearly fee, description, English description)
    (
        "Membre individuel",
        "Individual member",
        "individual",
        "25.00",
        "Pour les personnes qui soutiennent l'éducation à la solidarité internationale.",
        "For people who support global-citizenship education.",
    ),
    (
        "Organisation membre",
        "Member organisation",
        "organisation",
        "100.00",
        "Pour les organismes de coopération internationale et de solidarité de la région.",
        "For international-cooperation and solidarity organisations of the region.",
    ),
]
MEMBERSHIP_FR = {
    "title": "Devenir membre",
    "slug": "devenir-membre",
    "introduction": "Membre du CÉSIQ, vous soutenez son action et profitez du tarif membre "
    "aux activités.",
}
MEMBERSHIP_EN = {
    "title": "Become a member",
    "slug": "become-a-member",
    "introduction": "As a CÉSIQ member, you support its work and get the member price at "
    "activities.",
}
# The demo member's code, to try the member price at registration.
DEMO_MEMBER_CODE = "MEMBRE2026"


def seed(home, locales):
    seed_donations(home, locales)
    seed_memberships(home, locales)


def seed_donations(home, locales):
    from donations.models import CharitySettings, DonationPage

    charity = CharitySettings.load()
    for name, value in CHARITY.items():
        setattr(charity, name, value)
    charity.save()

    page = home.get_children().type(DonationPage).first()
    if page is None:
        page = DonationPage(
            show_in_menus=True,
            suggested_amounts="25, 50, 100, 250",
            minimum_amount=Decimal("5.00"),
            maximum_amount=Decimal("10000.00"),
            **DONATION_FR,
        )
        home.add_child(instance=page)
        page.save_revision().publish()
    page = page.specific
    english = page.get_translation_or_none(locales["en"])
    if english is None:
        english = page.copy_for_translation(locales["en"]).specific
        for name, value in DONATION_EN.items():
            setattr(english, name, value)
        english.save_revision().publish()
    return page


def seed_memberships(home, locales):
    from django.utils import timezone

    from memberships.models import (
        Member,
        MembershipCategory,
        MembershipPage,
        MembershipPeriod,
        one_year_from,
    )

    categories = []
    for name, name_en, kind, fee, description, description_en in CATEGORIES:
        category, _created = MembershipCategory.objects.get_or_create(
            name=name,
            defaults={
                "name_en": name_en,
                "kind": kind,
                "yearly_fee": Decimal(fee),
                "description": description,
                "description_en": description_en,
                "sort_order": len(categories),
            },
        )
        categories.append(category)

    page = home.get_children().type(MembershipPage).first()
    if page is None:
        page = MembershipPage(show_in_menus=True, **MEMBERSHIP_FR)
        home.add_child(instance=page)
        page.save_revision().publish()
    page = page.specific
    if page.get_translation_or_none(locales["en"]) is None:
        english = page.copy_for_translation(locales["en"]).specific
        for name, value in MEMBERSHIP_EN.items():
            setattr(english, name, value)
        english.save_revision().publish()

    member, _created = Member.objects.get_or_create(
        email="membre@demo.cesiq.example",
        defaults={"kind": "individual", "name": "Camille Membre", "code": DEMO_MEMBER_CODE},
    )
    if not member.periods.exists():
        start = timezone.localdate()
        MembershipPeriod.objects.create(
            member=member,
            category=categories[0],
            start=start,
            end=one_year_from(start),
            amount=categories[0].yearly_fee,
        )
    return page
