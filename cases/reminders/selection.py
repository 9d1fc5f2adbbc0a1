"""Selection: which items need urging on a day, and at which level.

Pure rules over querysets and rows already in memory; no writes, no mail.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from ..models import Reminder, waits_on_time_condition

CHUNK_SIZE = 2000
# A level outranks those before it; a reminder carries the highest level among its items.
LEVEL_RANK = {
    Reminder.Level.DUE_SOON: 1,
    Reminder.Level.LAGGING: 2,
    Reminder.Level.OVERDUE: 3,
    Reminder.Level.ESCALATED: 4,
    Reminder.Level.SUMMARY: 0,
}
SUPERVISOR_PERM = "cases.view_all_measures"
# with_perm needs the backend named once axes sits in AUTHENTICATION_BACKENDS as well.
PERMISSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass(frozen=True)
class Thresholds:
    """The reminder levels, in days (settings REMINDER_*)."""

    due_soon_days: int
    lagging_days: int
    escalate_after_days: int

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(
            due_soon_days=settings.REMINDER_DUE_SOON_DAYS,
            lagging_days=settings.REMINDER_LAGGING_DAYS,
            escalate_after_days=settings.REMINDER_ESCALATE_AFTER_DAYS,
        )


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s week: a reminder's `period`."""
    return day - datetime.timedelta(days=day.weekday())


def reportable(queryset, *, on: datetime.date, thresholds: Thresholds):
    """Ongoing items that are overdue, due soon, or lagging on `on`."""
    due_by = on + datetime.timedelta(days=thresholds.due_soon_days)
    # An item waiting for sign-off asked for on time is the supervisors' lag, not the unit's.
    return (queryset.ongoing().filter(deadline__lte=due_by) | queryset.lagging(thresholds.lagging_days, on=on)) \
        .exclude(waits_on_time_condition())


def escalated(queryset, *, on: datetime.date, thresholds: Thresholds):
    """Items overdue for at least `escalate_after_days` on `on` (督办)."""
    return queryset.overdue(on).filter(deadline__lte=on - datetime.timedelta(days=thresholds.escalate_after_days))


def item_level(
    *, deadline: datetime.date | None, last_activity: datetime.datetime | None, on: datetime.date,
    thresholds: Thresholds,
) -> str | None:
    """The level of one ongoing item on `on`, or None if it needs no reminder.

    The same rules as `reportable` and `escalated`, for one row already in memory.
    """
    if deadline is not None and deadline < on:
        overdue_days = (on - deadline).days
        return Reminder.Level.ESCALATED if overdue_days >= thresholds.escalate_after_days else Reminder.Level.OVERDUE
    cutoff = on - datetime.timedelta(days=thresholds.lagging_days)
    if last_activity is not None and timezone.localdate(last_activity) < cutoff:
        return Reminder.Level.LAGGING
    if deadline is not None and deadline <= on + datetime.timedelta(days=thresholds.due_soon_days):
        return Reminder.Level.DUE_SOON
    return None




def level_rank_expression(*, on: datetime.date, thresholds: Thresholds, prefix: str = ""):
    """`item_level` as a database expression: the rank of each row's level (4 escalated, 3 overdue,
    2 lagging, 1 due soon; 0 none), for a mail that loads only the items it shows.

    The same rules in the same order as `item_level` (an item a ladder level covers and no
    REMINDER_* rule reaches counts as due soon); `tests/cases/test_reminders.py` checks the two
    agree on every kind of item. `prefix` reaches the measure from another model (``"measure__"``
    from a supporting-unit row).
    """
    from django.db.models import Case, IntegerField, Q, Value, When

    escalate_by = on - datetime.timedelta(days=thresholds.escalate_after_days)
    cutoff = timezone.make_aware(datetime.datetime.combine(on - datetime.timedelta(days=thresholds.lagging_days),
                                                           datetime.time()))
    due_by = on + datetime.timedelta(days=thresholds.due_soon_days)
    rank = LEVEL_RANK
    def on_measure(**lookups) -> Q:
        return Q(**{f"{prefix}{key}": value for key, value in lookups.items()})

    return Case(
        When(on_measure(deadline__lt=on, deadline__lte=escalate_by), then=Value(rank[Reminder.Level.ESCALATED])),
        When(on_measure(deadline__lt=on), then=Value(rank[Reminder.Level.OVERDUE])),
        When(on_measure(last_progress_at__lt=cutoff) | on_measure(last_progress_at__isnull=True, created_at__lt=cutoff),
             then=Value(rank[Reminder.Level.LAGGING])),
        When(on_measure(deadline__lte=due_by), then=Value(rank[Reminder.Level.DUE_SOON])),
        When(on_measure(urging_level__isnull=False), then=Value(rank[Reminder.Level.DUE_SOON])),
        default=Value(0),
        output_field=IntegerField(),
    )
