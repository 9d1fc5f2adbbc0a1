"""Recount the dashboard figures now (what the nightly task does), optionally rebuilding the
weekly trend from the progress log."""

from django.core.management.base import BaseCommand

from cases import figures


class Command(BaseCommand):
    help = "Recount the dashboard figures for today; --backfill also rebuilds past weeks of the trend from the log."

    def add_arguments(self, parser):
        parser.add_argument("--backfill", action="store_true",
                            help="rebuild the weekly snapshots of the past weeks from the progress log")
        parser.add_argument("--weeks", type=int, default=52)

    def handle(self, *args, backfill=False, weeks=52, **options):
        if backfill:
            n = figures.backfill_trend(weeks=weeks)
            self.stdout.write(f"Trend: {n:,} weekly snapshots rebuilt from the progress log.")
        done = figures.refresh_all()
        self.stdout.write(self.style.SUCCESS(f"Figures recounted for {done.on} in {done.seconds:.1f} s."))
