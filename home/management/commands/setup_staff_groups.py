"""Create the staff groups (Rédaction, Billetterie, Boutique, Administration) with exactly the
permissions home/permissions.py gives each team, and make Administration the reviewer of the
moderation workflow. For a real site after `migrate`; safe to run again after an upgrade (a
permission added to a team in the code is then given, one removed is taken away)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from home.permissions import TEAMS, apply_teams


class Command(BaseCommand):
    help = "Crée ou met à jour les groupes du personnel et leurs permissions."

    def handle(self, *args, **options):
        with transaction.atomic():
            apply_teams()
        self.stdout.write(self.style.SUCCESS("Groupes à jour : " + ", ".join(TEAMS)))
