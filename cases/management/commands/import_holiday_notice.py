"""`python manage.py import_holiday_notice FILE [--dry-run]`: the State Council's yearly notice → the calendar."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from cases.calendar import importer
from cases.calendar.parser import NoticeParseError, parse_complete_notice

_ACTIONS = {"new": "+", "changed": "~", "removed": "-", "same": "="}


class Command(BaseCommand):
    help = "Import the State Council's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知) from a text file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The notice as UTF-8 text ('-' reads standard input).")
        parser.add_argument("--dry-run", action="store_true", help="Print the days it holds; write nothing.")

    def handle(self, *args, file, dry_run=False, **options):
        with translation.override(settings.LANGUAGE_CODE):
            try:
                text = self.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc}) from exc
            try:
                arrangement = parse_complete_notice(text)
            except NoticeParseError as exc:
                raise CommandError(_("Nothing was imported: %(error)s") % {"error": exc.message}) from exc
            result = importer.plan(arrangement) if dry_run else importer.apply(arrangement)
            self.stdout.write(arrangement.title)
            for row in result.rows:
                kind = _("working day") if row.kind == "workday" else _("day off")
                self.stdout.write(f"{_ACTIONS[row.action]} {row.date:%Y-%m-%d} {kind} {row.name}")
            summary = _("%(new)d new, %(changed)d changed, %(same)d unchanged, %(removed)d removed.") % {
                "new": result.count("new"), "changed": result.count("changed"),
                "same": result.count("same"), "removed": result.count("removed"),
            }
            if dry_run:
                summary = _("Dry run, nothing written: %(summary)s") % {"summary": summary}
            self.stdout.write(self.style.SUCCESS(summary))
