"""The demo's working-day calendar: an invented 2027 arrangement, marked as such.

The real 2027 notice was not known when this was written. The demo imports the invented
one (`demo_notice_2027.txt`) so the reminders skip a Spring Festival in 2027; its rows are
labelled 演示数据（虚构）, and importing the real notice replaces every one of them.
"""

from __future__ import annotations

from pathlib import Path

from cases import holidays

from . import importer
from .models import CalendarDay, CalendarYear
from .parser import parse_notice

DEMO_NOTICE = Path(__file__).with_name("demo_notice_2027.txt")
DEMO_LABEL = "（演示数据，虚构）"


def load_demo_calendar() -> bool:
    """Enter the invented 2027 arrangement unless 2027 is known already; True if it did."""
    arrangement = parse_notice(DEMO_NOTICE.read_text(encoding="utf-8"))
    if holidays.year_is_known(arrangement.year) or CalendarYear.objects.filter(year=arrangement.year).exists():
        return False
    importer.apply(arrangement)
    title = arrangement.title + DEMO_LABEL
    CalendarDay.objects.filter(date__year=arrangement.year, notice_title=arrangement.title).update(notice_title=title)
    CalendarYear.objects.filter(year=arrangement.year).update(notice_title=title)
    holidays.invalidate()
    return True
