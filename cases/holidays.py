"""Working days on the official PRC calendar (法定节假日 and 调休 working weekends).

Every day count in Rectify goes through this module. A date is settled, first match wins:

1. the office's table (`cases.calendar.models.CalendarDay`, edited or imported in the admin):
   a holiday or a working day;
2. the `chinese_calendar` package, for the years it carries (the State Council's calendar
   as of the pinned release);
3. Monday to Friday. That is right for a year whose arrangement the office has entered
   (`CalendarYear`), as every special day is then in the table; for a year nobody knows
   it is a guess, logged as a warning (once per year and process) and shown as a banner.

The table is read one year at a time and kept in this process; saving or deleting a row
bumps a version in the shared cache (signals in `cases.calendar.signals`), which every
process checks at most every `_RECHECK_SECONDS` and this process sees at once.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import threading
import time

import chinese_calendar
from chinese_calendar import constants as _cc
from django.core.cache import cache

logger = logging.getLogger(__name__)

# Long holidays (Spring Festival, National Day) last at most nine days; a month is a safe
# bound that still stops a broken calendar from looping forever.
_MAX_LOOKAHEAD_DAYS = 31
_VERSION_KEY = "rectify:calendar:version"
_RECHECK_SECONDS = 10
PACKAGE_YEARS = frozenset({d.year for d in _cc.holidays} | {d.year for d in _cc.workdays})


@dataclasses.dataclass(frozen=True)
class YearTable:
    """The table's rows of one year: date → is a working day; and whether the year is complete."""

    days: dict[datetime.date, bool]
    complete: bool


class _Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.years: dict[int, YearTable] = {}
        self.version = None
        self.checked_at = 0.0
        self.warned: set[int] = set()

    def year(self, year: int) -> YearTable:
        now = time.monotonic()
        if now - self.checked_at > _RECHECK_SECONDS:
            version = cache.get(_VERSION_KEY)
            with self.lock:
                if version != self.version:
                    self.years, self.version = {}, version
                self.checked_at = now
        table = self.years.get(year)
        if table is None:
            table = _load(year)
            with self.lock:
                self.years[year] = table
        return table

    def clear(self):
        with self.lock:
            self.years, self.checked_at = {}, 0.0


_store = _Store()


def _load(year: int) -> YearTable:
    from cases.calendar.models import CalendarDay, CalendarYear

    rows = CalendarDay.objects.filter(date__year=year).values_list("date", "kind")
    days = {d: kind == CalendarDay.Kind.WORKDAY for d, kind in rows}
    complete = CalendarYear.objects.filter(year=year, complete=True).exists()
    return YearTable(days=days, complete=complete)


def invalidate() -> None:
    """Forget the table everywhere: this process now, the others within `_RECHECK_SECONDS`."""
    _store.clear()
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 1, timeout=None)


def clear_process_cache() -> None:
    """Forget the table and the warnings given in this process only (tests: after a rollback)."""
    _store.clear()
    _store.warned.clear()


# --- What the rest of Rectify calls ------------------------------------------------------


def year_is_known(year: int) -> bool:
    """The package carries the year, or the office has entered its arrangement."""
    return year in PACKAGE_YEARS or _store.year(year).complete


def is_working_day(day: datetime.date) -> bool:
    """True on official working days, including adjusted working weekends (调休上班)."""
    table = _store.year(day.year)
    if day in table.days:
        return table.days[day]
    if day.year in PACKAGE_YEARS:
        return chinese_calendar.is_workday(day)
    if not table.complete and day.year not in _store.warned:
        _store.warned.add(day.year)
        logger.warning(
            "No calendar data for %s; treating Monday to Friday as working days. Import the State "
            "Council's holiday notice for %s in the admin (working-day calendar).",
            day.year, day.year,
        )
    return day.weekday() < 5


def next_working_day(day: datetime.date) -> datetime.date:
    """`day` itself if it is a working day, else the first working day after it."""
    for offset in range(_MAX_LOOKAHEAD_DAYS):
        candidate = day + datetime.timedelta(days=offset)
        if is_working_day(candidate):
            return candidate
    raise ValueError(f"no working day within {_MAX_LOOKAHEAD_DAYS} days of {day}")


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (negative if `end` is before `start`).

    So a deadline on the next working day is 1 working day away, and `add_working_days(d, n)`
    is the day `w` with `working_days_between(d, w) == n` (for n > 0).
    """
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start + datetime.timedelta(days=1)
    while day <= end:
        count += is_working_day(day)
        day += datetime.timedelta(days=1)
    return count


def add_working_days(day: datetime.date, n: int) -> datetime.date:
    """The n-th working day after `day` (before it for negative n); `day` itself for 0."""
    step = datetime.timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day
