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


def seed(home, locales):
    seed_faq(home, locales)
