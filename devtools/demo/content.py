"""Demo content for `seed_demo`: CÉSIQ's public description, in French and English.

Each page is keyed by its French slug so that running the seed again updates it in place.
"""

HOME = {
    "fr": {
        "title": "Accueil",
        "hero_title": "Ensemble pour un monde plus juste et solidaire",
        "hero_text": (
            "Le CÉSIQ éduque à la citoyenneté mondiale et rassemble les organismes de "
            "coopération internationale et de solidarité de la région de Québec. Ateliers, "
            "conférences, projections et une boutique équitable : passez à l'action avec nous."
        ),
        "hero_cta_label": "Découvrir notre mission",
        "body": [
            ("heading", {"text": "Ce que nous faisons", "level": "h2"}),
            (
                "paragraph",
                (
                    "<p>Chaque année, le CÉSIQ organise ou appuie une centaine d'activités : "
                    "animations dans les écoles, ateliers pour les jeunes, formations pour les "
                    "adultes, conférences et projections. Nos thèmes : les droits des femmes et des "
                    "enfants, la justice climatique, la souveraineté alimentaire, la décroissance et "
                    "la lutte contre le racisme.</p>"
                ),
            ),
            (
                "quote",
                {
                    "quote": "Comprendre le monde pour mieux le transformer, ici comme ailleurs.",
                    "attribution": "Le CÉSIQ",
                },
            ),
            (
                "call_to_action",
                {
                    "title": "Un réseau régional",
                    "text": (
                        "Le CÉSIQ est la plaque tournante d'un réseau d'organismes de coopération "
                        "internationale et de solidarité sociale de la région de Québec."
                    ),
                    "button_label": "Nos partenaires",
                    "page_slug": "partenaires",
                },
            ),
        ],
    },
    "en": {
        "title": "Home",
        "hero_title": "Together for a fairer, more caring world",
        "hero_text": (
            "CÉSIQ educates for global citizenship and brings together the international "
            "cooperation and solidarity organisations of the Québec City region. Workshops, "
            "talks, screenings and a fair-trade shop: take action with us."
        ),
        "hero_cta_label": "Discover our mission",
        "body": [
            ("heading", {"text": "What we do", "level": "h2"}),
            (
                "paragraph",
                (
                    "<p>Every year CÉSIQ organises or supports about a hundred activities: sessions "
                    "in schools, workshops for youth, training for adults, talks and screenings. Our "
                    "themes: women's and children's rights, climate justice, food sovereignty, "
                    "degrowth and anti-racism.</p>"
                ),
            ),
            (
                "quote",
                {
                    "quote": "Understanding the world in order to change it, here and elsewhere.",
                    "attribution": "CÉSIQ",
                },
            ),
            (
                "call_to_action",
                {
                    "title": "A regional network",
                    "text": (
                        "CÉSIQ is the hub of a network of international cooperation and social "
                        "solidarity organisations in the Québec City region."
                    ),
                    "button_label": "Our partners",
                    "page_slug": "partenaires",
                },
            ),
        ],
    },
}

PAGES = [
    {
        "slug": "mission",
        "show_in_menus": True,
        "fr": {
            "title": "Notre mission",
            "slug": "mission",
            "introduction": (
                "Le Carrefour d'éducation à la solidarité internationale de Québec (CÉSIQ) est un "
                "organisme à but non lucratif qui sensibilise la population de la région de "
                "Québec aux enjeux mondiaux et l'invite à agir."
            ),
            "body": [
                ("heading", {"text": "Notre mission", "level": "h2"}),
                (
                    "paragraph",
                    (
                        "<p>Le CÉSIQ éduque les groupes scolaires, les jeunes et les adultes à la "
                        "citoyenneté mondiale. Il fait connaître les causes des inégalités entre le "
                        "Nord et le Sud et les solutions portées par les mouvements sociaux d'ici et "
                        "d'ailleurs.</p>"
                    ),
                ),
                ("heading", {"text": "Nos valeurs", "level": "h2"}),
                (
                    "paragraph",
                    (
                        "<ul><li><b>Solidarité</b> entre les peuples et entre les générations;</li>"
                        "<li><b>Justice sociale</b> et respect des droits de la personne;</li>"
                        "<li><b>Égalité</b> entre les femmes et les hommes;</li>"
                        "<li><b>Démocratie</b> et participation citoyenne;</li>"
                        "<li><b>Respect de l'environnement</b> et sobriété.</li></ul>"
                    ),
                ),
                ("heading", {"text": "Un renouveau en 2017", "level": "h2"}),
                (
                    "paragraph",
                    (
                        "<p>Héritier de plusieurs décennies d'éducation à la solidarité "
                        "internationale à Québec, l'organisme a renouvelé sa mission et adopté le nom "
                        "de CÉSIQ en 2017, pour mieux jouer son rôle de carrefour régional.</p>"
                    ),
                ),
            ],
        },
        "en": {
            "title": "Our mission",
            "slug": "mission",
            "introduction": (
                "The Carrefour d'éducation à la solidarité internationale de Québec (CÉSIQ) is a "
                "non-profit organisation that raises awareness of global issues in the Québec "
                "City region and invites people to act."
            ),
            "body": [
                ("heading", {"text": "Our mission", "level": "h2"}),
                (
                    "paragraph",
                    (
                        "<p>CÉSIQ educates school groups, youth and adults for global citizenship. It "
                        "explains the causes of inequality between North and South and the solutions "
                        "carried by social movements here and elsewhere.</p>"
                    ),
                ),
                ("heading", {"text": "Our values", "level": "h2"}),
                (
                    "paragraph",
                    (
                        "<ul><li><b>Solidarity</b> between peoples and generations;</li>"
                        "<li><b>Social justice</b> and respect for human rights;</li>"
                        "<li><b>Equality</b> between women and men;</li>"
                        "<li><b>Democracy</b> and citizen participation;</li>"
                        "<li><b>Respect for the environment</b> and sufficiency.</li></ul>"
                    ),
                ),
                ("heading", {"text": "A renewal in 2017", "level": "h2"}),
                (
                    "paragraph",
                    (
                        "<p>Heir to decades of education for international solidarity in Québec "
                        "City, the organisation renewed its mission and took the name CÉSIQ in 2017, "
                        "to better play its role as a regional hub.</p>"
                    ),
                ),
            ],
        },
    },
    {
        "slug": "partenaires",
        "show_in_menus": True,
        "fr": {
            "title": "Nos partenaires",
            "slug": "partenaires",
            "introduction": (
                "Le CÉSIQ travaille avec les organismes de coopération internationale et de "
                "solidarité sociale de la région et du Québec."
            ),
            "body": [
                (
                    "paragraph",
                    (
                        "<ul>"
                        "<li><b>AQOCI</b> — Association québécoise des organismes de coopération "
                        "internationale, dont le CÉSIQ est membre;</li>"
                        "<li><b>Amnistie internationale</b> — défense des droits humains;</li>"
                        "<li><b>CAPMO</b> — Carrefour d'animation et de participation à un monde "
                        "ouvert;</li>"
                        "<li><b>RÉPAC</b> — Regroupement d'éducation populaire en action "
                        "communautaire des régions de Québec et Chaudière-Appalaches.</li>"
                        "</ul>"
                    ),
                ),
                (
                    "quote",
                    {
                        "quote": "Seul on va plus vite, ensemble on va plus loin.",
                        "attribution": "Proverbe africain",
                    },
                ),
            ],
        },
        "en": {
            "title": "Our partners",
            "slug": "partners",
            "introduction": (
                "CÉSIQ works with international cooperation and social solidarity organisations "
                "in the region and across Québec."
            ),
            "body": [
                (
                    "paragraph",
                    (
                        "<ul>"
                        "<li><b>AQOCI</b> — the Québec association of international cooperation "
                        "organisations, of which CÉSIQ is a member;</li>"
                        "<li><b>Amnesty International</b> — defending human rights;</li>"
                        "<li><b>CAPMO</b> — Carrefour d'animation et de participation à un monde "
                        "ouvert;</li>"
                        "<li><b>RÉPAC</b> — the popular-education network for community action in "
                        "the Québec City and Chaudière-Appalaches regions.</li>"
                        "</ul>"
                    ),
                ),
                (
                    "quote",
                    {
                        "quote": "If you want to go fast, go alone; if you want to go far, go "
                        "together.",
                        "attribution": "African proverb",
                    },
                ),
            ],
        },
    },
    {
        "slug": "confidentialite",
        "show_in_menus": False,
        "fr": {
            "title": "Politique de confidentialité",
            "slug": "confidentialite",
            "introduction": (
                "Comment le CÉSIQ recueille, utilise et protège vos renseignements personnels, "
                "conformément à la Loi 25."
            ),
            "body": [
                ("heading", {"text": "Ce que nous recueillons et pourquoi", "level": "h2"}),
                (
                    "paragraph",
                    (
                        "<p>Nous recueillons seulement ce qui est nécessaire : votre nom et votre "
                        "courriel pour confirmer une inscription ou une commande, et les "
                        "renseignements que vous choisissez de nous donner (besoins alimentaires ou "
                        "d'accessibilité). Les paiements sont traités par Stripe; nous ne voyons "
                        "jamais votre numéro de carte.</p>"
                    ),
                ),
                ("heading", {"text": "Conservation et destruction", "level": "h2"}),
                (
                    "paragraph",
                    (
                        "<p>Les renseignements des personnes inscrites sont détruits après un délai "
                        "fixé par le CÉSIQ. Les pièces comptables sont conservées le temps exigé par "
                        "la loi, sous une forme anonymisée lorsque c'est possible.</p>"
                    ),
                ),
                ("heading", {"text": "Vos droits", "level": "h2"}),
                (
                    "paragraph",
                    (
                        "<p>Vous pouvez demander à consulter, corriger ou faire supprimer vos "
                        "renseignements en écrivant à la personne responsable indiquée au bas de "
                        "chaque page.</p>"
                    ),
                ),
            ],
        },
        "en": {
            "title": "Privacy policy",
            "slug": "privacy",
            "introduction": (
                "How CÉSIQ collects, uses and protects your personal information, in keeping "
                "with Québec's Law 25."
            ),
            "body": [
                ("heading", {"text": "What we collect and why", "level": "h2"}),
                (
                    "paragraph",
                    (
                        "<p>We collect only what is needed: your name and email to confirm a "
                        "registration or an order, and what you choose to tell us (dietary or "
                        "accessibility needs). Payments are handled by Stripe; we never see your "
                        "card number.</p>"
                    ),
                ),
                ("heading", {"text": "Retention and destruction", "level": "h2"}),
                (
                    "paragraph",
                    (
                        "<p>Attendees' information is destroyed after a period set by CÉSIQ. "
                        "Accounting records are kept as long as the law requires, anonymised where "
                        "possible.</p>"
                    ),
                ),
                ("heading", {"text": "Your rights", "level": "h2"}),
                (
                    "paragraph",
                    (
                        "<p>You may ask to see, correct or delete your information by writing to the "
                        "person in charge named at the bottom of every page.</p>"
                    ),
                ),
            ],
        },
    },
]

SITE_SETTINGS = {
    "organisation_name": "Carrefour d'éducation à la solidarité internationale de Québec",
    # A made-up street: the footer, the emails and the shop's pick-up at the office show it.
    "street_address": "125, rue de la Solidarité",
    "address_locality": "Québec",
    "postal_code": "G1K 3A1",
    "email": "info@cesiq.example",
    "phone": "418 555-0100",
    "facebook_url": "https://www.facebook.com/",
    "instagram_url": "https://www.instagram.com/",
    "privacy_officer": "Direction générale",
    "privacy_officer_en": "Executive director",
    "privacy_email": "vieprivee@cesiq.example",
}

# Staff groups of the back-office; their permissions grow with each part of the site.
STAFF_GROUPS = ["Rédaction", "Billetterie", "Boutique", "Administration"]
