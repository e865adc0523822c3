"""Demo contact form and newsletter for `seed_demo`: the "Nous joindre" contact page in French
and English (recipients: the demo team's address), three confirmed subscribers and one waiting
for confirmation, and one newsletter issue per language, not sent. Running it again changes
nothing."""

CONTACT = {
    "fr": {
        "title": "Nous joindre",
        "slug": "nous-joindre",
        "introduction": "Une question sur une activité, un atelier ou la boutique ? "
        "Écrivez-nous : nous répondons en deux jours ouvrables.",
        "fields": [
            ("Votre nom", "singleline", True),
            ("Votre courriel", "email", True),
            ("Sujet", "singleline", False),
            ("Votre message", "multiline", True),
        ],
    },
    "en": {
        "title": "Contact us",
        "slug": "contact-us",
        "introduction": "A question about an activity, a workshop or the shop? "
        "Write to us: we answer within two business days.",
        "fields": [
            ("Your name", "singleline", True),
            ("Your email", "email", True),
            ("Subject", "singleline", False),
            ("Your message", "multiline", True),
        ],
    },
}
ISSUE = {
    "fr": {
        "title": "Infolettre de décembre : 12 jours d'action",
        "slug": "infolettre-decembre",
        "introduction": "Les 12 jours d'action contre la violence faite aux femmes, nos ateliers "
        "d'hiver dans les écoles et les nouveautés équitables de la boutique.",
    },
    "en": {
        "title": "December newsletter: 12 days of action",
        "slug": "december-newsletter",
        "introduction": "The 12 days of action against violence against women, our winter "
        "workshops in schools and what is new in the fair-trade shop.",
    },
}
SUBSCRIBERS = [
    ("lea.gagnon@example.org", "fr", "confirmed"),
    ("samuel.roy@example.org", "fr", "confirmed"),
    ("maya.singh@example.org", "en", "confirmed"),
    ("en-attente@example.org", "fr", "pending"),
]


def seed(home, locales, email_domain):
    seed_contact(home, locales, email_domain)
    seed_subscribers()
    seed_issue(home, locales)


def _fields(page, fields):
    from contact.models import ContactFormField

    page.form_fields.all().delete()
    for order, (label, kind, required) in enumerate(fields):
        ContactFormField.objects.create(
            page=page, sort_order=order, label=label, field_type=kind, required=required
        )


def seed_contact(home, locales, email_domain):
    from contact.models import ContactFormPage

    page = home.get_children().type(ContactFormPage).first()
    if page is None:
        fr = CONTACT["fr"]
        page = ContactFormPage(
            title=fr["title"],
            slug=fr["slug"],
            introduction=fr["introduction"],
            to_address=f"info@{email_domain}",
            show_in_menus=True,
        )
        home.add_child(instance=page)
        _fields(page, fr["fields"])
        page.save_revision().publish()
    page = page.specific
    english = page.get_translation_or_none(locales["en"])
    if english is None:
        english = page.copy_for_translation(locales["en"]).specific
        en = CONTACT["en"]
        english.title, english.slug, english.introduction = (
            en["title"],
            en["slug"],
            en["introduction"],
        )
        english.save()
        _fields(english, en["fields"])
        english.save_revision().publish()
    return page


def seed_subscribers():
    """Written directly with their consents (no confirmation email for demo addresses)."""
    from django.utils import timezone, translation

    from newsletter.models import Consent, Subscriber
    from newsletter.services import CONSENT_TEXT

    for email, language, status in SUBSCRIBERS:
        if Subscriber.objects.filter(email=email).exists():
            continue
        now = timezone.now()
        subscriber = Subscriber.objects.create(
            email=email,
            language=language,
            source="demo",
            status=status,
            confirmed_at=now if status == "confirmed" else None,
        )
        with translation.override(language):
            text = str(CONSENT_TEXT)
        Consent.objects.create(
            subscriber=subscriber, action="requested", source="demo", text=text, language=language
        )
        if status == "confirmed":
            Consent.objects.create(
                subscriber=subscriber,
                action="confirmed",
                source="demo",
                text="Je confirme mon inscription à l'infolettre",
                language=language,
            )


def seed_issue(home, locales):
    from newsletter.models import NewsletterIssuePage

    page = home.get_children().type(NewsletterIssuePage).first()
    if page is None:
        page = NewsletterIssuePage(**ISSUE["fr"])
        home.add_child(instance=page)
        page.save_revision().publish()
    page = page.specific
    english = page.get_translation_or_none(locales["en"])
    if english is None:
        english = page.copy_for_translation(locales["en"]).specific
        for name, value in ISSUE["en"].items():
            setattr(english, name, value)
        english.save_revision().publish()
    return page
