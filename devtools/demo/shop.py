"""Demo fair-trade shop for `seed_demo`: producers from several countries, about a dozen
products in French and English, images drawn here with Pillow (nothing is downloaded).
Running it again changes nothing."""

import io
from decimal import Decimal

PRODUCERS = [
    {
        "slug": "cooperative-des-andes",
        "name": ("Coopérative des Andes", "Andes Co-operative"),
        "country": "PE",
        "region": "Cajamarca",
        "certifications": ["fairtrade", "bio"],
        "story": (
            "Quelque 600 familles paysannes cultivent le café à l'ombre, au-dessus de 1 500 m. "
            "La prime équitable a financé un centre de séchage et des bourses d'études.",
            "Some 600 farming families grow shade coffee above 1,500 m. The fair-trade premium "
            "paid for a drying centre and scholarships.",
        ),
    },
    {
        "slug": "union-sidama",
        "name": ("Union des caféiculteurs de Sidama", "Sidama Coffee Farmers' Union"),
        "country": "ET",
        "region": "Sidama",
        "certifications": ["fairtrade", "bio"],
        "story": (
            "Une union de coopératives qui lave et exporte elle-même son café, berceau de "
            "l'arabica.",
            "A union of co-operatives that washes and exports its own coffee, in the birthplace "
            "of arabica.",
        ),
    },
    {
        "slug": "jardins-de-the-darjeeling",
        "name": ("Jardins de thé de Darjeeling", "Darjeeling Tea Gardens"),
        "country": "IN",
        "region": ("Bengale-Occidental", "West Bengal"),
        "certifications": ["fair-for-life", "bio"],
        "story": (
            "Des petits producteurs regroupés autour d'un jardin de thé repris en main par ses "
            "travailleuses et travailleurs.",
            "Smallholders gathered around a tea garden taken over by its workers.",
        ),
    },
    {
        "slug": "cooperative-cacaoyere-ghana",
        "name": ("Coopérative cacaoyère du Ghana", "Ghana Cocoa Co-operative"),
        "country": "GH",
        "region": "Ashanti",
        "certifications": ["fairtrade"],
        "story": (
            "Des cacaoculteurs propriétaires d'une part de la chocolaterie qui transforme leurs "
            "fèves.",
            "Cocoa farmers who own a share of the chocolate maker that processes their beans.",
        ),
    },
    {
        "slug": "cooperative-sucriere-paraguay",
        "name": ("Coopérative sucrière du Paraguay", "Paraguay Sugar Co-operative"),
        "country": "PY",
        "region": "Guairá",
        "certifications": ["fairtrade", "bio"],
        "story": (
            "La première sucrerie au monde appartenant à des petits producteurs de canne.",
            "The world's first sugar mill owned by small cane farmers.",
        ),
    },
    {
        "slug": "jardins-epices-kandy",
        "name": ("Jardins d'épices de Kandy", "Kandy Spice Gardens"),
        "country": "LK",
        "region": "Kandy",
        "certifications": ["fair-for-life"],
        "story": (
            "Cannelle, poivre et clou de girofle cultivés en agroforesterie par des familles "
            "paysannes.",
            "Cinnamon, pepper and cloves grown in agroforestry by farming families.",
        ),
    },
    {
        "slug": "artisanes-katmandou",
        "name": ("Artisanes de Katmandou", "Kathmandu Women Artisans"),
        "country": "NP",
        "region": ("Vallée de Katmandou", "Kathmandu Valley"),
        "certifications": ["wfto"],
        "story": (
            "Un atelier de femmes qui feutrent la laine et se partagent les bénéfices.",
            "A women's workshop that felts wool and shares the profits.",
        ),
    },
    {
        "slug": "tisserandes-koudougou",
        "name": ("Tisserandes de Koudougou", "Koudougou Weavers"),
        "country": "BF",
        "region": "Centre-Ouest",
        "certifications": ["wfto"],
        "story": (
            "Des tisserandes qui tressent paniers et sacs en fibres locales.",
            "Weavers who braid baskets and bags from local fibres.",
        ),
    },
    {
        "slug": "editions-solidaires",
        "name": ("Éditions solidaires du Québec", "Éditions solidaires du Québec"),
        "country": "CA",
        "region": "Québec",
        "certifications": [],
        "story": (
            "Une petite maison d'édition qui publie des essais sur la solidarité internationale.",
            "A small publisher of essays on international solidarity.",
        ),
    },
]

# slug, category, producer, colour, (fr title, fr summary), (en title, en summary),
# [(sku, label fr, label en, price, stock, weight g)], tax override
PRODUCTS = [
    (
        "cafe-perou-biologique",
        "cafe",
        "cooperative-des-andes",
        "#6f4e37",
        ("Café du Pérou biologique", "Un café doux aux notes de noisette, en grains."),
        ("Organic Peruvian coffee", "A mellow whole-bean coffee with hazelnut notes."),
        [
            ("CAF-PER-340", "340 g", "340 g", "14.50", 40, 340),
            ("CAF-PER-1KG", "1 kg", "1 kg", "36.00", 12, 1000),
        ],
        "",
    ),
    (
        "cafe-ethiopie-sidama",
        "cafe",
        "union-sidama",
        "#8b5a2b",
        ("Café d'Éthiopie Sidama", "Un café floral et fruité, moulu pour le filtre."),
        ("Ethiopian Sidama coffee", "A floral, fruity coffee, ground for filter."),
        [("CAF-ETH-340", "340 g moulu", "340 g ground", "15.50", 25, 340)],
        "",
    ),
    (
        "cafe-decafeine",
        "cafe",
        "cooperative-des-andes",
        "#a0522d",
        ("Café décaféiné à l'eau", "Décaféiné sans solvant, en grains."),
        ("Water-process decaf coffee", "Solvent-free decaf, whole bean."),
        [("CAF-DEC-340", "340 g", "340 g", "15.00", 0, 340)],
        "",
    ),
    (
        "the-noir-darjeeling",
        "the",
        "jardins-de-the-darjeeling",
        "#b5651d",
        ("Thé noir Darjeeling", "Un thé noir de première récolte, en feuilles."),
        ("Darjeeling black tea", "A first-flush loose-leaf black tea."),
        [("THE-DAR-100", "100 g", "100 g", "9.75", 30, 100)],
        "",
    ),
    (
        "the-vert-himalaya",
        "the",
        "jardins-de-the-darjeeling",
        "#76b041",
        ("Thé vert de l'Himalaya", "Un thé vert léger, en feuilles."),
        ("Himalayan green tea", "A light loose-leaf green tea."),
        [("THE-VER-100", "100 g", "100 g", "10.50", 20, 100)],
        "",
    ),
    (
        "chocolat-noir-70",
        "chocolat",
        "cooperative-cacaoyere-ghana",
        "#3b2417",
        ("Tablette de chocolat noir 70 %", "Une tablette intense, cacao du Ghana."),
        ("70% dark chocolate bar", "An intense bar made with Ghanaian cocoa."),
        [("CHO-NOI-100", "Tablette de 100 g", "100 g bar", "4.95", 60, 100)],
        "",
    ),
    (
        "chocolat-au-lait",
        "chocolat",
        "cooperative-cacaoyere-ghana",
        "#7b3f00",
        ("Tablette de chocolat au lait", "Une tablette fondante au sucre de canne équitable."),
        ("Milk chocolate bar", "A smooth bar made with fair-trade cane sugar."),
        [("CHO-LAI-100", "Tablette de 100 g", "100 g bar", "4.75", 3, 100)],
        "",
    ),
    (
        "cacao-en-poudre",
        "chocolat",
        "cooperative-cacaoyere-ghana",
        "#5c4033",
        ("Cacao en poudre non sucré", "Pour la pâtisserie et le chocolat chaud."),
        ("Unsweetened cocoa powder", "For baking and hot chocolate."),
        [("CHO-CAC-250", "250 g", "250 g", "8.95", 15, 250)],
        # Cocoa powder is a basic grocery (CRA Memorandum 4.3), unlike a chocolate bar.
        "zero",
    ),
    (
        "sucre-de-canne-integral",
        "sucre-epices",
        "cooperative-sucriere-paraguay",
        "#e1a95f",
        ("Sucre de canne intégral", "Un sucre blond non raffiné au goût de caramel."),
        ("Whole cane sugar", "An unrefined golden sugar with a caramel taste."),
        [("SUC-CAN-1KG", "1 kg", "1 kg", "7.25", 30, 1000)],
        "",
    ),
    (
        "cannelle-de-ceylan",
        "sucre-epices",
        "jardins-epices-kandy",
        "#c35817",
        ("Cannelle de Ceylan", "De vrais bâtons de cannelle, doux et parfumés."),
        ("Ceylon cinnamon", "True cinnamon sticks, sweet and fragrant."),
        [("EPI-CAN-50", "50 g", "50 g", "6.50", 20, 50)],
        "",
    ),
    (
        "panier-tresse",
        "artisanat",
        "tisserandes-koudougou",
        "#d4a373",
        ("Panier tressé", "Un panier de marché tressé à la main."),
        ("Woven basket", "A hand-woven market basket."),
        [("ART-PAN-01", "Moyen", "Medium", "38.00", 5, 600)],
        "",
    ),
    (
        "echarpe-laine-feutree",
        "artisanat",
        "artisanes-katmandou",
        "#9b2335",
        ("Écharpe en laine feutrée", "Une écharpe chaude feutrée à la main."),
        ("Felted wool scarf", "A warm hand-felted scarf."),
        [("ART-ECH-01", "Taille unique", "One size", "32.00", 8, 200)],
        "",
    ),
    (
        "livre-commerce-equitable",
        "livres",
        "editions-solidaires",
        "#17bebb",
        (
            "Livre : le commerce équitable, trente ans après",
            "Un essai sur ce que le commerce équitable a changé, et ce qui reste à faire.",
        ),
        (
            "Book: fair trade, thirty years on (in French)",
            "An essay on what fair trade changed and what remains to be done.",
        ),
        [("LIV-CEQ-01", "Livre imprimé", "Printed book", "24.95", 10, 350)],
        "",
    ),
]


PRODUCT_BODY = {
    "fr": "<p>Vendu au profit des projets du CÉSIQ. Cueillette au bureau ou à une activité, "
    "ou livraison partout au Canada.</p>",
    "en": "<p>Sold for CÉSIQ's projects. Pick up at the office or at an activity, or "
    "delivery anywhere in Canada.</p>",
}


def product_image(slug, colour, category):
    """A simple coloured illustration drawn with Pillow, created once."""
    from django.core.files.images import ImageFile
    from PIL import Image as PILImage
    from PIL import ImageDraw
    from wagtail.images import get_image_model
    from wagtail.models import Collection

    Image = get_image_model()
    title = f"Boutique — {slug}"
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    canvas = PILImage.new("RGB", (960, 720), "#fbf6ec")
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 560, 960, 720), fill="#0b6e4f")
    if category in ("cafe", "the", "sucre-epices"):
        draw.rounded_rectangle((330, 140, 630, 600), radius=30, fill=colour)  # a bag
        draw.rectangle((380, 280, 580, 420), fill="#fbf6ec")
    elif category == "chocolat":
        draw.rectangle((250, 200, 710, 560), fill=colour)  # a bar
        for x in range(250, 710, 115):
            draw.line((x, 200, x, 560), fill="#fbf6ec", width=6)
    elif category == "livres":
        draw.rectangle((340, 120, 620, 600), fill=colour)  # a book
        draw.rectangle((340, 120, 370, 600), fill="#0b6e4f")
    else:
        draw.ellipse((260, 180, 700, 600), fill=colour)  # a basket or a scarf
        draw.arc((320, 60, 640, 380), 180, 360, fill=colour, width=24)
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=85)
    image = Image(title=title, collection=Collection.get_first_root_node())
    image.file = ImageFile(buffer, name=f"boutique-{slug}.jpg")
    image.save()
    return image


def seed_producers(locales):
    from shop.models import Producer

    producers = {}
    for spec in PRODUCERS:
        fields = {"country": spec["country"], "certifications": spec["certifications"]}
        # A region's name in each language where they differ (« Vallée de Katmandou »).
        region = spec["region"] if isinstance(spec["region"], tuple) else (spec["region"],) * 2
        fr, _ = Producer.objects.update_or_create(
            slug=spec["slug"],
            locale=locales["fr"],
            defaults={
                **fields,
                "region": region[0],
                "name": spec["name"][0],
                "story": spec["story"][0],
            },
        )
        en, _ = Producer.objects.update_or_create(
            translation_key=fr.translation_key,
            locale=locales["en"],
            defaults={
                **fields,
                "region": region[1],
                "slug": spec["slug"],
                "name": spec["name"][1],
                "story": spec["story"][1],
            },
        )
        producers[spec["slug"]] = (fr, en)
    return producers


def seed(home, locales):
    from shop.models import ProductImage, ProductIndexPage, ProductPage, ProductVariant

    producers = seed_producers(locales)
    index = home.get_children().type(ProductIndexPage).first()
    if index is None:
        index = ProductIndexPage(
            title="Boutique équitable",
            slug="boutique",
            show_in_menus=True,
            introduction="Café, thé, chocolat, épices et artisanat de coopératives du monde "
            "entier. Chaque achat soutient le CÉSIQ.",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    index = index.specific
    en_index = index.get_translation_or_none(locales["en"])
    if en_index is None:
        en_index = index.copy_for_translation(locales["en"]).specific
        en_index.title, en_index.slug = "Fair-trade shop", "shop"
        en_index.introduction = (
            "Coffee, tea, chocolate, spices and crafts from co-operatives around the world. "
            "Every purchase supports CÉSIQ."
        )
        en_index.save_revision().publish()

    for slug, category, producer, colour, fr, en, variants, tax in PRODUCTS:
        image = product_image(slug, colour, category)
        page = index.get_children().filter(slug=slug).first()
        fields = {
            "title": fr[0],
            "summary": fr[1],
            "category": category,
            "producer": producers[producer][0],
            "tax_category": tax,
            # What the summary above it does not say (it repeated the summary word for word).
            "body": [("paragraph", PRODUCT_BODY["fr"])],
        }
        if page is None:
            page = ProductPage(slug=slug, **fields)
            index.add_child(instance=page)
        page = page.specific
        for name, value in fields.items():
            setattr(page, name, value)
        if not page.gallery_images.exists():
            page.gallery_images.add(ProductImage(image=image, alt=""))
        for number, (sku, label, label_en, price, stock, grams) in enumerate(variants):
            if not ProductVariant.objects.filter(sku=sku).exists():
                page.variants.add(
                    ProductVariant(
                        sort_order=number,
                        sku=sku,
                        label=label,
                        label_en=label_en,
                        price=Decimal(price),
                        stock=stock,
                        weight_grams=grams,
                    )
                )
        page.save()  # so that the revision records the variants' ids
        page.save_revision().publish()

        english = page.get_translation_or_none(locales["en"])
        if english is None:
            english = page.copy_for_translation(locales["en"])
        english = english.specific
        english.title, english.summary = en
        english.slug = slug
        english.category = category
        english.producer = producers[producer][1]
        english.body = [("paragraph", PRODUCT_BODY["en"])]
        english.save_revision().publish()
    return index


# --- shop orders in every preparation step -------------------------------------------------------

# (buyer's address, name, language, [(sku, quantity)], delivery method, steps to take after
# payment, and the parcel's carrier and tracking number). Only products no test counts the
# stock of. The shipped order is over the free-shipping threshold, delivered in Québec.
SHOP_ORDERS = [
    ("boutique-nouvelle", "Acheteuse démo (boutique, à préparer)", "fr",
     [("EPI-CAN-50", 2), ("CHO-CAC-250", 1)], "office", [], None),
    ("boutique-en-preparation", "Acheteur démo (boutique, en préparation)", "en",
     [("EPI-CAN-50", 1)], "office", ["preparing"], None),
    ("boutique-prete", "Acheteuse démo (boutique, prête à une activité)", "fr",
     [("EPI-CAN-50", 1), ("CHO-CAC-250", 1)], "activity", ["preparing", "ready"], None),
    ("boutique-expediee", "Acheteur démo (boutique, expédiée)", "fr",
     [("EPI-CAN-50", 6), ("LIV-CEQ-01", 2)], "shipping", ["preparing", "shipped"],
     ("canada_post", "7023210039414604")),
    ("boutique-remise", "Acheteuse démo (boutique, remise)", "fr",
     [("EPI-CAN-50", 1)], "office", ["preparing", "ready", "handed_over"], None),
]  # fmt: skip

DEMO_ADDRESS = {
    "recipient": "Acheteur démo",
    "address": "1200, rue Saint-Jean",
    "city": "Québec",
    "province": "QC",
    "postal_code": "G1R 1S8",
    "phone": "418 555-0199",
}


def seed_orders(pay_with_demo_stripe, domain):
    """A pending shop order and paid ones at every preparation step, made by the services the
    site uses (place the order, pay it on the fake Stripe, move its preparation forward, which
    tells the buyer); each found again by its buyer's address, so a second run adds none."""
    from events.models import EventDate
    from orders import services
    from orders.models import Order
    from orders.services import Selection
    from shop import fulfilment as flow
    from shop.models import DeliveryMethod, Fulfilment, ProductVariant

    def missing(email):
        return not Order.objects.filter(buyer_email=email).exists()

    def place(email, name, language, pairs, method):
        order = services.place_order(
            kind="shop",
            buyer_name=name,
            buyer_email=email,
            language=language,
            selections=[
                Selection(item=ProductVariant.objects.get(sku=sku), quantity=quantity)
                for sku, quantity in pairs
            ],
        )
        pickup = None
        if method == DeliveryMethod.ACTIVITY:
            pickup = (
                EventDate.objects.filter(start__gt=order.created_at, capacity__gt=0)
                .order_by("start")
                .first()
            )
        address = DEMO_ADDRESS if method == DeliveryMethod.SHIPPING else {}
        Fulfilment.objects.create(order=order, method=method, pickup_date=pickup, **address)
        return order

    pending = f"boutique-en-attente@{domain}"
    if missing(pending):
        place(pending, "Acheteur démo (boutique, en attente)", "fr", [("EPI-CAN-50", 1)], "office")

    todo = [row for row in SHOP_ORDERS if missing(f"{row[0]}@{domain}")]
    if not todo:
        return
    with pay_with_demo_stripe() as pay:
        for local, name, language, pairs, method, steps, parcel in todo:
            order = pay(place(f"{local}@{domain}", name, language, pairs, method))
            for status in steps:
                carrier, number = parcel if status == "shipped" else ("", "")
                flow.advance(
                    order.fulfilment,
                    status,
                    carrier=carrier,
                    tracking_number=number,
                    notify=False,
                )
