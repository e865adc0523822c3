"""Every kind of public page, in French and in English, for the accessibility and HTML
validity checks (a browser's axe-core run and the Nu HTML Checker)."""


def a_free_registration():
    """A paid-for-nothing order: two places at the demo's free talk, for Awa Diallo (each
    ticket may be cancelled alone)."""
    from events.models import EventPage
    from events.services import register

    free = EventPage.objects.get(slug="conference-justice-climatique", locale__language_code="fr")
    return register(
        free.source,
        date_id=free.source.upcoming_dates[0].pk,
        tickets=[(free.source.ticket_types.get(), 2, None)],
        buyer_name="Awa Diallo",
        buyer_email="awa@example.org",
        language="fr",
    )


def page_kinds():
    """(name, French path, English path) of every kind of public page, with a real order."""
    from django.urls import reverse
    from django.utils import translation

    from events.models import Attendee, EventPage, Theme
    from newsletter.models import Subscriber
    from shop.models import Producer, ProductPage

    order = a_free_registration()
    ticket = Attendee.objects.filter(order_line__order=order).first()
    activity = EventPage.objects.get(
        slug="atelier-consommation-equitable", locale__language_code="fr"
    )
    english = activity.get_translations().get().specific
    # A school session: its form offers the payment by invoice (and the gift).
    school = EventPage.objects.get(slug="animation-droits-enfants", locale__language_code="fr")
    school_en = school.get_translations().get().specific
    product = ProductPage.objects.live().filter(locale__language_code="fr").first()
    product_en = product.get_translations().get()
    producer = Producer.objects.filter(locale__language_code="fr").first()
    pending = Subscriber.objects.filter(status="pending").first()
    subscribed = Subscriber.objects.filter(status="confirmed").first()
    from schools.models import BookingStatus, WorkshopBooking

    proposal = WorkshopBooking.objects.filter(status=BookingStatus.PROPOSED).first()
    theme = Theme.objects.get(slug="droits-des-femmes", locale__language_code="fr")
    cancel_own_ticket = []
    for language in ("fr", "en"):
        with translation.override(language):
            cancel_own_ticket.append(
                reverse(
                    "events:cancel_own_ticket",
                    kwargs={"code": order.code, "token": order.token, "ticket": ticket.ticket_code},
                )
            )
    return [
        ("home", "/", "/en/"),
        ("standard page", "/mission/", "/en/mission/"),
        ("every body block", "/questions-frequentes/", "/en/faq/"),
        ("news", "/actualites/", "/en/news/"),
        (
            "news by theme",
            f"/actualites/?theme={theme.translation_key}",
            f"/en/news/?theme={theme.translation_key}",
        ),
        (
            "article",
            "/actualites/justice-climatique-militantes-du-sud/",
            "/en/news/justice-climatique-militantes-du-sud/",
        ),
        (
            "campaign",
            "/actualites/12-jours-action-violence-femmes/",
            "/en/news/12-jours-action-violence-femmes/",
        ),
        (
            "teaching resources",
            "/ressources-pedagogiques/",
            "/en/teaching-resources/",
        ),
        (
            "teaching resources, filtered (one invalid value)",
            "/ressources-pedagogiques/?audience=scolaire&level=inconnu",
            "/en/teaching-resources/?audience=scolaire&level=inconnu",
        ),
        (
            "teaching resources, none found",
            f"/ressources-pedagogiques/?audience=adultes&theme={theme.translation_key}",
            f"/en/teaching-resources/?audience=adultes&theme={theme.translation_key}",
        ),
        (
            "teaching resource (document)",
            "/ressources-pedagogiques/jeu-migrations-climatiques/",
            "/en/teaching-resources/jeu-migrations-climatiques/",
        ),
        (
            "teaching resource (document and external link)",
            "/ressources-pedagogiques/fiche-consommer-moins/",
            "/en/teaching-resources/fiche-consommer-moins/",
        ),
        ("activities", "/activites/", "/en/activities/"),
        ("filtered", "/activites/?audience=adultes", "/en/activities/?audience=adultes"),
        ("month", "/activites/?vue=mois", "/en/activities/?vue=mois"),
        ("activity", activity.url, english.url),
        ("registration", activity.url + "inscription/", english.url + "register/"),
        (
            "school registration, by invoice",
            school.url + "inscription/",
            school_en.url + "register/",
        ),
        ("waiting list", activity.url + "liste-attente/", english.url + "waiting-list/"),
        ("receipt", order.get_absolute_url(), "/en" + order.get_absolute_url()),
        ("ticket", f"/billet/{ticket.ticket_code}/", f"/en/ticket/{ticket.ticket_code}/"),
        ("cancelling one ticket", *cancel_own_ticket),
        ("search", "/recherche/?q=climat", "/en/search/?q=climate"),
        (
            "search, one kind of result",
            "/recherche/?q=femmes&type=activites",
            "/en/search/?q=women&type=activites",
        ),
        ("no result", "/recherche/?q=zzzxqy", "/en/search/?q=zzzxqy"),
        ("network", "/reseau/", "/en/network/"),
        (
            "network filtered",
            f"/reseau/?theme={theme.translation_key}&region=capitale-nationale",
            f"/en/network/?theme={theme.translation_key}&region=capitale-nationale",
        ),
        (
            "network empty",
            "/reseau/?region=estrie&theme=" + str(theme.translation_key),
            "/en/network/?region=estrie&theme=" + str(theme.translation_key),
        ),
        ("network organisation", "/reseau/oxfam-quebec/", "/en/network/oxfam-quebec/"),
        ("shop", "/boutique/", "/en/shop/"),
        ("product", product.url, product_en.url),
        (
            "producer",
            f"/boutique/producteurs/{producer.slug}/",
            f"/en/shop/producers/{producer.slug}/",
        ),
        ("cart", "/panier/", "/en/cart/"),
        ("donation", "/faire-un-don/", "/en/give/"),
        ("membership", "/devenir-membre/", "/en/become-a-member/"),
        ("contact form", "/nous-joindre/", "/en/contact-us/"),
        ("newsletter sign-up", "/infolettre/", "/en/newsletter/"),
        (
            "newsletter confirmation",
            f"/infolettre/confirmer/{pending.confirm_token}/",
            f"/en/newsletter/confirm/{pending.confirm_token}/",
        ),
        (
            "newsletter unsubscribe",
            f"/infolettre/desabonnement/{subscribed.unsubscribe_token}/",
            f"/en/newsletter/unsubscribe/{subscribed.unsubscribe_token}/",
        ),
        ("newsletter issue", "/infolettre-decembre/", "/en/december-newsletter/"),
        ("workshop request", "/demande-d-animation/", "/en/workshop-request/"),
        (
            "workshop confirmation",
            f"/animation/confirmer/{proposal.token}/",
            f"/en/workshop/confirm/{proposal.token}/",
        ),
        ("not found", "/nulle-part/", "/en/nowhere/"),
    ]
