"""Which year's working days are not known yet and should be flagged now.

The current year, if it is unknown (the reminders are guessing Monday to Friday today); else
the coming year, from `CALENDAR_WARN_WEEKS` weeks before its 1 January.
"""

from __future__ import annotations

import datetime

from django.conf import settings

from cases import holidays


def unknown_year(today: datetime.date) -> int | None:
    if not holidays.year_is_known(today.year):
        return today.year
    coming = today.year + 1
    warn_from = datetime.date(coming, 1, 1) - datetime.timedelta(weeks=settings.CALENDAR_WARN_WEEKS)
    if today >= warn_from and not holidays.year_is_known(coming):
        return coming
    return None


def for_user(user, today: datetime.date) -> int | None:
    """The year to flag to this person: supervisors and administrators only."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_supervisor", False):
        return None
    return unknown_year(today)
