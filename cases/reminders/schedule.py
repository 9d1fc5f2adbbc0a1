"""The weekly schedule: a run that falls on a public holiday moves to the next working day."""

from __future__ import annotations

import datetime

from django.utils import timezone

DEFERRED_TASK_PREFIX = "整改提醒顺延"
WEEKLY_TASK = "cases.tasks.run_weekly_reminders"

def defer_weekly_run(*, scheduled_on: datetime.date, run_at: datetime.datetime):
    """Schedule the week's run once at `run_at` (a one-off task, visible in the admin).

    Keyed on the day it was scheduled for, so a beat that fires twice defers once.
    """
    import json

    from django_celery_beat.models import ClockedSchedule, PeriodicTask

    clocked, _ = ClockedSchedule.objects.get_or_create(clocked_time=run_at)
    task, _ = PeriodicTask.objects.update_or_create(
        name=f"{DEFERRED_TASK_PREFIX} {scheduled_on:%Y-%m-%d}",
        defaults={
            "task": WEEKLY_TASK, "clocked": clocked, "one_off": True, "enabled": True,
            "kwargs": json.dumps({"deferred_from": scheduled_on.isoformat()}),
            "description": (f"{scheduled_on:%Y-%m-%d} 为法定节假日,本周整改提醒顺延至 "
                            f"{timezone.localtime(run_at):%Y-%m-%d %H:%M} 发送。"),
        },
    )
    return task
