"""Demo teaching resources for `seed_demo`: the list (French and English, in the menu) and six
resources with their English translations, each a small PDF generated here (no file from the
internet, none committed) or a link to another site, tied to the activities' themes."""

import io

from django.core.files.base import ContentFile

INDEX = {
    "fr": (
        "Ressources pédagogiques",
        "ressources-pedagogiques",
        "Fiches d’activité, guides, jeux et trousses pour parler de solidarité "
        "internationale en classe, en maison de jeunes ou avec des adultes. Gratuits, à "
        "télécharger.",
    ),
    "en": (
        "Teaching resources",
        "teaching-resources",
        "Activity sheets, guides, games and kits to talk about international solidarity in "
        "class, at a youth centre or with adults. Free to download.",
    ),
}

# Each resource: its slug, how many days ago it was published, audience, format, levels,
# themes (slugs of devtools.demo.events.THEMES), language, whether it has a PDF and/or a link,
# then (title, summary, duration, body) in French and English.
RESOURCES = [
    {
        "slug": "trousse-commerce-equitable",
        "days_ago": 5,
        "audience": "scolaire",
        "format": "trousse",
        "levels": ["primaire-3", "secondaire-1", "secondaire-2"],
        "themes": ["souverainete-alimentaire", "decroissance"],
        "language": "fr",
        "pdf": True,
        "url": "",
        "fr": (
            "Trousse sur le commerce équitable",
            "D’où viennent le café, le cacao et le sucre ? Trois périodes pour suivre un "
            "produit du champ à l’épicerie et comprendre ce que change le commerce équitable.",
            "3 périodes de 75 min",
            "<p>La trousse contient un jeu de cartes, une carte du monde à imprimer et des "
            "pistes d’évaluation. Elle s’adapte au 3e cycle du primaire et au 1er cycle du "
            "secondaire.</p>",
        ),
        "en": (
            "Fair trade kit",
            "Where do coffee, cocoa and sugar come from? Three periods to follow a product "
            "from the field to the grocery store and see what fair trade changes.",
            "3 periods of 75 min",
            "<p>The kit holds a card game, a printable world map and assessment ideas. It "
            "suits grades 5 and 6 and the first years of high school.</p>",
        ),
    },
    {
        "slug": "fiche-eau-droit-humain",
        "days_ago": 12,
        "audience": "scolaire",
        "format": "fiche",
        "levels": ["primaire-2", "primaire-3"],
        "themes": ["droits-des-enfants", "justice-climatique"],
        "language": "fr",
        "pdf": True,
        "url": "",
        "fr": (
            "Fiche : l’eau, un droit humain",
            "Une activité d’une heure pour découvrir que l’accès à l’eau potable est un "
            "droit, et que des enfants marchent encore des heures chaque jour pour en avoir.",
            "60 min",
            "<p>Les élèves comparent une journée d’eau ici et ailleurs, puis rédigent une "
            "lettre à une élue ou un élu.</p>",
        ),
        "en": (
            "Activity sheet: water, a human right",
            "A one-hour activity to discover that access to drinking water is a right, and "
            "that children still walk for hours every day to get some.",
            "60 min",
            "<p>Students compare a day of water here and elsewhere, then write a letter to "
            "an elected official.</p>",
        ),
    },
    {
        "slug": "jeu-migrations-climatiques",
        "days_ago": 20,
        "audience": "jeunesse",
        "format": "jeu",
        "levels": ["secondaire-3", "secondaire-4", "secondaire-5", "cegep"],
        "themes": ["justice-climatique", "antiracisme"],
        "language": "fr",
        "pdf": True,
        "url": "",
        "fr": (
            "Jeu de rôle sur les migrations climatiques",
            "Chaque joueuse et chaque joueur incarne une personne forcée de quitter sa région "
            "à cause de sécheresses ou d’inondations : quelles frontières, quels droits ?",
            "90 min",
            "<p>Le jeu se joue en équipes de quatre à six, avec une animatrice ou un "
            "animateur. Un retour en groupe clôt la partie.</p>",
        ),
        "en": (
            "Role-play on climate migration",
            "Each player becomes a person forced to leave their region because of droughts "
            "or floods: which borders, which rights?",
            "90 min",
            "<p>The game is played in teams of four to six, with a facilitator. A group "
            "debrief closes it.</p>",
        ),
    },
    {
        "slug": "guide-discussion-racisme",
        "days_ago": 35,
        "audience": "adultes",
        "format": "guide",
        "levels": ["cegep", "adultes"],
        "themes": ["antiracisme"],
        "language": "fr-en",
        "pdf": True,
        "url": "",
        "fr": (
            "Guide : animer une discussion sur le racisme systémique",
            "Des repères pour animer un échange respectueux sur le racisme au travail, au "
            "logement et à l’école, avec des adultes ou des cégépiens.",
            "2 h",
            "<p>Le guide propose des règles de discussion, des mises en situation et des "
            "ressources pour aller plus loin.</p>",
        ),
        "en": (
            "Guide: leading a discussion on systemic racism",
            "Pointers to lead a respectful conversation about racism at work, in housing and "
            "at school, with adults or college students.",
            "2 h",
            "<p>The guide offers ground rules, role-play situations and resources to go "
            "further.</p>",
        ),
    },
    {
        "slug": "video-femmes-nourrissent-le-monde",
        "days_ago": 50,
        "audience": "jeunesse",
        "format": "video",
        "levels": ["secondaire-4", "secondaire-5"],
        "themes": ["droits-des-femmes", "souverainete-alimentaire"],
        "language": "fr",
        "pdf": False,
        "url": "https://video.example.org/femmes-qui-nourrissent-le-monde",
        "fr": (
            "Vidéo : des femmes qui nourrissent le monde",
            "Un court documentaire sur des agricultrices du Sénégal et du Guatemala, avec des "
            "questions pour en discuter après le visionnement.",
            "12 min",
            "<p>Sous-titres en français. Les questions de discussion sont ci-dessous.</p>",
        ),
        "en": (
            "Video: women who feed the world",
            "A short documentary on women farmers in Senegal and Guatemala, with questions to "
            "discuss after watching.",
            "12 min",
            "<p>French subtitles. The discussion questions are below.</p>",
        ),
    },
    {
        "slug": "fiche-consommer-moins",
        "days_ago": 70,
        "audience": "adultes",
        "format": "fiche",
        "levels": [],
        "themes": ["decroissance"],
        "language": "fr",
        "pdf": True,
        "url": "https://decroissance.example.org/atelier",
        "fr": (
            "Fiche : consommer moins, vivre mieux ?",
            "Une activité d’atelier pour groupes d’adultes : nos besoins, nos envies et ce "
            "que la décroissance propose.",
            "45 min",
            "<p>À utiliser en groupe communautaire ou en francisation.</p>",
        ),
        "en": (
            "Activity sheet: consume less, live better?",
            "A workshop activity for adult groups: our needs, our wants and what degrowth "
            "suggests.",
            "45 min",
            "<p>For community groups or French-language classes.</p>",
        ),
    },
]


def publish(page, fields):
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()


def _translation(page, locale):
    english = page.get_translation_or_none(locale)
    if english is None:
        english = page.copy_for_translation(locale)
    return english.specific


def resource_pdf(slug, title, summary):
    """A one-page PDF for a resource, made here; found again by its title on a second run."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas
    from wagtail.documents import get_document_model
    from wagtail.models import Collection

    Document = get_document_model()
    existing = Document.objects.filter(title=title).first()
    if existing:
        return existing
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter, invariant=1)
    pdf.setTitle(title)
    pdf.drawString(72, 720, title)
    pdf.drawString(72, 700, "CÉSIQ — Ressources pédagogiques")
    for line, y in zip(_lines(summary, 85), range(670, 400, -18), strict=False):
        pdf.drawString(72, y, line)
    pdf.showPage()
    pdf.save()
    document = Document(title=title, collection=Collection.get_first_root_node())
    document.file.save(f"{slug}.pdf", ContentFile(buffer.getvalue()), save=False)
    # What the admin's upload form records, and the page shows: "(PDF, 1,6 Ko)".
    document.file_size = len(buffer.getvalue())
    document._set_file_hash()
    document.save()
    return document


def _lines(text, width):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line] if line else lines


def seed_index(home, locales):
    from resources.models import ResourceIndexPage

    title, slug, intro = INDEX["fr"]
    index = home.get_children().type(ResourceIndexPage).first()
    if index is None:
        index = ResourceIndexPage(title=title, slug=slug, locale=locales["fr"])
        home.add_child(instance=index)
    index = index.specific
    publish(index, {"title": title, "introduction": intro, "show_in_menus": True})
    title, slug, intro = INDEX["en"]
    publish(
        _translation(index, locales["en"]),
        {"title": title, "slug": slug, "introduction": intro, "show_in_menus": True},
    )
    return index


def seed_resources(index, locales):
    from datetime import timedelta

    from django.utils import timezone

    from events.models import Theme
    from resources.models import ResourcePage

    today = timezone.localdate()
    for spec in RESOURCES:
        title, summary, duration, _body = spec["fr"]
        document = resource_pdf(spec["slug"], title, summary) if spec["pdf"] else None
        page = index.get_children().filter(slug=spec["slug"]).first()
        if page is None:
            page = ResourcePage(
                title=title,
                slug=spec["slug"],
                summary=summary,
                audience=spec["audience"],
                format=spec["format"],
                document=document,
                external_url=spec["url"],
                locale=locales["fr"],
            )
            index.add_child(instance=page)
        pages = {"fr": page.specific, "en": _translation(page.specific, locales["en"])}
        for lang, resource in pages.items():
            title, summary, duration, body = spec[lang]
            resource.themes.set(Theme.objects.filter(slug__in=spec["themes"], locale=locales[lang]))
            publish(
                resource,
                {
                    "title": title,
                    "slug": spec["slug"],
                    "summary": summary,
                    "body": [("paragraph", body)],
                    "document": document,
                    "external_url": spec["url"],
                    "audience": spec["audience"],
                    "format": spec["format"],
                    "levels": spec["levels"],
                    "duration": duration,
                    "language": spec["language"],
                    "date": today - timedelta(days=spec["days_ago"]),
                },
            )


def seed(home, locales):
    index = seed_index(home, locales)
    seed_resources(index, locales)
