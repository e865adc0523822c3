"""Demo of the editors' tools: a page scheduled to go live next week (Wagtail shows it as
"Publication programmée" and Celery beat's `home.publish_scheduled` publishes it on time), and a
new French page still waiting for its English copy, listed in "Traductions à faire"."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from home.models import StandardPage

SCHEDULED = {
    "slug": "rapport-annuel",
    "title": "Rapport annuel",
    "introduction": (
        "Le bilan de l'année du CÉSIQ : activités, personnes rejointes, écoles accompagnées et "
        "campagnes menées avec le réseau."
    ),
    "body": [
        (
            "paragraph",
            "<p>Le rapport annuel sera présenté à l'assemblée générale des membres et publié ici "
            "le jour même.</p>",
        )
    ],
}

UNTRANSLATED = {
    "slug": "benevolat",
    "title": "Faire du bénévolat au CÉSIQ",
    "introduction": (
        "Accueil aux activités, kiosques, animation avec l'équipe, traduction : donnez quelques "
        "heures à la solidarité internationale."
    ),
    "body": [
        (
            "paragraph",
            "<p>Écrivez-nous en précisant vos disponibilités et ce que vous aimeriez faire : "
            "une personne de l'équipe vous rappellera.</p>",
        )
    ],
}


def next_monday_morning(now=None):
    now = timezone.localtime(now)
    days = 7 - now.weekday()
    day = (now + timedelta(days=days)).date()
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def _child(home, spec):
    page = home.get_children().filter(slug=spec["slug"]).first()
    if page is None:
        page = StandardPage(slug=spec["slug"], title=spec["title"], locale=home.locale)
        page.introduction = spec["introduction"]
        page.body = spec["body"]
        page.live = False
        home.add_child(instance=page)
    return page.specific


def seed(home, now=None):
    scheduled = _child(home, SCHEDULED)
    if not scheduled.live and not scheduled.scheduled_revision:
        scheduled.go_live_at = next_monday_morning(now)
        # A future go-live time makes `publish()` schedule the revision instead.
        scheduled.save_revision().publish()

    volunteering = _child(home, UNTRANSLATED)
    if not volunteering.live:
        volunteering.save_revision().publish()
