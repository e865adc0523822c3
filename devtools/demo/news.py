"""Demo editorial content for `seed_demo`: a questions page that uses every body block (it is
also what the accessibility and HTML checks read), in French and English."""

import io

from django.core.files.base import ContentFile

FAQ_SLUG = "questions-frequentes"


def demo_image():
    from wagtail.images import get_image_model

    return get_image_model().objects.filter(title="Illustration CÉSIQ").first()


def demo_document():
    """A small PDF guide generated here, so the demo needs no file from the internet."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas
    from wagtail.documents import get_document_model
    from wagtail.models import Collection

    Document = get_document_model()
    title = "Guide pédagogique : la justice climatique"
    existing = Document.objects.filter(title=title).first()
    if existing:
        return existing
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter, invariant=1)
    pdf.setTitle(title)
    pdf.drawString(72, 720, title)
    pdf.drawString(
        72, 700, "CÉSIQ — Carrefour d'éducation à la solidarité internationale de Québec"
    )
    pdf.drawString(72, 680, "Activités pour le 2e et le 3e cycle du primaire et le secondaire.")
    pdf.showPage()
    pdf.save()
    document = Document(title=title, collection=Collection.get_first_root_node())
    document.file.save("guide-justice-climatique.pdf", ContentFile(buffer.getvalue()), save=False)
    # What the admin's upload form records, and the page shows: "(PDF, 1,2 Ko)".
    document.file_size = len(buffer.getvalue())
    document._set_file_hash()
    document.save()
    return document


def faq_body(lang, activities):
    image, document = demo_image(), demo_document()
    fr = lang == "fr"
    table = {
        "caption": "Tarifs des animations scolaires, par élève"
        if fr
        else "School session prices, per student",
        "columns": [
            {"type": "text", "heading": "Animation" if fr else "Session"},
            {"type": "text", "heading": "Durée" if fr else "Length"},
            {"type": "numeric", "heading": "Tarif par élève" if fr else "Price per student"},
        ],
        "rows": [
            {"values": ["Droits des enfants" if fr else "Children's rights", "75 min", "4,00 $"]},
            {"values": ["Justice climatique" if fr else "Climate justice", "90 min", "4,50 $"]},
            {
                "values": [
                    "Commerce équitable" if fr else "Fair trade",
                    "2 h" if fr else "2 h",
                    "5,00 $",
                ]
            },
        ],
    }
    if fr:
        questions = [
            (
                "Comment réserver une animation pour ma classe ?",
                "<p>Écrivez-nous au moins trois semaines à l'avance en précisant le niveau, "
                "le nombre d'élèves et les dates qui vous conviennent. Nous vous proposons "
                "une animatrice ou un animateur et une date.</p>",
            ),
            (
                "Les activités sont-elles accessibles ?",
                "<p>Nos salles sont de plain-pied et nous offrons une boucle magnétique sur "
                "demande. Dites-nous vos besoins lors de l'inscription : nous nous adaptons.</p>",
            ),
            (
                "Mon organisme peut-il rejoindre le réseau ?",
                "<p>Oui : tout organisme de coopération internationale ou de solidarité de la "
                "région de Québec peut devenir membre. Les membres annoncent leurs activités "
                "sur notre calendrier.</p>",
            ),
        ]
        return [
            (
                "accordion",
                {
                    "title": "Questions fréquentes",
                    "items": [{"question": q, "answer": a} for q, a in questions],
                },
            ),
            (
                "image_text",
                {
                    "image": image,
                    "alt_text": "",
                    "title": "Des animations pour toutes les classes",
                    "text": "<p>Du primaire au cégep, nos animations partent des questions "
                    "des jeunes : d'où vient mon chandail ? pourquoi des gens quittent-ils "
                    "leur pays ? Elles durent de 75 minutes à une demi-journée.</p>",
                    "image_position": "left",
                },
            ),
            ("table", {"table": table, "row_headers": True}),
            (
                "video",
                {
                    "url": "https://www.youtube.com/watch?v=cesiq-justice-climatique",
                    "title": "La justice climatique expliquée en cinq minutes",
                    "thumbnail": image,
                    "duration": "5 min",
                    "description": "Une courte vidéo pour ouvrir la discussion en classe.",
                    "captions": True,
                },
            ),
            (
                "document_link",
                {
                    "document": document,
                    "label": "Guide pédagogique : la justice climatique",
                    "description": "Pistes d'activités pour le primaire et le secondaire.",
                },
            ),
            (
                "call_to_action",
                {
                    "title": "Envie de participer ?",
                    "text": "Consultez le calendrier des ateliers, conférences et projections.",
                    "button_label": "Voir les activités",
                    "page": activities,
                    "external_url": "",
                },
            ),
        ]
    questions = [
        (
            "How do I book a session for my class?",
            "<p>Write to us at least three weeks ahead with the grade, the number of "
            "students and the dates that suit you. We will suggest a facilitator and a "
            "date.</p>",
        ),
        (
            "Are the activities accessible?",
            "<p>Our rooms are step-free and we offer a hearing loop on request. Tell us "
            "what you need when you register: we adapt.</p>",
        ),
        (
            "Can my organisation join the network?",
            "<p>Yes: any international cooperation or solidarity organisation of the "
            "Québec City region can become a member. Members announce their activities "
            "on our calendar.</p>",
        ),
    ]
    return [
        (
            "accordion",
            {
                "title": "Frequently asked questions",
                "items": [{"question": q, "answer": a} for q, a in questions],
            },
        ),
        (
            "image_text",
            {
                "image": image,
                "alt_text": "",
                "title": "Sessions for every class",
                "text": "<p>From elementary school to CEGEP, our sessions start from young "
                "people's questions: where does my sweater come from? why do people leave "
                "their country? They last from 75 minutes to half a day.</p>",
                "image_position": "left",
            },
        ),
        ("table", {"table": table, "row_headers": True}),
        (
            "video",
            {
                "url": "https://www.youtube.com/watch?v=cesiq-justice-climatique",
                "title": "Climate justice explained in five minutes",
                "thumbnail": image,
                "duration": "5 min",
                "description": "A short video to start the discussion in class (in French).",
                "captions": True,
            },
        ),
        (
            "document_link",
            {
                "document": document,
                "label": "Teaching guide: climate justice (in French)",
                "description": "Activity ideas for elementary and high school.",
            },
        ),
        (
            "call_to_action",
            {
                "title": "Want to take part?",
                "text": "See the calendar of workshops, talks and screenings.",
                "button_label": "See the activities",
                "page": activities,
                "external_url": "",
            },
        ),
    ]


def publish(page, fields):
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()


def seed_faq(home, locales):
    from events.models import EventIndexPage
    from home.models import StandardPage

    activities = home.get_children().type(EventIndexPage).first()
    page = home.get_children().filter(slug=FAQ_SLUG).first()
    if page is None:
        page = StandardPage(title="Questions fréquentes", slug=FAQ_SLUG, locale=locales["fr"])
        home.add_child(instance=page)
    page = page.specific
    publish(
        page,
        {
            "title": "Questions fréquentes",
            "introduction": "Réserver une animation, l'accessibilité de nos activités, "
            "rejoindre le réseau : les réponses aux questions qu'on nous pose le plus.",
            "body": faq_body("fr", activities),
        },
    )
    english = page.get_translation_or_none(locales["en"])
    if english is None:
        english = page.copy_for_translation(locales["en"])
    publish(
        english.specific,
        {
            "title": "Frequently asked questions",
            "slug": "faq",
            "introduction": "Booking a school session, the accessibility of our activities, "
            "joining the network: answers to the questions we hear most.",
            "body": faq_body("en", activities),
        },
    )
    return page


# --- news and campaigns ------------------------------------------------------------------

INDEX = {
    "fr": (
        "Actualités",
        "actualites",
        "Les nouvelles du CÉSIQ et de son réseau : "
        "mobilisations, animations, campagnes et vie de la boutique équitable.",
    ),
    "en": (
        "News",
        "news",
        "News from CÉSIQ and its network: mobilisations, school "
        "sessions, campaigns and life at the fair-trade shop.",
    ),
}

# slug, days ago, author, themes, related activities, {lang: (title, intro, body, tags)}
ARTICLES = [
    {
        "slug": "justice-climatique-militantes-du-sud",
        "days_ago": 3,
        "author": "Camille Tremblay",
        "themes": ["justice-climatique"],
        "activities": ["conference-justice-climatique"],
        "fr": (
            "Justice climatique : trois militantes du Sud en tournée à Québec",
            "Du Sénégal, du Honduras et du Bangladesh, trois militantes viennent raconter "
            "comment leurs communautés vivent la crise climatique et s'y opposent.",
            [
                "<p>Elles cultivent, pêchent, enseignent. Et toutes trois voient déjà leur "
                "quotidien bouleversé : sécheresses plus longues, ouragans plus violents, "
                "terres salinisées. Pour elles, la crise climatique n'est pas un scénario : "
                "c'est une question de justice entre ceux qui polluent et celles qui en paient "
                "le prix.</p>",
                "<p>Leur tournée, organisée avec des organismes membres du réseau, passe par "
                "des cégeps, une école secondaire et une conférence publique au CÉSIQ. Entrée "
                "libre, interprétation en français.</p>",
            ],
            ["conférence", "climat"],
        ),
        "en": (
            "Climate justice: three activists from the South on tour in Québec City",
            "From Senegal, Honduras and Bangladesh, three activists come to tell how their "
            "communities live through the climate crisis and push back.",
            [
                "<p>They farm, fish, teach. And all three already see their daily lives "
                "upended: longer droughts, fiercer hurricanes, salted land. For them the "
                "climate crisis is not a scenario: it is a matter of justice between those who "
                "pollute and those who pay the price.</p>",
                "<p>Their tour, organised with member organisations of the network, visits "
                "CEGEPs, a high school and a public talk at CÉSIQ. Free entry, French "
                "interpretation.</p>",
            ],
            ["talk", "climate"],
        ),
    },
    {
        "slug": "12-jours-violence-faite-aux-femmes",
        "days_ago": 6,
        "author": "",
        "themes": ["droits-des-femmes"],
        "activities": ["projection-semences"],
        "fr": (
            "Le CÉSIQ se joint aux 12 jours d'action contre la violence faite aux femmes",
            "Projections, ateliers et vigile : le réseau se mobilise du 25 novembre au "
            "6 décembre pour dénoncer les violences faites aux femmes, ici et ailleurs.",
            [
                "<p>Chaque année, les 12 jours d'action rappellent que la violence faite aux "
                "femmes n'a pas de frontières. Cette année, le CÉSIQ et ses partenaires mettent "
                "en lumière les défenseuses de la terre et des semences, souvent menacées "
                "pour leur engagement.</p>",
                "<p>Au programme : une projection-discussion, un atelier pour les jeunes et "
                "une vigile le 6 décembre. Toutes les activités sont gratuites.</p>",
            ],
            ["mobilisation", "féminisme"],
        ),
        "en": (
            "CÉSIQ joins the 12 days of action against violence against women",
            "Screenings, workshops and a vigil: the network mobilises from November 25 to "
            "December 6 to denounce violence against women, here and elsewhere.",
            [
                "<p>Every year the 12 days of action remind us that violence against women "
                "knows no borders. This year CÉSIQ and its partners highlight women who "
                "defend land and seeds, often threatened for their commitment.</p>",
                "<p>On the programme: a screening and discussion, a workshop for youth and a "
                "vigil on December 6. All activities are free.</p>",
            ],
            ["mobilisation", "feminism"],
        ),
    },
    {
        "slug": "nouvelle-animation-droits-des-enfants",
        "days_ago": 13,
        "author": "Équipe d'animation",
        "themes": ["droits-des-enfants"],
        "activities": ["animation-droits-enfants"],
        "fr": (
            "Une nouvelle animation scolaire sur les droits des enfants",
            "Conçue avec des enseignantes du primaire, l'animation fait découvrir la "
            "Convention relative aux droits de l'enfant par le jeu et les récits.",
            [
                "<p>Pendant 75 minutes, les élèves suivent le parcours de quatre enfants du "
                "Guatemala, du Burkina Faso, d'Inde et de Québec. Ils comparent leurs droits, "
                "leurs rêves et les obstacles qu'ils rencontrent.</p>",
                "<p>L'animation s'adresse aux classes du 2e et du 3e cycle. Les écoles de la "
                "région peuvent la réserver dès maintenant.</p>",
            ],
            ["écoles", "animation"],
        ),
        "en": (
            "A new school session on children's rights",
            "Designed with elementary teachers, the session introduces the Convention on the "
            "Rights of the Child through games and stories.",
            [
                "<p>For 75 minutes, students follow four children from Guatemala, Burkina "
                "Faso, India and Québec City. They compare their rights, their dreams and the "
                "obstacles they meet.</p>",
                "<p>The session is for grades 3 to 6. Schools of the region can book it now.</p>",
            ],
            ["schools", "school session"],
        ),
    },
    {
        "slug": "cafe-equitable-nouvelle-cooperative",
        "days_ago": 21,
        "author": "",
        "themes": ["souverainete-alimentaire"],
        "activities": ["atelier-consommation-equitable"],
        "fr": (
            "Boutique équitable : un café d'une nouvelle coopérative péruvienne",
            "La boutique accueille le café d'une coopérative de petits producteurs et "
            "productrices des Andes, certifié équitable et biologique.",
            [
                "<p>La coopérative regroupe 300 familles qui cultivent le café à plus de "
                "1 500 mètres d'altitude. La prime équitable finance une école et un "
                "programme de reboisement.</p>",
                "<p>Venez le goûter lors de notre atelier sur la consommation équitable, ou "
                "commandez-le en ligne.</p>",
            ],
            ["boutique", "commerce équitable"],
        ),
        "en": (
            "Fair-trade shop: coffee from a new Peruvian cooperative",
            "The shop welcomes coffee from a cooperative of small farmers in the Andes, "
            "fair-trade and organic certified.",
            [
                "<p>The cooperative brings together 300 families who grow coffee more than "
                "1,500 metres above sea level. The fair-trade premium funds a school and a "
                "reforestation programme.</p>",
                "<p>Taste it at our fair-trade shopping workshop, or order it online.</p>",
            ],
            ["shop", "fair trade"],
        ),
    },
    {
        "slug": "semaine-contre-le-racisme-appel-aux-membres",
        "days_ago": 28,
        "author": "Karim Benali",
        "themes": ["antiracisme"],
        "activities": ["formation-citoyennete-mondiale"],
        "fr": (
            "Semaine d'actions contre le racisme : appel aux organismes membres",
            "Les organismes du réseau sont invités à proposer leurs activités pour la "
            "prochaine Semaine d'actions contre le racisme.",
            [
                "<p>Conférences, ateliers, expositions, soirées de contes : toutes les formes "
                "sont bienvenues. Le CÉSIQ relaie la programmation et offre une formation sur "
                "l'animation de discussions sur le racisme.</p>",
                "<p>Les propositions sont reçues jusqu'à la fin du mois.</p>",
            ],
            ["réseau", "mobilisation"],
        ),
        "en": (
            "Week of action against racism: a call to member organisations",
            "Network organisations are invited to submit their activities for the next "
            "Week of action against racism.",
            [
                "<p>Talks, workshops, exhibitions, storytelling nights: every format is "
                "welcome. CÉSIQ shares the programme and offers training on leading "
                "discussions about racism.</p>",
                "<p>Proposals are accepted until the end of the month.</p>",
            ],
            ["network", "mobilisation"],
        ),
    },
]

# Dates are relative to the day the seed runs, so that the demo's campaigns always gather
# upcoming activities (the real 12 days run from November 25 to December 6).
CAMPAIGNS = [
    {
        "slug": "12-jours-action-violence-femmes",
        "start": 5,
        "end": 16,
        "themes": ["droits-des-femmes"],
        "partners": [
            ("Marche mondiale des femmes — Coordination du Québec", ""),
            ("CAPMO", ""),
            ("Amnistie internationale Canada francophone", ""),
        ],
        "cta": "activities",
        "fr": (
            "12 jours d'action contre la violence faite aux femmes",
            "Douze jours pour briser le silence sur les violences faites aux femmes, du "
            "harcèlement aux féminicides, et pour soutenir celles qui résistent partout "
            "dans le monde.",
            "<p>Les 12 jours d'action commencent le 25 novembre, Journée internationale pour "
            "l'élimination de la violence à l'égard des femmes, et se terminent le 6 décembre, "
            "jour de commémoration de la tuerie de Polytechnique. Le CÉSIQ y relaie les "
            "activités de ses membres.</p>",
            "Voir le calendrier",
        ),
        "en": (
            "12 days of action against violence against women",
            "Twelve days to break the silence on violence against women, from harassment to "
            "femicide, and to support those who resist all over the world.",
            "<p>The 12 days of action start on November 25, International Day for the "
            "Elimination of Violence against Women, and end on December 6, the day we remember "
            "the École Polytechnique massacre. CÉSIQ shares its members' activities.</p>",
            "See the calendar",
        ),
    },
    {
        "slug": "semaine-actions-contre-racisme",
        "start": 35,
        "end": 41,
        "themes": ["antiracisme"],
        "partners": [("RÉPAC", ""), ("AQOCI", ""), ("Amnistie internationale", "")],
        "cta": "https://www.example.org/semaine-contre-le-racisme",
        "fr": (
            "Semaine d'actions contre le racisme",
            "Une semaine pour comprendre le racisme systémique et agir contre lui : "
            "conférences, ateliers, formations et rencontres partout dans la région.",
            "<p>Le racisme ne se résume pas à des gestes individuels : il traverse le "
            "logement, l'emploi, l'école et la santé. Pendant la Semaine d'actions contre le "
            "racisme, les organismes du réseau proposent des espaces pour en parler et "
            "agir.</p>",
            "Programmation complète",
        ),
        "en": (
            "Week of action against racism",
            "A week to understand systemic racism and act against it: talks, workshops, "
            "training and meetings across the region.",
            "<p>Racism is not only individual acts: it runs through housing, work, school and "
            "health. During the Week of action against racism, network organisations offer "
            "spaces to talk about it and act.</p>",
            "Full programme",
        ),
    },
]


def _themes(slugs, locale):
    from events.models import Theme

    return list(Theme.objects.filter(slug__in=slugs, locale=locale))


def _activities(slugs, locale):
    from events.models import EventPage

    return list(EventPage.objects.filter(slug__in=slugs, locale=locale))


def seed_index(home, locales):
    from news.models import NewsIndexPage

    title, slug, intro = INDEX["fr"]
    index = home.get_children().type(NewsIndexPage).first()
    if index is None:
        index = NewsIndexPage(title=title, slug=slug, locale=locales["fr"])
        home.add_child(instance=index)
    index = index.specific
    publish(index, {"title": title, "introduction": intro, "show_in_menus": True})
    english = index.get_translation_or_none(locales["en"])
    if english is None:
        english = index.copy_for_translation(locales["en"])
    title, slug, intro = INDEX["en"]
    publish(
        english.specific,
        {"title": title, "slug": slug, "introduction": intro, "show_in_menus": True},
    )
    return index


def _translation(page, locale):
    english = page.get_translation_or_none(locale)
    if english is None:
        english = page.copy_for_translation(locale)
    return english.specific


def seed_articles(index, locales):
    from datetime import timedelta

    from django.utils import timezone

    from news.models import ArticlePage

    image = demo_image()
    today = timezone.localdate()
    for spec in ARTICLES:
        page = index.get_children().filter(slug=spec["slug"]).first()
        title, intro, body, _tags = spec["fr"]
        if page is None:
            page = ArticlePage(
                title=title, slug=spec["slug"], introduction=intro, locale=locales["fr"]
            )
            index.add_child(instance=page)
        pages = {"fr": page.specific, "en": _translation(page.specific, locales["en"])}
        for lang, article in pages.items():
            title, intro, body, tags = spec[lang]
            article.themes.set(_themes(spec["themes"], locales[lang]))
            article.related_activities.set(_activities(spec["activities"], locales["fr"]))
            article.tags.set(tags)
            publish(
                article,
                {
                    "title": title,
                    "slug": spec["slug"],
                    "date": today - timedelta(days=spec["days_ago"]),
                    "author": spec["author"],
                    "introduction": intro,
                    "image": image if spec["days_ago"] < 10 else None,
                    "image_alt": "",
                    "body": [("paragraph", paragraph) for paragraph in body],
                },
            )


def seed_campaigns(home, index, locales):
    from datetime import timedelta

    from django.utils import timezone

    from events.models import EventIndexPage
    from news.models import CampaignPage, CampaignPartner

    activities = home.get_children().type(EventIndexPage).first()
    today = timezone.localdate()
    for spec in CAMPAIGNS:
        page = index.get_children().filter(slug=spec["slug"]).first()
        title, intro, body, label = spec["fr"]
        if page is None:
            page = CampaignPage(
                title=title,
                slug=spec["slug"],
                introduction=intro,
                start_date=today + timedelta(days=spec["start"]),
                end_date=today + timedelta(days=spec["end"]),
                locale=locales["fr"],
            )
            index.add_child(instance=page)
        pages = {"fr": page.specific, "en": _translation(page.specific, locales["en"])}
        for lang, campaign in pages.items():
            title, intro, body, label = spec[lang]
            campaign.themes.set(_themes(spec["themes"], locales[lang]))
            campaign.partners = [CampaignPartner(name=n, url=u) for n, u in spec["partners"]]
            external = spec["cta"].startswith("http")
            publish(
                campaign,
                {
                    "title": title,
                    "slug": spec["slug"],
                    "introduction": intro,
                    "start_date": today + timedelta(days=spec["start"]),
                    "end_date": today + timedelta(days=spec["end"]),
                    "image": demo_image() if spec["start"] < 10 else None,
                    "body": [("paragraph", body)],
                    "cta_label": label,
                    "cta_page": None if external else activities,
                    "cta_url": spec["cta"] if external else "",
                },
            )


def seed(home, locales):
    seed_faq(home, locales)
    index = seed_index(home, locales)
    seed_articles(index, locales)
    seed_campaigns(home, index, locales)
