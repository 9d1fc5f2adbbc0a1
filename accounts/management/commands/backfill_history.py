"""`manage.py backfill_history`: a "created" history record for every row that has none
(accounts.history). Idempotent; `make migrate` runs it after the migrations."""

from django.core.management.base import BaseCommand

from accounts.history import backfill_history


class Command(BaseCommand):
    help = "Write a 'created' history record for every tracked row that has none."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size: int, **options):
        written = backfill_history(batch_size=batch_size)
        for label, count in written.items():
            self.stdout.write(f"{label}: {count} history records written")
        if not written:
            self.stdout.write("Every tracked row has its history.")
