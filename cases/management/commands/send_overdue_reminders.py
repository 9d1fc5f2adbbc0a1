"""The weekly reminder job by hand: `python manage.py send_overdue_reminders [--dry-run] [--date …]`."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases import reminders, tasks
from cases.models import Reminder


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("“%(value)s” is not a date: write it as YYYY-MM-DD, e.g. 2026-03-02.") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = "Send this week's overdue reminders now (the same job the weekly schedule runs)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="Print who would get which reminder; record and send nothing.")
        parser.add_argument("--date", help="Act as if today were this day (YYYY-MM-DD); default today.")
        parser.add_argument("--sync", action="store_true",
                            help="Send in this process instead of queueing for the Celery worker.")
        parser.add_argument("--retry-failed", action="store_true",
                            help="Also send again the week's reminders that failed or were never sent.")

    def handle(self, *args, dry_run=False, date=None, sync=False, retry_failed=False, **options):
        with translation.override(settings.LANGUAGE_CODE):
            on = _date(date) if date else timezone.localdate()
            if dry_run:
                plan = reminders.plan_week(on=on, dry_run=True)
                self._print_plan(plan)
                return
            plan = reminders.plan_week(on=on)
            ids = plan.reminder_ids + (reminders.retryable(period=plan.period) if retry_failed else [])
            ids = sorted(set(ids))
            self._print_plan(plan)
            if sync:
                self._send_here(ids, on)
            else:
                tasks.dispatch(ids, on)
                self.stdout.write(_("Queued %(n)d reminders for the Celery worker.") % {"n": len(ids)})

    def _print_plan(self, plan: reminders.WeekPlan) -> None:
        title = _("Dry run, nothing recorded or sent") if plan.dry_run else _("Recorded")
        self.stdout.write(_("%(title)s: reminders for the week of %(period)s, as of %(on)s") % {
            "title": title, "period": plan.period, "on": plan.on})
        for p in plan.planned:
            self.stdout.write("  {kind} · {level} · {count} · {email}".format(
                kind=str(Reminder.Kind(p.kind).label), level=str(Reminder.Level(p.level).label),
                count=_("%(n)d items") % {"n": p.item_count},
                email=f"{p.email} #{p.channel_id}" if p.channel_id else p.email))
        self.stdout.write(_("%(new)d new reminders; %(old)d recipients already have this week's reminder.") % {
            "new": len(plan.planned), "old": plan.already_recorded})

    def _send_here(self, ids: list[int], on: datetime.date) -> None:
        sent = failed = 0
        for reminder_id in ids:
            try:
                if reminders.deliver(reminder_id=reminder_id, on=on):
                    sent += 1
            except Exception as exc:  # recorded on the reminder; the others still go out
                failed += 1
                self.stderr.write(_("Reminder %(id)d failed: %(error)s") % {"id": reminder_id, "error": exc})
        self.stdout.write(_("Sent %(sent)d, failed %(failed)d.") % {"sent": sent, "failed": failed})
