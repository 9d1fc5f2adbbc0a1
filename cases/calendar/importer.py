"""A parsed notice → rows of the working-day calendar: what would change, and doing it.

The notice replaces what an earlier import of the same year wrote: its days are created or
updated, days an earlier notice import listed that this one does not are removed, and the
year is marked complete. Rows entered by hand on other dates are kept (the table wins, and
the office may know better). Importing the same notice again changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.db import transaction

from cases import holidays

from .models import CalendarDay, CalendarYear, Source
from .parser import Arrangement


@dataclasses.dataclass(frozen=True)
class Row:
    date: datetime.date
    kind: str  # CalendarDay.Kind
    name: str
    action: str  # "new", "changed", "same", "removed"
    before: str = ""  # the row it replaces, as shown


@dataclasses.dataclass(frozen=True)
class Plan:
    arrangement: Arrangement
    rows: tuple[Row, ...]
    year_was_complete: bool

    def count(self, action: str) -> int:
        return sum(row.action == action for row in self.rows)

    @property
    def changes(self) -> int:
        return len(self.rows) - self.count("same")


def plan(arrangement: Arrangement) -> Plan:
    """What importing `arrangement` would do; writes nothing."""
    wanted = {
        day: (CalendarDay.Kind.WORKDAY if working else CalendarDay.Kind.HOLIDAY, name)
        for day, working, name in arrangement.days()
    }
    years = {d.year for d in wanted} | {arrangement.year}
    existing = {row.date: row for row in CalendarDay.objects.filter(date__year__in=years)}
    rows = []
    for day, (kind, name) in sorted(wanted.items()):
        old = existing.get(day)
        if old is None:
            action = "new"
        elif (old.kind, old.name, old.source, old.notice_title) == (kind, name, Source.NOTICE, arrangement.title):
            action = "same"
        else:
            action = "changed"
        rows.append(Row(day, kind, name, action, str(old) if old and action == "changed" else ""))
    for day, old in sorted(existing.items()):
        # Only what an earlier notice of this year put there; a hand-entered row stays.
        if day not in wanted and old.source == Source.NOTICE and day.year == arrangement.year:
            rows.append(Row(day, old.kind, old.name, "removed", str(old)))
    complete = CalendarYear.objects.filter(year=arrangement.year, complete=True,
                                           notice_title=arrangement.title).exists()
    return Plan(arrangement=arrangement, rows=tuple(sorted(rows, key=lambda r: r.date)), year_was_complete=complete)


@transaction.atomic
def apply(arrangement: Arrangement, *, user=None) -> Plan:
    """Write the notice into the table; returns the plan that was carried out."""
    # Lock the year's row (created if new) so two imports of one year do not interleave.
    year, _created = CalendarYear.objects.get_or_create(year=arrangement.year)
    CalendarYear.objects.select_for_update().filter(pk=year.pk).first()
    result = plan(arrangement)
    for row in result.rows:
        if row.action == "removed":
            CalendarDay.objects.filter(date=row.date).delete()
        elif row.action in ("new", "changed"):
            CalendarDay.objects.update_or_create(
                date=row.date,
                defaults={"kind": row.kind, "name": row.name, "source": Source.NOTICE,
                          "notice_title": arrangement.title, "entered_by": user},
            )
    if not result.year_was_complete:
        year.complete, year.source, year.notice_title, year.entered_by = True, Source.NOTICE, arrangement.title, user
        year.save()
    holidays.invalidate()
    return result
