"""Demo activities for `seed_demo`, one of each kind CÉSIQ runs. Dates are relative to the
day the seed runs, so the demo always has upcoming activities."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

THEMES = [
    ("justice-climatique", "Justice climatique", "Climate justice"),
    ("droits-des-femmes", "Droits des femmes", "Women's rights"),
    ("droits-des-enfants", "Droits des enfants", "Children's rights"),
    ("souverainete-alimentaire", "Souveraineté alimentaire", "Food sovereignty"),
    ("decroissance", "Décroissance", "Degrowth"),
    ("antiracisme", "Antiracisme", "Anti-racism"),
]

VENUES = [
    {
        "key": "cesiq",
        "name": "Salle communautaire du CÉSIQ",
        "street_address": "Quartier Saint-Roch",
        "postal_code": "",
        "accessibility": "Entrée de plain-pied, toilettes adaptées, à 5 minutes d'un arrêt "
        "d'autobus.",
        "accessibility_en": "Step-free entrance, accessible toilets, 5 minutes from a bus stop.",
    },
    {
        "key": "bibliotheque",
        "name": "Bibliothèque de quartier",
        "street_address": "Quartier Limoilou",
        "postal_code": "",
        "accessibility": "Ascenseur ; boucle magnétique sur demande.",
        "accessibility_en": "Lift; hearing loop on request.",
    },
]

# (slug, fr title, en title, fr summary, en summary, audience, format, mode, themes, venue,
#  dates [(days from now, hour, duration hours, capacity)], tickets, extra)
ACTIVITIES = [
    {
        "slug": "conference-justice-climatique",
        "fr": (
            "Conférence : la justice climatique vue du Sud",
            "Des militantes d'Afrique de l'Ouest et d'Amérique latine racontent comment "
            "leurs communautés font face à la crise climatique.",
        ),
        "en": (
            "Talk: climate justice seen from the South",
            "Activists from West Africa and Latin America tell how their communities face "
            "the climate crisis.",
        ),
        "audience": "adultes",
        "format": "conference",
        "mode": "presentiel",
        "themes": ["justice-climatique"],
        "venue": "cesiq",
        "dates": [(12, 19, 2, 80)],
        "tickets": [("Entrée libre", "Free entry", "free", "0")],
    },
    {
        "slug": "atelier-consommation-equitable",
        "fr": (
            "Atelier : consommer équitable au quotidien",
            "Un atelier pratique pour comprendre les filières du commerce équitable et "
            "faire des choix éclairés.",
        ),
        "en": (
            "Workshop: fair-trade shopping every day",
            "A hands-on workshop to understand fair-trade supply chains and make informed choices.",
        ),
        "audience": "adultes",
        "format": "atelier",
        "mode": "presentiel",
        "themes": ["souverainete-alimentaire", "decroissance"],
        "venue": "cesiq",
        "dates": [(9, 18, 2, 20), (23, 10, 2, 20)],
        "tickets": [
            ("Régulier", "Regular", "fixed", "25.00"),
            ("Étudiant·e", "Student", "fixed", "15.00"),
            ("Tarif solidaire", "Solidarity price", "fixed", "18.00", None, True),
            # For members: a membership's code shows it (memberships, « Devenir membre »).
            ("Tarif réduit", "Reduced rate", "fixed", "20.00", None, False, True),
        ],
        "questions": [
            ("Besoins alimentaires", "Dietary needs", "text", "", "", False),
            (
                "J'ai besoin d'un aménagement pour participer",
                "I need an accommodation to take part",
                "checkbox",
                "",
                "",
                False,
            ),
            (
                "Comment avez-vous connu l'activité ?",
                "How did you hear about the activity?",
                "choice",
                "Infolettre\nRéseaux sociaux\nBouche-à-oreille",
                "Newsletter\nSocial media\nWord of mouth",
                False,
            ),
        ],
    },
    {
        "slug": "projection-semences",
        "fr": (
            "Projection-discussion : les semences de la résistance",
            "Un documentaire sur les paysannes qui protègent les semences locales, suivi "
            "d'une discussion. Contribution volontaire.",
        ),
        "en": (
            "Screening and discussion: seeds of resistance",
            "A documentary on women farmers protecting local seeds, followed by a "
            "discussion. Pay what you can.",
        ),
        "audience": "jeunesse",
        "format": "projection",
        "mode": "presentiel",
        "themes": ["souverainete-alimentaire", "droits-des-femmes"],
        "venue": "bibliotheque",
        "dates": [(16, 19, 2, 60)],
        "tickets": [("Contribution volontaire", "Pay what you can", "pwyc", "5.00", "10.00")],
    },
    {
        "slug": "animation-droits-enfants",
        "fr": (
            "Animation scolaire : les droits des enfants ici et ailleurs",
            "Une animation interactive de 75 minutes pour les classes du primaire.",
        ),
        "en": (
            "School session: children's rights here and elsewhere",
            "An interactive 75-minute session for elementary classes.",
        ),
        "audience": "scolaire",
        "format": "animation",
        "mode": "presentiel",
        "themes": ["droits-des-enfants"],
        "venue": "cesiq",
        "dates": [(20, 9, 1, 60)],
        "tickets": [
            ("Élève", "Student", "fixed", "4.00"),
            ("Adulte accompagnateur", "Accompanying adult", "free", "0"),
        ],
    },
    {
        "slug": "formation-citoyennete-mondiale",
        "fr": (
            "Formation : animer en éducation à la citoyenneté mondiale",
            "Une formation pour les personnes qui animent des groupes : outils, "
            "posture et pédagogie.",
        ),
        "en": (
            "Training: facilitating global citizenship education",
            "Training for people who lead groups: tools, stance and teaching methods.",
        ),
        "audience": "adultes",
        "format": "formation",
        "mode": "presentiel",
        "themes": ["antiracisme", "droits-des-femmes"],
        "venue": "cesiq",
        "dates": [(30, 9, 6, 16), (37, 9, 6, 16)],
        "tickets": [("Inscription", "Registration", "fixed", "60.00")],
        "max_places": 4,  # 16 places: nobody keeps more than a quarter unpaid
    },
    {
        "slug": "atelier-presque-complet",
        "fr": (
            "Atelier : cuisine des quatre coins du monde",
            "Un atelier de cuisine collective, en petit groupe : trois places par date.",
        ),
        "en": (
            "Workshop: cooking from around the world",
            "A collective cooking workshop in a small group: three places per date.",
        ),
        "audience": "jeunesse",
        "format": "atelier",
        "mode": "presentiel",
        "themes": ["souverainete-alimentaire"],
        "venue": "cesiq",
        "dates": [(6, 17, 3, 3)],
        "tickets": [("Participation", "Participation", "fixed", "10.00")],
    },
    {
        "slug": "atelier-produits-menagers",
        "fr": (
            "Atelier : fabriquer ses produits ménagers",
            "Savon, nettoyant tout usage : des recettes simples et sans plastique. Complet, "
            "mais la liste d'attente est ouverte.",
        ),
        "en": (
            "Workshop: make your own cleaning products",
            "Soap, all-purpose cleaner: simple plastic-free recipes. Full, but the waiting "
            "list is open.",
        ),
        "audience": "adultes",
        "format": "atelier",
        "mode": "presentiel",
        "themes": ["decroissance"],
        "venue": "bibliotheque",
        "dates": [(11, 13, 3, 6)],
        "tickets": [("Participation", "Participation", "free", "0")],
        "sold_out": True,
    },
    {
        "slug": "webinaire-decroissance",
        "fr": (
            "Webinaire : la décroissance, c'est quoi ?",
            "Une heure en ligne pour découvrir les idées de la décroissance.",
        ),
        "en": ("Webinar: what is degrowth?", "One hour online to discover the ideas of degrowth."),
        "audience": "adultes",
        "format": "conference",
        "mode": "en-ligne",
        "themes": ["decroissance"],
        "venue": None,
        "dates": [(14, 12, 1, 300)],
        "tickets": [("Gratuit", "Free", "free", "0")],
        "online_link": "https://visio.example/cesiq-decroissance",
        # Free and online: confirmed only from the registrant's mailbox, two places at most.
        "confirm_by_email": True,
        "max_places": 2,
    },
    {
        "slug": "rencontre-annulee",
        "fr": (
            "Rencontre : commerce et droits humains (annulée)",
            "Cette rencontre est annulée ; elle sera reprogrammée.",
        ),
        "en": (
            "Meeting: trade and human rights (cancelled)",
            "This meeting is cancelled; it will be rescheduled.",
        ),
        "audience": "adultes",
        "format": "conference",
        "mode": "presentiel",
        "themes": ["antiracisme"],
        "venue": "bibliotheque",
        "dates": [(18, 19, 2, 40)],
        "tickets": [("Entrée libre", "Free entry", "free", "0")],
        "status": "cancelled",
    },
    {
        "slug": "semaine-contre-le-racisme",
        "fr": (
            "Semaine d'actions contre le racisme",
            "Une semaine d'activités organisée par nos partenaires ; inscription sur leur site.",
        ),
        "en": (
            "Week of action against racism",
            "A week of activities run by our partners; register on their site.",
        ),
        "audience": "adultes",
        "format": "mobilisation",
        "mode": "presentiel",
        "themes": ["antiracisme"],
        "venue": None,
        "dates": [(40, 10, 8, 500)],
        "tickets": [],
        "external": "https://www.example.org/semaine-contre-le-racisme",
        "organisers": ("Partenaires du réseau", "Network partners"),
    },
    {
        "slug": "atelier-passe",
        "fr": (
            "Atelier passé : la Marche mondiale des femmes",
            "Retour sur la Marche mondiale des femmes et ses revendications.",
        ),
        "en": (
            "Past workshop: the World March of Women",
            "A look back at the World March of Women and its demands.",
        ),
        "audience": "adultes",
        "format": "atelier",
        "mode": "presentiel",
        "themes": ["droits-des-femmes"],
        "venue": "cesiq",
        "dates": [(-20, 18, 2, 30)],
        "tickets": [("Entrée libre", "Free entry", "free", "0")],
    },
]


EVENT_BODY = {
    "fr": "<p>Une question sur l'accessibilité des lieux ou un besoin particulier ? Écrivez-nous "
    'depuis la page <a href="/nous-joindre/">Nous joindre</a> : nous vous répondrons avant '
    "l'activité.</p>",
    "en": "<p>A question about access to the venue or a particular need? Write to us from the "
    '<a href="/en/contact-us/">Contact us</a> page: we will answer before the activity.</p>',
}


def at(days, hour):
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def seed_discount_codes():
    from orders.models import DiscountCode

    DiscountCode.objects.get_or_create(
        code="PARTENAIRE",
        defaults={"kind": "percent", "value": Decimal("10"), "scope": "tickets"},
    )


def seed(home, locales):
    from events.models import (
        EventDate,
        EventIndexPage,
        EventPage,
        Question,
        Theme,
        TicketType,
        Venue,
    )

    seed_discount_codes()
    themes = {}
    for slug, fr_name, en_name in THEMES:
        theme, _ = Theme.objects.update_or_create(
            slug=slug, locale=locales["fr"], defaults={"name": fr_name}
        )
        Theme.objects.update_or_create(
            translation_key=theme.translation_key,
            locale=locales["en"],
            defaults={"name": en_name, "slug": slug},
        )
        themes[slug] = theme
    venues = {}
    for spec in VENUES:
        venue, _ = Venue.objects.update_or_create(
            name=spec["name"],
            locale=locales["fr"],
            defaults={
                "street_address": spec["street_address"],
                "city": "Québec",
                "accessibility": spec["accessibility"],
            },
        )
        Venue.objects.update_or_create(
            translation_key=venue.translation_key,
            locale=locales["en"],
            defaults={
                "name": spec["name"],
                "street_address": spec["street_address"],
                "city": "Québec",
                "accessibility": spec["accessibility_en"],
            },
        )
        venues[spec["key"]] = venue

    index = home.get_children().type(EventIndexPage).first()
    if index is None:
        index = EventIndexPage(
            title="Activités",
            slug="activites",
            show_in_menus=True,
            introduction="Ateliers, conférences, projections et animations pour tous les publics.",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    index = index.specific
    en_index = index.get_translation_or_none(locales["en"])
    if en_index is None:
        en_index = index.copy_for_translation(locales["en"]).specific
        en_index.title, en_index.slug = "Activities", "activities"
        en_index.introduction = "Workshops, talks, screenings and school sessions for everyone."
        en_index.save_revision().publish()

    for spec in ACTIVITIES:
        page = index.get_children().filter(slug=spec["slug"]).first()
        fields = {
            "summary": spec["fr"][1],
            "audience": spec["audience"],
            "format": spec["format"],
            "attendance_mode": spec["mode"],
            "venue": venues.get(spec["venue"]) if spec["venue"] else None,
            "status": spec.get("status", "scheduled"),
            "external_registration_url": spec.get("external", ""),
            "online_link": spec.get("online_link", ""),
            "organisers": spec.get("organisers", ("CÉSIQ", "CÉSIQ"))[0],
            # A school group is a whole class.
            "max_places_per_order": spec.get(
                "max_places", 40 if spec["audience"] == "scolaire" else 10
            ),
            "confirm_free_by_email": spec.get("confirm_by_email", False),
            # A school group may pay a school session by invoice (school boards pay so).
            "allow_invoice": spec["audience"] == "scolaire",
            # What the summary above it does not say (it repeated the summary word for word).
            "body": [("paragraph", EVENT_BODY["fr"])],
        }
        if page is None:
            page = EventPage(title=spec["fr"][0], slug=spec["slug"], **fields)
            index.add_child(instance=page)
        page = page.specific
        for name, value in fields.items():
            setattr(page, name, value)
        page.title = spec["fr"][0]
        page.themes.set([themes[t] for t in spec["themes"]])
        if not page.dates.exists():
            for days, hour, duration, capacity in spec["dates"]:
                page.dates.add(
                    EventDate(
                        start=at(days, hour),
                        end=at(days, hour) + timedelta(hours=duration),
                        capacity=capacity,
                    )
                )
        existing_tickets = {t.name for t in page.ticket_types.all()}
        for ticket in spec["tickets"]:
            if ticket[0] in existing_tickets:
                continue
            name, name_en, kind, price, *extra = ticket
            suggested = [extra[0]] if extra and extra[0] else []
            hidden = len(extra) > 1 and extra[1]
            members_only = len(extra) > 2 and extra[2]
            page.ticket_types.add(
                TicketType(
                    name=name,
                    name_en=name_en,
                    kind=kind,
                    price=Decimal(price),
                    suggested_price=Decimal(suggested[0]) if suggested else None,
                    # A school group is a whole class.
                    max_per_order=40 if spec["audience"] == "scolaire" else 10,
                    hidden_until_code=hidden,
                    members_only=members_only,
                )
            )
        if not page.questions.exists():
            for label, label_en, kind, choices, choices_en, required in spec.get("questions", []):
                page.questions.add(
                    Question(
                        label=label,
                        label_en=label_en,
                        kind=kind,
                        choices=choices,
                        choices_en=choices_en,
                        required=required,
                    )
                )
        page.save()  # so that the revision records the dates' and tickets' ids
        page.save_revision().publish()
        if spec.get("sold_out"):
            fill_with_demo_registrations(page)

        english = page.get_translation_or_none(locales["en"])
        if english is None:
            english = page.copy_for_translation(locales["en"])
        english = english.specific
        english.title, english.summary = spec["en"]
        english.slug = spec["slug"]
        english.organisers = spec.get("organisers", ("CÉSIQ", "CÉSIQ"))[1]
        english.body = [("paragraph", EVENT_BODY["en"])]
        english.venue = (
            venues[spec["venue"]].get_translation(locales["en"]) if spec["venue"] else None
        )
        english.themes.set([themes[t].get_translation(locales["en"]) for t in spec["themes"]])
        # Dates and tickets live on the French page only (EventPage.save leaves them out).
        english.save_revision().publish()
    return index


def fill_with_demo_registrations(page):
    """Take every place of the page's first date with demo registrations, and put two demo
    people on its waiting list (once: the seed is idempotent)."""
    from events import services
    from events.models import EventDate, TicketType, WaitingListEntry
    from orders.models import Order

    # From the database: the page object in hand may hold unsaved copies of its children.
    date = EventDate.objects.filter(page=page).order_by("start").first()
    if (
        Order.objects.filter(buyer_email__endswith="@demo.cesiq.example")
        .filter(lines__quotas=date.quota_id)
        .exists()
    ):
        return
    ticket = TicketType.objects.filter(page=page).first()
    for n in range(date.capacity // 2):
        services.register(
            page,
            date_id=date.pk,
            tickets=[(ticket, 2, None)],
            buyer_name=f"Participant·e démo {n + 1}",
            buyer_email=f"inscription{n + 1}@demo.cesiq.example",
            language="fr",
        )
    for n, places in enumerate([2, 1], start=1):
        WaitingListEntry.objects.get_or_create(
            date=date,
            email=f"attente{n}@demo.cesiq.example",
            defaults={"name": f"Personne en attente {n}", "places": places, "language": "fr"},
        )
