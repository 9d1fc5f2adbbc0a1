"""Working days on the official PRC calendar (法定节假日 and 调休 working weekends).

The weekly reminders go out on a working day: a run that falls on a public holiday moves to
the next working day, and an adjusted working Saturday counts as a working day. The
`chinese_calendar` package carries the State Council's calendar year by year; for a year it
does not know yet (it raises NotImplementedError) we fall back to Monday–Friday and log a
warning, so an outdated package delays nothing but is visible in the logs.
"""

from __future__ import annotations

import datetime
import logging

import chinese_calendar

logger = logging.getLogger(__name__)

# Long holidays (Spring Festival, National Day) last at most nine days; a month is a safe
# bound that still stops a broken calendar from looping forever.
_MAX_LOOKAHEAD_DAYS = 31


def is_working_day(day: datetime.date) -> bool:
    """True on official working days, including adjusted working weekends (调休上班)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        logger.warning(
            "chinese_calendar has no data for %s; treating Monday to Friday as working days. "
            "Upgrade the chinesecalendar package to get this year's official holidays.",
            day.year,
        )
        return day.weekday() < 5


def next_working_day(day: datetime.date) -> datetime.date:
    """`day` itself if it is a working day, else the first working day after it."""
    for offset in range(_MAX_LOOKAHEAD_DAYS):
        candidate = day + datetime.timedelta(days=offset)
        if is_working_day(candidate):
            return candidate
    raise ValueError(f"no working day within {_MAX_LOOKAHEAD_DAYS} days of {day}")
