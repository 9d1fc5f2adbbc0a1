"""Selection: which items need urging on a day, and at which level.

Pure rules over querysets and rows already in memory; no writes, no mail.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from ..models import Reminder, waits_on_time_condition

CHUNK_SIZE = 2000
# A level outranks those before it; a reminder carries the highest level among its items.
LEVEL_RANK: dict[str, int] = {
    Reminder.Level.DUE_SOON: 1,
    Reminder.Level.LAGGING: 2,
    Reminder.Level.OVERDUE: 3,
    Reminder.Level.ESCALATED: 4,
    Reminder.Level.SUMMARY: 0,
}
_NO_DEADLINE = datetime.date.max.toordinal()


def urgency(level: str, deadline: datetime.date | None, pk: int) -> tuple[int, int, int]:
    """The order in which a mail lists its items, most urgent first (the smallest key): the highest
    level, then the nearest deadline (none last), then the oldest item. Planning keeps the most
    urgent of each recipient's items by it, and rendering shows them in its order."""
    return (-LEVEL_RANK[level], deadline.toordinal() if deadline is not None else _NO_DEADLINE, pk)


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


@dataclass(frozen=True)
class LevelRules:
    """The levels of one day: the rules of `item_level`, with their bounds worked out once for many rows."""

    on: datetime.date
    escalate_by: datetime.date  # a deadline on or before it: overdue long enough to escalate
    idle_before: datetime.datetime  # last activity before it (a local midnight): lagging
    due_by: datetime.date  # a deadline from `on` up to it: due soon

    @classmethod
    def of_day(cls, on: datetime.date, thresholds: Thresholds) -> LevelRules:
        idle_since = on - datetime.timedelta(days=thresholds.lagging_days)
        return cls(on=on, escalate_by=on - datetime.timedelta(days=thresholds.escalate_after_days),
                   idle_before=timezone.make_aware(datetime.datetime.combine(idle_since, datetime.time())),
                   due_by=on + datetime.timedelta(days=thresholds.due_soon_days))

    def idle(self, last_activity: datetime.datetime | None) -> bool:
        return last_activity is not None and last_activity < self.idle_before

    def idle_condition(self, prefix: str = "") -> Q:
        """`idle` of each row's last activity (its last progress, else its creation), in the database;
        `prefix` reaches the measure from another model (``"measure__"`` from a supporting-unit row)."""
        return Q(**{f"{prefix}last_progress_at__lt": self.idle_before}) | Q(
            **{f"{prefix}last_progress_at__isnull": True, f"{prefix}created_at__lt": self.idle_before})

    def level_inputs(self, queryset, *columns: str, prefix: str = ""):
        """`columns` of each row, then what its level needs: the deadline, the urging ladder level's
        id and whether it is idle (worked out by the database, so no timestamp is loaded: Django's
        timestamptz loader costs ~10 µs a value, and planning reads 280,000 rows)."""
        idle = ExpressionWrapper(self.idle_condition(prefix), output_field=BooleanField())
        return queryset.annotate(level_idle=idle).values_list(
            *columns, f"{prefix}deadline", f"{prefix}urging_level_id", "level_idle")

    def level(self, *, deadline: datetime.date | None, idle: bool, laddered: bool = False) -> str | None:
        """The level of an ongoing item, or None; `laddered`: a level of the urging ladder covers it, and
        such an item counts as due soon when no REMINDER_* rule reaches it (a ladder may warn earlier)."""
        if deadline is not None and deadline < self.on:
            return Reminder.Level.ESCALATED if deadline <= self.escalate_by else Reminder.Level.OVERDUE
        if idle:
            return Reminder.Level.LAGGING
        if laddered or (deadline is not None and deadline <= self.due_by):
            return Reminder.Level.DUE_SOON
        return None


def item_level(
    *, deadline: datetime.date | None, last_activity: datetime.datetime | None, on: datetime.date,
    thresholds: Thresholds,
) -> str | None:
    """The level of one ongoing item on `on`, or None if it needs no reminder.

    The same rules as `reportable` and `escalated`, for one row already in memory.
    """
    rules = LevelRules.of_day(on, thresholds)
    return rules.level(deadline=deadline, idle=rules.idle(last_activity))
