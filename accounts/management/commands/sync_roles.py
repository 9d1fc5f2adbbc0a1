from django.core.management.base import BaseCommand

from accounts.roles import sync_groups


class Command(BaseCommand):
    help = "Create the staff, supervisor and admin groups and set their permissions."

    def handle(self, *args, **options):
        sync_groups()
        self.stdout.write(self.style.SUCCESS("Groups staff, supervisor and admin are up to date."))
