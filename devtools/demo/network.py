"""Demo member network for `seed_demo`: the directory page in French and English, in the main
menu after "Nos partenaires", and organisations of the Québec City network (public
organisations, no personal data) with their themes and regions. Each has an English copy but
one, which the English directory shows in French until it is translated."""

import io

INDEX = {
    "fr": (
        "Le réseau",
        "reseau",
        "Les organismes de coopération internationale et de solidarité sociale que le CÉSIQ "
        "rassemble dans la région de Québec et au-delà.",
    ),
    "en": (
        "The network",
        "network",
        "The international cooperation and social solidarity organisations CÉSIQ brings "
        "together in the Québec City region and beyond.",
    ),
}

# slug, region, themes, website, logo colour (None: no logo), {lang: (name, mission)};
# no "en": French only (shown in French in the English directory).
ORGANISATIONS = [
    {
        "slug": "aqoci",
        "region": "national",
        "themes": ["justice-climatique", "droits-des-femmes"],
        "website": "https://www.aqoci.qc.ca/",
        "logo": "#0b6e4f",
        "fr": (
            "AQOCI",
            "L'Association québécoise des organismes de coopération internationale regroupe "
            "les organismes du Québec qui travaillent, ici et ailleurs, au développement "
            "durable et humain.",
        ),
        "en": (
            "AQOCI",
            "The Québec association of international cooperation organisations brings together "
            "the Québec organisations working, here and abroad, for sustainable human "
            "development.",
        ),
    },
    {
        "slug": "amnistie-internationale-quebec",
        "region": "capitale-nationale",
        "themes": ["droits-des-femmes", "droits-des-enfants", "antiracisme"],
        "website": "https://amnistie.ca/",
        "logo": "#f4c95d",
        "fr": (
            "Amnistie internationale — groupe de Québec",
            "Des bénévoles de Québec qui défendent les droits humains : pétitions, "
            "vigiles, marathon d'écriture de lettres et ateliers dans les écoles.",
        ),
        "en": (
            "Amnesty International — Québec City group",
            "Volunteers in Québec City who defend human rights: petitions, vigils, the "
            "letter-writing marathon and workshops in schools.",
        ),
    },
    {
        "slug": "capmo",
        "region": "capitale-nationale",
        "themes": ["decroissance", "antiracisme"],
        "website": "",
        "logo": None,
        "fr": (
            "CAPMO",
            "Le Carrefour d'animation et de participation à un monde ouvert réunit des "
            "personnes en situation de pauvreté et des allié·es pour réfléchir et agir "
            "ensemble contre les exclusions.",
        ),
        "en": (
            "CAPMO",
            "The Carrefour d'animation et de participation à un monde ouvert brings people "
            "living in poverty and their allies together to think and act against exclusion.",
        ),
    },
    {
        "slug": "repac-03-12",
        "region": "capitale-nationale",
        "themes": ["decroissance", "souverainete-alimentaire"],
        "website": "",
        "logo": None,
        "fr": (
            "RÉPAC 03-12",
            "Le Regroupement d'éducation populaire en action communautaire des régions de "
            "Québec et Chaudière-Appalaches soutient l'éducation populaire autonome de ses "
            "groupes membres.",
        ),
        "en": (
            "RÉPAC 03-12",
            "The popular education network of the Québec City and Chaudière-Appalaches "
            "regions supports its member groups' independent popular education.",
        ),
    },
    {
        "slug": "oxfam-quebec",
        "region": "national",
        "themes": ["souverainete-alimentaire", "droits-des-femmes", "justice-climatique"],
        "website": "https://oxfam.qc.ca/",
        "logo": "#e4572e",
        "fr": (
            "Oxfam-Québec",
            "Oxfam-Québec lutte contre les inégalités et la pauvreté avec ses partenaires du "
            "Sud, en soutenant en particulier les droits des femmes.",
        ),
        "en": (
            "Oxfam-Québec",
            "Oxfam-Québec fights inequality and poverty with its partners in the Global South, "
            "with a focus on women's rights.",
        ),
    },
    {
        "slug": "developpement-et-paix",
        "region": "national",
        "themes": ["souverainete-alimentaire", "justice-climatique"],
        "website": "https://www.devp.org/",
        "logo": None,
        "fr": (
            "Développement et Paix — Caritas Canada",
            "Un mouvement de solidarité qui appuie des organisations du Sud et sensibilise "
            "la population d'ici aux causes de la pauvreté.",
        ),
        "en": (
            "Development and Peace — Caritas Canada",
            "A solidarity movement that supports organisations in the Global South and raises "
            "awareness here of the causes of poverty.",
        ),
    },
    {
        "slug": "comite-solidarite-levis",
        "region": "chaudiere-appalaches",
        "themes": ["souverainete-alimentaire", "decroissance"],
        "website": "",
        "logo": None,
        "fr": (
            "Comité de solidarité internationale de Lévis",
            "Un groupe citoyen de la Rive-Sud qui organise chaque printemps une foire du "
            "commerce équitable et des causeries sur la souveraineté alimentaire.",
        ),
    },
    {
        "slug": "femmes-du-monde-quebec",
        "region": "capitale-nationale",
        "themes": ["droits-des-femmes", "antiracisme"],
        "website": "",
        "logo": "#17bebb",
        "fr": (
            "Collectif Femmes du monde de Québec",
            "Des femmes immigrantes et d'ici qui organisent des cercles de parole, des "
            "ateliers d'autodéfense et la marche du 8 mars.",
        ),
        "en": (
            "Women of the World Collective of Québec City",
            "Immigrant and local women who hold talking circles, self-defence workshops and "
            "the March 8 walk.",
        ),
    },
    {
        "slug": "carrefour-solidarite-estrie",
        "region": "estrie",
        "themes": ["justice-climatique", "droits-des-enfants"],
        "website": "",
        "logo": None,
        "fr": (
            "Carrefour de solidarité internationale de l'Estrie",
            "Stages de solidarité, éducation à la citoyenneté mondiale et projets de "
            "coopération avec des partenaires d'Amérique latine et d'Afrique.",
        ),
        "en": (
            "Estrie International Solidarity Centre",
            "Solidarity internships, global citizenship education and cooperation projects "
            "with partners in Latin America and Africa.",
        ),
    },
]


def publish(page, fields):
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()


def partners_page(home):
    return home.get_children().filter(slug="partenaires").first()


def seed_index(home, locales):
    from network.models import NetworkDirectoryPage

    title, slug, intro = INDEX["fr"]
    index = home.get_children().type(NetworkDirectoryPage).first()
    if index is None:
        index = NetworkDirectoryPage(title=title, slug=slug, locale=locales["fr"])
        home.add_child(instance=index)
        # In the menu right after "Nos partenaires".
        partners = partners_page(home)
        if partners is not None:
            index.move(partners, pos="right")
            index.refresh_from_db()
    index = index.specific
    publish(index, {"title": title, "introduction": intro, "show_in_menus": True})
    english = index.get_translation_or_none(locales["en"])
    if english is None:
        english = index.copy_for_translation(locales["en"])
        partners = partners_page(home)
        partners = partners and partners.get_translation_or_none(locales["en"])
        if partners is not None:
            english.move(partners, pos="right")
            english.refresh_from_db()
    title, slug, intro = INDEX["en"]
    publish(
        english.specific,
        {"title": title, "slug": slug, "introduction": intro, "show_in_menus": True},
    )
    return index


def logo(slug, colour):
    """A generated logo (a coloured disc and the initials), so the demo needs no file from the
    internet."""
    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from PIL import ImageDraw
    from wagtail.images import get_image_model
    from wagtail.models import Collection

    Image = get_image_model()
    title = f"Logo démo — {slug}"
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    canvas = PILImage.new("RGB", (320, 160), "#ffffff")
    draw = ImageDraw.Draw(canvas)
    draw.ellipse((20, 20, 140, 140), fill=colour)
    draw.rectangle((160, 60, 300, 100), fill=colour)
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    image = Image(title=title, collection=Collection.get_first_root_node())
    image.file = ImageFile(buffer, name=f"logo-{slug}.png")
    image.save()
    return image


def seed_organisations(locales):
    from events.models import Theme
    from network.models import MemberOrganisation

    for spec in ORGANISATIONS:
        image = logo(spec["slug"], spec["logo"]) if spec["logo"] else None
        french = None
        for lang in ("fr", "en"):
            if lang not in spec:
                continue
            name, mission = spec[lang]
            locale = locales[lang]
            organisation = MemberOrganisation.objects.filter(
                slug=spec["slug"], locale=locale
            ).first()
            if organisation is None:
                organisation = (
                    french.copy_for_translation(locale)
                    if french is not None
                    else MemberOrganisation(slug=spec["slug"], locale=locale)
                )
            organisation.name = name
            organisation.mission = mission
            organisation.website = spec["website"]
            organisation.region = spec["region"]
            organisation.logo = image
            organisation.save()
            organisation.themes.set(Theme.objects.filter(slug__in=spec["themes"], locale=locale))
            organisation.save()
            organisation.save_revision().publish()
            french = french or organisation


def seed(home, locales):
    seed_index(home, locales)
    seed_organisations(locales)
